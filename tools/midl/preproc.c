/* preproc.c - the directives IDL files use: #include "file" and <file> (each file read
 * once), #pragma (handed to the parser as an event: prefix, ID and version are known
 * there), and the conditionals and #define that include guards are made of. Macro values
 * are not substituted in IDL text (a warning says so); they count in #if. Real IDL files
 * need no more, and a full C preprocessor would make the tool depend on one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "midl.h"

/* A directive's text (after the '#'), comments replaced by blanks, continuation lines
 * joined, and where each character came from. */
#define MAX_DIRECTIVE 65536

typedef struct dline {
    char *s; /* the text */
    loc *at; /* at[i]: position of s[i]; at[len]: position of the line's end */
    size_t len;
    size_t cap; /* of s and at, one more for the end */
    size_t i;   /* the scanning position */
} dline;

typedef struct cond {
    bool active; /* the current group is being read */
    bool taken;  /* one of the groups of this #if has been true */
    bool outer;  /* the enclosing group was active */
    bool seen_else;
    loc loc; /* of the #if, for "unterminated" */
} cond;

static cond *conds;
static size_t nconds, capconds;
static char **macros; /* "NAME" or "NAME=value" */
static size_t nmacros;
static char **dirs;
static size_t ndirs;
static uint32_t *main_incs;
static size_t nmain_incs;
static bool no_includes;

void pp_disable_includes(bool off)
{
    no_includes = off;
}

void pp_add_include_dir(const char *dir)
{
    dirs = xrealloc(dirs, (ndirs + 1) * sizeof *dirs);
    dirs[ndirs++] = xstrdup(dir);
}

size_t pp_main_includes(const uint32_t **files)
{
    *files = main_incs;
    return nmain_incs;
}

void pp_reset(void)
{
    xfree(conds);
    conds = NULL;
    nconds = capconds = 0;
    for (size_t i = 0; i < nmacros; i++)
        xfree(macros[i]);
    xfree(macros);
    macros = NULL;
    nmacros = 0;
    for (size_t i = 0; i < ndirs; i++)
        xfree(dirs[i]);
    xfree(dirs);
    dirs = NULL;
    ndirs = 0;
    xfree(main_incs);
    main_incs = NULL;
    nmain_incs = 0;
}

bool pp_skipping(void)
{
    return nconds && !conds[nconds - 1].active;
}
size_t pp_cond_depth(void)
{
    return nconds;
}

void pp_file_end(lexer *lx)
{
    if (nconds > lx->cond_base) {
        error_at(conds[lx->cond_base].loc, "#if without #endif in this file");
        nconds = lx->cond_base;
    }
}

/* ---- reading the directive ----------------------------------------------------------- */

static void dput(dline *d, char c, loc l)
{
    if (d->len + 1 >= d->cap) {
        d->cap *= 2;
        d->s = xrealloc(d->s, d->cap);
        d->at = xrealloc(d->at, d->cap * sizeof *d->at);
    }
    d->s[d->len] = c;
    d->at[d->len++] = l;
}

/* Reads from the '#' to the end of the logical line into d, leaving lx at the start of
 * the next line. False (reported) when the line is too long. */
static bool read_line(lexer *lx, dline *d)
{
    d->cap = 128;
    d->s = xmalloc(d->cap);
    d->at = xmalloc(d->cap * sizeof *d->at);
    d->len = d->i = 0;
    loc start = lex_loc(lx, lx->p);
    lx->p++; /* the '#' */
    char quote = 0;
    bool too_long = false;
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == '\\' && lx->p + 1 < lx->end &&
            (lx->p[1] == '\n' ||
             (lx->p[1] == '\r' && lx->p + 2 < lx->end && lx->p[2] == '\n'))) {
            lx->p++;
            if (*lx->p == '\r')
                lx->p++;
            lex_advance(lx);
            continue;
        }
        if (c == '\n')
            break;
        if (d->len >= MAX_DIRECTIVE) {
            too_long = true;
            lex_advance(lx);
            continue;
        }
        loc here = lex_loc(lx, lx->p);
        if (quote) {
            if (c == quote)
                quote = 0;
            else if (c == '\\' && lx->p + 1 < lx->end && lx->p[1] != '\n') {
                dput(d, c, here);
                lx->p++;
                here = lex_loc(lx, lx->p);
                c = *lx->p;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
            break;
        } else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
            lx->p += 2;
            while (lx->p < lx->end &&
                   !(*lx->p == '*' && lx->p + 1 < lx->end && lx->p[1] == '/'))
                lex_advance(lx);
            if (lx->p >= lx->end) {
                error_at(here, "unterminated comment");
                break;
            }
            lx->p += 2;
            dput(d, ' ', here);
            continue;
        }
        dput(d, c == '\r' ? ' ' : c, here);
        lx->p++;
    }
    d->s[d->len] = 0;
    d->at[d->len] = lex_loc(lx, lx->p);
    if (lx->p < lx->end)
        lex_advance(lx); /* the newline */
    lx->bol = true;
    if (too_long) {
        error_at(start, "directive longer than %d bytes", MAX_DIRECTIVE);
        return false;
    }
    return true;
}

static void dfree(dline *d)
{
    xfree(d->s);
    xfree(d->at);
}

static void dspace(dline *d)
{
    while (d->i < d->len && (d->s[d->i] == ' ' || d->s[d->i] == '\t' || d->s[d->i] == '\f' ||
                             d->s[d->i] == '\v'))
        d->i++;
}

static bool ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

/* The identifier at d->i (advancing past it), or NULL. */
static char *dident(dline *d)
{
    dspace(d);
    size_t s = d->i;
    if (s >= d->len || !ident_start(d->s[s]))
        return NULL;
    while (d->i < d->len && ident_char(d->s[d->i]))
        d->i++;
    return xstrndup(d->s + s, d->i - s);
}

static loc dloc(const dline *d)
{
    return d->at[d->i < d->len ? d->i : d->len];
}

/* Warns about anything but blanks left on the line. */
static void dend(dline *d, const char *directive)
{
    dspace(d);
    if (d->i < d->len)
        warning_at(dloc(d), "extra text after #%s ignored", directive);
}

/* ---- macros ---------------------------------------------------------------------------- */

static long find_macro(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < nmacros; i++)
        if (strncmp(macros[i], name, n) == 0 && (macros[i][n] == 0 || macros[i][n] == '='))
            return (long)i;
    return -1;
}

static void do_define(dline *d)
{
    loc at = (dspace(d), dloc(d));
    char *name = dident(d);
    if (!name) {
        error_at(at, "#define needs a macro name");
        return;
    }
    if (d->i < d->len && d->s[d->i] == '(') {
        error_at(dloc(d), "function-like macros are not supported");
        xfree(name);
        return;
    }
    dspace(d);
    size_t end = d->len;
    while (end > d->i && (d->s[end - 1] == ' ' || d->s[end - 1] == '\t'))
        end--;
    long old = find_macro(name);
    char *m =
        end > d->i ? xasprintf("%s=%.*s", name, (int)(end - d->i), d->s + d->i) : xstrdup(name);
    if (end > d->i)
        warning_at(at,
                   "midl does not substitute macros in IDL text: '%s' counts only in "
                   "#if and #ifdef",
                   name);
    if (old >= 0) {
        xfree(macros[old]);
        macros[old] = m;
    } else {
        macros = xrealloc(macros, (nmacros + 1) * sizeof *macros);
        macros[nmacros++] = m;
    }
    xfree(name);
}

static void do_undef(dline *d)
{
    loc at = (dspace(d), dloc(d));
    char *name = dident(d);
    if (!name) {
        error_at(at, "#undef needs a macro name");
        return;
    }
    long i = find_macro(name);
    if (i >= 0) {
        xfree(macros[i]);
        macros[i] = macros[--nmacros];
    }
    xfree(name);
    dend(d, "undef");
}

/* ---- #if expressions: integers, defined, ! ~ - + * / % << >> < > <= >= == != & ^ | && || ?:
 */

typedef struct pexpr {
    dline *d;
    bool failed;
    int depth;
} pexpr;

static int64_t p_cond(pexpr *e);

static void p_fail(pexpr *e, const char *msg)
{
    if (!e->failed)
        error_at(dloc(e->d), "%s", msg);
    e->failed = true;
}

static bool p_eat(pexpr *e, const char *op)
{
    dspace(e->d);
    size_t n = strlen(op);
    if (e->d->len - e->d->i >= n && memcmp(e->d->s + e->d->i, op, n) == 0) {
        /* Do not take "<" from "<<" or "&" from "&&". */
        char next = e->d->i + n < e->d->len ? e->d->s[e->d->i + n] : 0;
        if (n == 1 && (next == op[0] || (next == '=' && strchr("<>=!", op[0]))) &&
            op[0] != '(' && op[0] != ')')
            return false;
        e->d->i += n;
        return true;
    }
    return false;
}

static int64_t p_macro_value(const char *name)
{
    long i = find_macro(name);
    if (i < 0)
        return 0;
    const char *eq = strchr(macros[i], '=');
    return eq ? strtoll(eq + 1, NULL, 0) : 0;
}

static int64_t p_primary(pexpr *e)
{
    dline *d = e->d;
    dspace(d);
    if (++e->depth > MIDL_MAX_DEPTH) {
        p_fail(e, "#if expression nested too deeply");
        return 0;
    }
    int64_t v = 0;
    if (p_eat(e, "(")) {
        v = p_cond(e);
        if (!p_eat(e, ")"))
            p_fail(e, "expected ')' in #if");
    } else if (p_eat(e, "!")) {
        v = !p_primary(e);
    } else if (p_eat(e, "~")) {
        v = (int64_t) ~(uint64_t)p_primary(e);
    } else if (p_eat(e, "-")) {
        v = (int64_t)(0 - (uint64_t)p_primary(e));
    } else if (p_eat(e, "+")) {
        v = p_primary(e);
    } else if (d->i < d->len && d->s[d->i] >= '0' && d->s[d->i] <= '9') {
        char *endp;
        v = (int64_t)strtoull(d->s + d->i, &endp, 0);
        d->i = (size_t)(endp - d->s);
        while (d->i < d->len && ident_char(d->s[d->i])) /* suffixes: 1L, 2u */
            d->i++;
    } else {
        char *name = dident(d);
        if (!name) {
            p_fail(e, "expected a value in #if");
        } else if (strcmp(name, "defined") == 0) {
            bool paren = p_eat(e, "(");
            char *m = dident(d);
            if (!m)
                p_fail(e, "expected a macro name after 'defined'");
            else
                v = find_macro(m) >= 0;
            if (paren && !p_eat(e, ")"))
                p_fail(e, "expected ')' after 'defined(NAME'");
            xfree(m);
        } else {
            v = p_macro_value(name);
        }
        xfree(name);
    }
    e->depth--;
    return v;
}

/* Binary operators by precedence, lowest first. */
static const char *const pp_levels[][5] = {
    {"||"},
    {"&&"},
    {"|"},
    {"^"},
    {"&"},
    {"==", "!="},
    {"<=", ">=", "<", ">"},
    {"<<", ">>"},
    {"+", "-"},
    {"*", "/", "%"},
};

static int64_t p_binary(pexpr *e, int level)
{
    if (level == (int)(sizeof pp_levels / sizeof *pp_levels))
        return p_primary(e);
    int64_t l = p_binary(e, level + 1);
    for (;;) {
        const char *op = NULL;
        for (int k = 0; k < 5 && pp_levels[level][k]; k++)
            if (p_eat(e, pp_levels[level][k])) {
                op = pp_levels[level][k];
                break;
            }
        if (!op || e->failed)
            return l;
        int64_t r = p_binary(e, level + 1);
        uint64_t ul = (uint64_t)l, ur = (uint64_t)r;
        if (!strcmp(op, "||"))
            l = l || r;
        else if (!strcmp(op, "&&"))
            l = l && r;
        else if (!strcmp(op, "|"))
            l = (int64_t)(ul | ur);
        else if (!strcmp(op, "^"))
            l = (int64_t)(ul ^ ur);
        else if (!strcmp(op, "&"))
            l = (int64_t)(ul & ur);
        else if (!strcmp(op, "=="))
            l = l == r;
        else if (!strcmp(op, "!="))
            l = l != r;
        else if (!strcmp(op, "<="))
            l = l <= r;
        else if (!strcmp(op, ">="))
            l = l >= r;
        else if (!strcmp(op, "<"))
            l = l < r;
        else if (!strcmp(op, ">"))
            l = l > r;
        else if (!strcmp(op, "<<"))
            l = (int64_t)(ul << (ur & 63));
        else if (!strcmp(op, ">>"))
            l = (int64_t)(ul >> (ur & 63));
        else if (!strcmp(op, "+"))
            l = (int64_t)(ul + ur);
        else if (!strcmp(op, "-"))
            l = (int64_t)(ul - ur);
        else if (!strcmp(op, "*"))
            l = (int64_t)(ul * ur);
        else if (r == 0 || (r == -1 && l == INT64_MIN)) {
            p_fail(e, "division by zero in #if");
            l = 0;
        } else {
            l = op[0] == '/' ? l / r : l % r;
        }
    }
}

static int64_t p_cond(pexpr *e)
{
    int64_t c = p_binary(e, 0);
    if (p_eat(e, "?")) {
        int64_t a = p_cond(e);
        if (!p_eat(e, ":"))
            p_fail(e, "expected ':' in #if");
        int64_t b = p_cond(e);
        return c ? a : b;
    }
    return c;
}

static bool eval_if(dline *d)
{
    pexpr e = {.d = d};
    dspace(d);
    if (d->i >= d->len) {
        error_at(dloc(d), "#if without an expression");
        return false;
    }
    int64_t v = p_cond(&e);
    dspace(d);
    if (!e.failed && d->i < d->len)
        p_fail(&e, "unexpected text in #if");
    return !e.failed && v != 0;
}

/* ---- conditionals ------------------------------------------------------------------------ */

static void push_cond(bool value, loc l)
{
    if (nconds == capconds) {
        capconds = capconds ? capconds * 2 : 8;
        conds = xrealloc(conds, capconds * sizeof *conds);
    }
    bool outer = !pp_skipping();
    conds[nconds++] =
        (cond){.active = outer && value, .taken = value, .outer = outer, .loc = l};
}

/* The innermost #if of the current file, or NULL (with an error). */
static cond *top_cond(lexer *lx, loc l, const char *directive)
{
    if (nconds <= lx->cond_base) {
        error_at(l, "#%s without #if", directive);
        return NULL;
    }
    return &conds[nconds - 1];
}

/* ---- #include ------------------------------------------------------------------------------
 */

static bool try_open(const char *path, uint32_t *file, bool *again)
{
    return src_read(path, file, again) == 0;
}

static void do_include(lexer *lx, dline *d)
{
    dspace(d);
    loc at = dloc(d);
    char open = d->i < d->len ? d->s[d->i] : 0;
    char close = open == '"' ? '"' : open == '<' ? '>' : 0;
    if (!close) {
        error_at(at, "#include expects \"FILE\" or <FILE>");
        return;
    }
    size_t s = ++d->i;
    while (d->i < d->len && d->s[d->i] != close)
        d->i++;
    if (d->i >= d->len || d->i == s) {
        error_at(at, d->i == s ? "empty file name in #include"
                               : "unterminated file name in #include");
        return;
    }
    char *name = xstrndup(d->s + s, d->i - s);
    d->i++;
    dend(d, "include");
    if (no_includes) {
        error_at(at, "#include is disabled here");
        xfree(name);
        return;
    }

    uint32_t file = 0;
    bool again = false, found = false;
    const char *incdir = src_get(lx->file)->dir;
    if (name[0] == '/') {
        found = try_open(name, &file, &again);
    } else {
        /* "file": the including file's directory first; <file>: the -I directories
         * first. Both then try the other place. */
        if (open == '"') {
            char *p = xasprintf("%s/%s", incdir, name);
            found = try_open(p, &file, &again);
            xfree(p);
        }
        for (size_t i = 0; !found && i < ndirs; i++) {
            char *p = xasprintf("%s/%s", dirs[i], name);
            found = try_open(p, &file, &again);
            xfree(p);
        }
        if (!found && open == '<') {
            char *p = xasprintf("%s/%s", incdir, name);
            found = try_open(p, &file, &again);
            xfree(p);
        }
    }
    if (!found) {
        error_at(at, "cannot find '%s' (searched %s%s)", name,
                 open == '"' ? "the including file's directory and " : "",
                 ndirs ? "the -I directories" : "no -I directories");
        xfree(name);
        return;
    }
    xfree(name);
    if (lx->file == 0 && lex_depth() == 0) {
        bool known = false;
        for (size_t i = 0; i < nmain_incs; i++)
            known |= main_incs[i] == file;
        if (!known && file != 0) {
            main_incs = xrealloc(main_incs, (nmain_incs + 1) * sizeof *main_incs);
            main_incs[nmain_incs++] = file;
        }
    }
    if (again)
        return; /* each file is read once */
    lex_push_file(file, at);
}

/* ---- #pragma ----------------------------------------------------------------------------- */

/* Checks a pragma's form here, so its diagnostics come in source order; the parser
 * applies it where it stands among the declarations. Known: prefix "STRING",
 * ID NAME "STRING", version NAME MAJOR.MINOR (CORBA 3.0, 10.7.5). */
static bool check_pragma(dline *d, loc at)
{
    size_t save = d->i;
    char *word = dident(d);
    bool ok = true;
    if (!word) {
        warning_at(at, "empty #pragma ignored");
        ok = false;
    } else if (!strcmp(word, "prefix") || !strcmp(word, "ID") || !strcmp(word, "version")) {
        bool named = word[0] != 'p';
        if (named) {
            /* a scoped name: identifiers and "::" */
            dspace(d);
            size_t s = d->i;
            while (d->i < d->len && (ident_char(d->s[d->i]) || d->s[d->i] == ':'))
                d->i++;
            ok = d->i > s;
        }
        dspace(d);
        if (ok && word[0] != 'v') {
            ok = d->i < d->len && d->s[d->i] == '"' && strchr(d->s + d->i + 1, '"');
        } else if (ok) {
            unsigned major, minor;
            int n = 0;
            ok = sscanf(d->s + d->i, "%u.%u%n", &major, &minor, &n) == 2 &&
                 d->i + (size_t)n == d->len;
        }
        if (!ok)
            error_at(at, "#pragma %s needs %s", word,
                     word[0] == 'p'   ? "a \"string\""
                     : word[0] == 'I' ? "a name and a \"repository id\""
                                      : "a name and MAJOR.MINOR");
    } else {
        warning_at(at, "unknown #pragma '%s' ignored", word);
        ok = false;
    }
    xfree(word);
    d->i = save;
    return ok;
}

/* ---- the directive ---------------------------------------------------------------------- */

void pp_directive(lexer *lx)
{
    dline d;
    bool ok = read_line(lx, &d);
    dspace(&d);
    loc at = dloc(&d);
    char *name = ok ? dident(&d) : NULL;
    bool skipping = pp_skipping();
    if (!name) {
        /* "#" alone is the null directive; "# 12 "file"" is a line marker from cpp. */
        if (ok && !skipping && d.i < d.len && d.s[d.i] >= '0' && d.s[d.i] <= '9')
            warning_at(at, "line markers are ignored");
        else if (ok && !skipping && d.i < d.len)
            error_at(at, "expected a directive name after '#'");
        dfree(&d);
        return;
    }
    if (!strcmp(name, "ifdef") || !strcmp(name, "ifndef")) {
        if (nconds >= MIDL_MAX_DEPTH) {
            error_at(at, "#if nested too deeply");
        } else {
            loc mat = (dspace(&d), dloc(&d));
            char *m = dident(&d);
            if (!m && !skipping)
                error_at(mat, "#%s needs a macro name", name);
            bool v = m && (find_macro(m) >= 0) == (name[2] == 'd');
            push_cond(v, at);
            xfree(m);
            if (!skipping)
                dend(&d, name);
        }
    } else if (!strcmp(name, "if")) {
        if (nconds >= MIDL_MAX_DEPTH)
            error_at(at, "#if nested too deeply");
        else
            push_cond(!skipping && eval_if(&d), at);
    } else if (!strcmp(name, "elif") || !strcmp(name, "else")) {
        cond *c = top_cond(lx, at, name);
        if (c && c->seen_else) {
            error_at(at, "#%s after #else", name);
        } else if (c) {
            bool v = name[1] == 'l' && name[2] == 'i' ? (c->outer && !c->taken && eval_if(&d))
                                                      : !c->taken;
            if (name[2] == 's') {
                c->seen_else = true;
                if (c->outer)
                    dend(&d, name);
            }
            c->active = c->outer && v;
            c->taken |= v;
        }
    } else if (!strcmp(name, "endif")) {
        if (top_cond(lx, at, name)) {
            nconds--;
            if (!pp_skipping())
                dend(&d, name);
        }
    } else if (skipping) {
        /* Other directives do nothing in a false group. */
    } else if (!strcmp(name, "include")) {
        do_include(lx, &d);
    } else if (!strcmp(name, "pragma")) {
        dspace(&d);
        size_t end = d.len;
        while (end > d.i && (d.s[end - 1] == ' ' || d.s[end - 1] == '\t'))
            end--;
        token t = {.kind = TK_PRAGMA, .loc = at};
        t.text = xstrndup(d.s + d.i, end - d.i);
        t.len = end - d.i;
        if (check_pragma(&d, at))
            lex_queue_event(t);
    } else if (!strcmp(name, "define")) {
        do_define(&d);
    } else if (!strcmp(name, "undef")) {
        do_undef(&d);
    } else if (!strcmp(name, "error") || !strcmp(name, "warning")) {
        dspace(&d);
        if (name[0] == 'e')
            error_at(at, "#error %s", d.s + d.i);
        else
            warning_at(at, "#warning %s", d.s + d.i);
    } else if (!strcmp(name, "line")) {
        warning_at(at, "#line is ignored");
    } else {
        error_at(at, "unknown directive '#%s'", name);
    }
    xfree(name);
    dfree(&d);
}
