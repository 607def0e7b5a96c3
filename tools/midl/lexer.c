/* lexer.c - IDL tokens (CORBA 3.0, chapter 3.2) from a stack of files: the main file and
 * the files it #includes. Directives are handed to preproc.c; what they produce (a file to
 * read, a pragma) comes back as events in the token stream, in source order, so the parser
 * sees a #pragma prefix exactly where it stood. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "midl.h"

static lexer lex_stack[MIDL_MAX_INCLUDE_DEPTH + 1];
static int lex_top = -1;

/* Events waiting to be returned before the next token. */
static token *events;
static size_t nevents, headevent, capevents;

void lex_reset(void)
{
    lex_top = -1;
    xfree(events);
    events = NULL;
    nevents = headevent = capevents = 0;
}

void lex_queue_event(token t)
{
    if (headevent == nevents)
        headevent = nevents = 0;
    if (nevents == capevents) {
        capevents = capevents ? capevents * 2 : 8;
        events = xrealloc(events, capevents * sizeof *events);
    }
    events[nevents++] = t;
}

static void start(uint32_t file)
{
    const src_file *f = src_get(file);
    lexer *lx = &lex_stack[++lex_top];
    *lx = (lexer){.file = file,
                  .base = f->data,
                  .p = f->data,
                  .end = f->data + f->len,
                  .line = 1,
                  .line_start = f->data,
                  .bol = true,
                  .cond_base = pp_cond_depth()};
    /* A UTF-8 byte order mark is not part of the text. */
    if (f->len >= 3 && memcmp(f->data, "\xEF\xBB\xBF", 3) == 0)
        lx->p += 3, lx->line_start += 3;
}

void lex_begin(uint32_t main_file)
{
    lex_reset();
    start(main_file);
}

int lex_depth(void)
{
    return lex_top;
}

bool lex_push_file(uint32_t file, loc where)
{
    if (lex_top >= MIDL_MAX_INCLUDE_DEPTH) {
        error_at(where, "#include nested too deeply (more than %d levels)",
                 MIDL_MAX_INCLUDE_DEPTH);
        return false;
    }
    start(file);
    lex_queue_event((token){.kind = TK_FILE_ENTER, .loc = where, .ival = file});
    return true;
}

loc lex_loc(const lexer *lx, const char *at)
{
    /* Columns count bytes from the line's start; at is on lx's current line. */
    const char *ls = lx->line_start;
    if (at < ls)
        ls = at;
    return (loc){.file = lx->file,
                 .line = lx->line,
                 .col = (uint32_t)(at - ls) + 1,
                 .off = (uint32_t)(at - lx->base)};
}

void lex_advance(lexer *lx)
{
    if (lx->p >= lx->end)
        return;
    if (*lx->p == '\n') {
        lx->line++;
        lx->line_start = lx->p + 1;
        lx->bol = true;
    }
    lx->p++;
}

/* ---- keywords ---------------------------------------------------------------------------- */

static const char *const keywords[] = {
    "abstract", "any",       "attribute", "boolean",  "case",        "char",      "const",
    "context",  "custom",    "default",   "double",   "enum",        "exception", "factory",
    "FALSE",    "fixed",     "float",     "in",       "inout",       "interface", "local",
    "long",     "module",    "native",    "Object",   "octet",       "oneway",    "out",
    "private",  "public",    "raises",    "readonly", "sequence",    "short",     "string",
    "struct",   "supports",  "switch",    "TRUE",     "truncatable", "typedef",   "unsigned",
    "union",    "ValueBase", "valuetype", "void",     "wchar",       "wstring",
};

const char *tok_name(tok_kind k)
{
    static const char *const punct[] = {
        [TK_EOF] = "end of file", [TK_IDENT] = "identifier", [TK_INT] = "integer",
        [TK_FLOAT] = "number",    [TK_CHAR] = "character",   [TK_STRING] = "string",
        [TK_SEMI] = "';'",        [TK_LBRACE] = "'{'",       [TK_RBRACE] = "'}'",
        [TK_LPAREN] = "'('",      [TK_RPAREN] = "')'",       [TK_LT] = "'<'",
        [TK_GT] = "'>'",          [TK_LBRACKET] = "'['",     [TK_RBRACKET] = "']'",
        [TK_COMMA] = "','",       [TK_COLON] = "':'",        [TK_SCOPE] = "'::'",
        [TK_EQ] = "'='",          [TK_PLUS] = "'+'",         [TK_MINUS] = "'-'",
        [TK_STAR] = "'*'",        [TK_SLASH] = "'/'",        [TK_PERCENT] = "'%'",
        [TK_TILDE] = "'~'",       [TK_PIPE] = "'|'",         [TK_CARET] = "'^'",
        [TK_AMP] = "'&'",         [TK_SHL] = "'<<'",         [TK_SHR] = "'>>'",
        [TK_AT] = "'@'",
    };
    static char kw[TK_KW_END_ - TK_KW_FIRST_][16];
    if (k < TK_KW_FIRST_)
        return punct[k];
    if (k < TK_KW_END_) {
        char *s = kw[k - TK_KW_FIRST_];
        if (!*s)
            snprintf(s, sizeof kw[0], "'%s'", keywords[k - TK_KW_FIRST_]);
        return s;
    }
    return k == TK_PRAGMA ? "#pragma" : "end of file";
}

/* ---- the tokens ------------------------------------------------------------------------ */

static bool is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_ident_char(int c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}
static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Skips blanks and comments. */
static void skip_space(lexer *lx)
{
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == '\n') {
            lex_advance(lx);
        } else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
        } else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
            loc at = lex_loc(lx, lx->p);
            bool bol = lx->bol;
            lx->p += 2;
            while (lx->p < lx->end &&
                   !(*lx->p == '*' && lx->p + 1 < lx->end && lx->p[1] == '/'))
                lex_advance(lx);
            if (lx->p >= lx->end) {
                error_at(at, "unterminated comment");
                return;
            }
            lx->p += 2;
            lx->bol = bol; /* a comment does not end the line's start */
        } else {
            return;
        }
    }
}

static token make(lexer *lx, tok_kind k, const char *start)
{
    return (token){.kind = k, .loc = lex_loc(lx, start)};
}

static token lex_ident(lexer *lx)
{
    const char *s = lx->p;
    while (lx->p < lx->end && is_ident_char((unsigned char)*lx->p))
        lx->p++;
    token t = make(lx, TK_IDENT, s);
    size_t n = (size_t)(lx->p - s);
    if (*s == '_') {
        /* An escaped identifier: "_struct" is the identifier "struct", never a keyword. */
        if (n == 1 || !is_ident_start((unsigned char)s[1]) || s[1] == '_') {
            error_at(t.loc, "an identifier cannot start with '%.*s'", n == 1 ? 1 : 2, s);
            if (n == 1) {
                t.text = "_";
                t.len = 1;
                return t;
            }
        }
        t.text = xstrndup(s + 1, n - 1);
        t.len = n - 1;
        return t;
    }
    t.text = xstrndup(s, n);
    t.len = n;
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++) {
        if (strcmp(keywords[i], t.text) == 0) {
            t.kind = (tok_kind)(TK_KW_FIRST_ + i);
            return t;
        }
        if (ascii_casecmp(keywords[i], t.text) == 0)
            error_at(t.loc,
                     "identifier '%s' collides with the keyword '%s' (IDL compares "
                     "identifiers without case)",
                     t.text, keywords[i]);
    }
    return t;
}

static token number(lexer *lx)
{
    const char *s = lx->p;
    token t = make(lx, TK_INT, s);
    const char *p = s;
    bool is_float = false;
    if (p[0] == '0' && p + 1 < lx->end && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        uint64_t v = 0;
        bool over = false, any = false;
        while (p < lx->end && hexval((unsigned char)*p) >= 0) {
            if (v >> 60)
                over = true;
            v = v << 4 | (uint64_t)hexval((unsigned char)*p++);
            any = true;
        }
        if (!any)
            error_at(t.loc, "hexadecimal literal without digits");
        if (over)
            error_at(t.loc, "integer literal too large (the largest is 2^64-1)");
        t.ival = over ? 1 : v; /* 1 fits everywhere: no second error about the range */
    } else {
        while (p < lx->end && *p >= '0' && *p <= '9')
            p++;
        if (p < lx->end && *p == '.')
            for (is_float = true, p++; p < lx->end && *p >= '0' && *p <= '9';)
                p++;
        if (p < lx->end && (*p == 'e' || *p == 'E')) {
            const char *q = p + 1;
            if (q < lx->end && (*q == '+' || *q == '-'))
                q++;
            if (q < lx->end && *q >= '0' && *q <= '9') {
                is_float = true;
                for (p = q; p < lx->end && *p >= '0' && *p <= '9';)
                    p++;
            }
        }
        char *text = xstrndup(s, (size_t)(p - s));
        if (is_float) {
            t.kind = TK_FLOAT;
            t.fval = strtod(text, NULL);
            if (!isfinite(t.fval))
                error_at(t.loc, "floating-point literal out of range");
        } else if (text[0] == '0' && text[1]) {
            uint64_t v = 0;
            bool over = false;
            for (const char *q = text + 1; *q; q++) {
                if (*q > '7') {
                    error_at(t.loc, "digit '%c' in an octal literal", *q);
                    break;
                }
                if (v >> 61)
                    over = true;
                v = v << 3 | (uint64_t)(*q - '0');
            }
            if (over)
                error_at(t.loc, "integer literal too large (the largest is 2^64-1)");
            t.ival = over ? 1 : v;
        } else {
            uint64_t v = 0;
            bool over = false;
            for (const char *q = text; *q; q++) {
                uint64_t d = (uint64_t)(*q - '0');
                if (v > (UINT64_MAX - d) / 10)
                    over = true;
                v = v * 10 + d;
            }
            if (over)
                error_at(t.loc, "integer literal too large (the largest is 2^64-1)");
            t.ival = over ? 1 : v;
        }
        xfree(text);
    }
    if (p < lx->end && (*p == 'd' || *p == 'D')) {
        error_at(t.loc, "fixed-point literals are not supported");
        p++;
    } else if (p < lx->end && is_ident_char((unsigned char)*p)) {
        const char *q = p;
        while (q < lx->end && is_ident_char((unsigned char)*q))
            q++;
        error_at(lex_loc(lx, p), "invalid suffix '%.*s' on a number", (int)(q - p), p);
        p = q;
    }
    lx->p = p;
    return t;
}

/* One character of a character or string literal at lx->p (escapes decoded): its value
 * 0..255, or -1 after an error. */
static int literal_char(lexer *lx)
{
    const char *at = lx->p;
    unsigned char c = (unsigned char)*lx->p++;
    if (c != '\\')
        return c;
    if (lx->p >= lx->end)
        return -1;
    c = (unsigned char)*lx->p++;
    switch (c) {
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case 'v':
        return '\v';
    case 'b':
        return '\b';
    case 'r':
        return '\r';
    case 'f':
        return '\f';
    case 'a':
        return '\a';
    case '\\':
    case '?':
    case '\'':
    case '"':
        return c;
    case 'x': {
        int v = 0, n = 0;
        while (n < 2 && lx->p < lx->end && hexval((unsigned char)*lx->p) >= 0)
            v = v * 16 + hexval((unsigned char)*lx->p++), n++;
        if (n == 0) {
            error_at(lex_loc(lx, at), "\\x without hexadecimal digits");
            return -1;
        }
        return v;
    }
    case 'u':
        error_at(lex_loc(lx, at), "\\u escapes are wide characters, which are not supported");
        return -1;
    default:
        if (c >= '0' && c <= '7') {
            int v = c - '0', n = 1;
            while (n < 3 && lx->p < lx->end && *lx->p >= '0' && *lx->p <= '7')
                v = v * 8 + (*lx->p++ - '0'), n++;
            if (v > 255) {
                error_at(lex_loc(lx, at), "octal escape out of range");
                return -1;
            }
            return v;
        }
        error_at(lex_loc(lx, at), "unknown escape sequence '\\%c'",
                 c >= 0x20 && c < 0x7f ? c : '?');
        return -1;
    }
}

static token char_lit(lexer *lx)
{
    const char *s = lx->p++;
    token t = make(lx, TK_CHAR, s);
    if (lx->p >= lx->end || *lx->p == '\n' || *lx->p == '\'') {
        error_at(t.loc, lx->p < lx->end && *lx->p == '\'' ? "empty character literal"
                                                          : "unterminated character literal");
        if (lx->p < lx->end && *lx->p == '\'')
            lx->p++;
        return t;
    }
    int v = literal_char(lx);
    t.ival = v < 0 ? 0 : (uint64_t)v;
    if (lx->p < lx->end && *lx->p == '\'') {
        lx->p++;
        return t;
    }
    while (lx->p < lx->end && *lx->p != '\'' && *lx->p != '\n')
        lx->p++;
    if (lx->p < lx->end && *lx->p == '\'') {
        lx->p++;
        error_at(t.loc, "more than one character in a character literal");
    } else {
        error_at(t.loc, "unterminated character literal");
    }
    return t;
}

static token string_lit(lexer *lx)
{
    const char *s = lx->p++;
    token t = make(lx, TK_STRING, s);
    strbuf b = {0};
    for (;;) {
        if (lx->p >= lx->end || *lx->p == '\n') {
            error_at(t.loc, "unterminated string literal");
            break;
        }
        if (*lx->p == '"') {
            lx->p++;
            break;
        }
        const char *at = lx->p;
        int v = literal_char(lx);
        if (v == 0) {
            error_at(lex_loc(lx, at), "a string cannot contain a NUL character");
            continue;
        }
        if (v > 0)
            sb_putc(&b, (char)v);
    }
    t.len = b.len;
    t.text = b.data ? b.data : xstrdup("");
    return t;
}

static token punct(lexer *lx)
{
    const char *s = lx->p;
    char c = *lx->p++;
    char n = lx->p < lx->end ? *lx->p : 0;
    tok_kind k;
    switch (c) {
    case ';':
        k = TK_SEMI;
        break;
    case '{':
        k = TK_LBRACE;
        break;
    case '}':
        k = TK_RBRACE;
        break;
    case '(':
        k = TK_LPAREN;
        break;
    case ')':
        k = TK_RPAREN;
        break;
    case '[':
        k = TK_LBRACKET;
        break;
    case ']':
        k = TK_RBRACKET;
        break;
    case ',':
        k = TK_COMMA;
        break;
    case '=':
        k = TK_EQ;
        break;
    case '+':
        k = TK_PLUS;
        break;
    case '-':
        k = TK_MINUS;
        break;
    case '*':
        k = TK_STAR;
        break;
    case '/':
        k = TK_SLASH;
        break;
    case '%':
        k = TK_PERCENT;
        break;
    case '~':
        k = TK_TILDE;
        break;
    case '|':
        k = TK_PIPE;
        break;
    case '^':
        k = TK_CARET;
        break;
    case '&':
        k = TK_AMP;
        break;
    case '@':
        k = TK_AT;
        break;
    case ':':
        k = n == ':' ? TK_SCOPE : TK_COLON;
        break;
    case '<':
        k = n == '<' ? TK_SHL : TK_LT;
        break;
    case '>':
        k = n == '>' ? TK_SHR : TK_GT;
        break;
    default:
        return (token){.kind = TK_EOF, .loc = lex_loc(lx, s)};
    }
    if (k == TK_SCOPE || k == TK_SHL || k == TK_SHR)
        lx->p++;
    return make(lx, k, s);
}

token lex_next(void)
{
    for (;;) {
        if (headevent < nevents)
            return events[headevent++];
        if (lex_top < 0)
            return (token){.kind = TK_EOF};
        lexer *lx = &lex_stack[lex_top];
        skip_space(lx);
        if (lx->p >= lx->end) {
            pp_file_end(lx);
            if (lex_top == 0)
                return (token){.kind = TK_EOF, .loc = lex_loc(lx, lx->end)};
            lex_top--;
            lex_queue_event((token){.kind = TK_FILE_LEAVE,
                                    .ival = lex_stack[lex_top].file,
                                    .loc = lex_loc(&lex_stack[lex_top], lex_stack[lex_top].p)});
            continue;
        }
        if (*lx->p == '#' && lx->bol) {
            pp_directive(lx);
            continue;
        }
        if (pp_skipping()) {
            /* A false group: only directives matter. Quotes are not tokens here, so an
             * apostrophe in skipped text cannot swallow the #endif. */
            while (lx->p < lx->end && *lx->p != '\n') {
                if (*lx->p == '/' && lx->p + 1 < lx->end &&
                    (lx->p[1] == '*' || lx->p[1] == '/'))
                    break;
                lx->p++;
            }
            lx->bol = false;
            continue;
        }
        lx->bol = false;
        unsigned char c = (unsigned char)*lx->p;
        if ((c == 'L') && lx->p + 1 < lx->end && (lx->p[1] == '\'' || lx->p[1] == '"')) {
            error_at(lex_loc(lx, lx->p), "wide characters and strings are not supported");
            lx->p++;
            token t = lx->p[0] == '"' ? string_lit(lx) : char_lit(lx);
            return t;
        }
        if (is_ident_start(c))
            return lex_ident(lx);
        if (c >= '0' && c <= '9')
            return number(lx);
        if (c == '.' && lx->p + 1 < lx->end && lx->p[1] >= '0' && lx->p[1] <= '9')
            return number(lx);
        if (c == '\'')
            return char_lit(lx);
        if (c == '"')
            return string_lit(lx);
        token t = punct(lx);
        if (t.kind != TK_EOF)
            return t;
        if (c == '#')
            error_at(t.loc, "'#' is only valid at the start of a line (a directive)");
        else if (c >= 0x20 && c < 0x7f)
            error_at(t.loc, "unexpected character '%c'", c);
        else
            error_at(t.loc, "unexpected byte 0x%02X", c);
        lx->p++;
    }
}
