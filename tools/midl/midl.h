/*
 * midl.h - what the parts of the midl IDL compiler share: locations and diagnostics
 * (diag.c), memory and strings (ast.c), tokens and the token stream (lexer.c, with the
 * directives of preproc.c).
 *
 * THE PIPELINE. main.c opens the main file; the parser (parser.c, with consteval.c for
 * constant expressions) pulls tokens from the token stream, which runs the directives
 * (#include, #pragma, #define and the conditionals) as it meets them and hands pragmas
 * and file boundaries back as events (applied by pragma.c), and resolves every name as it
 * is declared or used (resolve.c, CORBA's declare-before-use rules), so that after
 * parsing the AST (ast.h) is complete, resolved and checked. The generators (gen.c and
 * gen_*.c) then write FOO.h, FOO_types.c, FOO_client.c and FOO_server.c for the main
 * file's declarations, all in memory: nothing is written when there is an error.
 *
 * HOSTILE INPUT. The compiler never crashes on any input: every recursion is bounded
 * (MIDL_MAX_DEPTH), include nesting too, literals are range-checked, and after
 * MIDL_MAX_ERRORS errors it stops. Running out of memory ends the run with a message (a
 * tool may exit; the library may not).
 */
#ifndef MIDL_H
#define MIDL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Limits, each with its reason. */
#define MIDL_MAX_DEPTH                                                                         \
    200                            /* nesting of scopes, types and expressions: far beyond     \
                                      any real file, well inside the C stack */
#define MIDL_MAX_INCLUDE_DEPTH 64  /* #include nesting (each file is read once anyway) */
#define MIDL_MAX_ERRORS 50         /* past this many the rest is noise */
#define MIDL_MAX_FILE (256u << 20) /* largest source file read: 256 MiB */

#if defined(__GNUC__)
#define MIDL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MIDL_NORETURN __attribute__((noreturn))
#else
#define MIDL_PRINTF(f, a)
#define MIDL_NORETURN
#endif

/* ---- memory and strings (ast.c) ---------------------------------------------------- */

/* Allocation never fails: on exhaustion the compiler prints "out of memory" and exits
 * with status 1 (diag_fatal). Memory from these functions is released with xfree, or all
 * at once with xfree_all. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void xfree(void *p);
void xfree_all(void);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh string. */
char *xasprintf(const char *fmt, ...) MIDL_PRINTF(1, 2);

/* A growable byte string. */
typedef struct strbuf {
    char *data; /* NUL-terminated once anything was appended (or after sb_cstr) */
    size_t len;
    size_t cap;
} strbuf;
void sb_putc(strbuf *b, char c);
void sb_puts(strbuf *b, const char *s);
void sb_putn(strbuf *b, const char *s, size_t n);
void sb_printf(strbuf *b, const char *fmt, ...) MIDL_PRINTF(2, 3);
const char *sb_cstr(strbuf *b); /* "" for an empty buffer */
void sb_free(strbuf *b);

/* ASCII case-insensitive comparison (IDL identifiers are ASCII). */
int ascii_casecmp(const char *a, const char *b);

/* ---- source files and diagnostics (diag.c) ----------------------------------------- */

/* A position: file index (0 is the main file), 1-based line and column (in bytes), and
 * the byte offset, from which the source line is found for the caret display. */
typedef struct loc {
    uint32_t file;
    uint32_t line;
    uint32_t col;
    uint32_t off;
} loc;

/* A source file the compiler has read. */
typedef struct src_file {
    char *path;     /* as shown in diagnostics (as given or as found on the path) */
    char *realpath; /* canonical, to read each file once */
    char *dir;      /* its directory, where its quoted #includes are searched first */
    char *data;     /* contents (NUL-terminated; NULs inside are errors for the lexer) */
    size_t len;
} src_file;

/* Reads a file into the file table. 0 and *index, or -1 when it cannot be read (errno
 * set). Reading the same file again returns the same index and *again = true. */
int src_read(const char *path, uint32_t *index, bool *again);
/* Adds an in-memory file (tests, the fuzz target). */
uint32_t src_add_memory(const char *path, const char *data, size_t len);
const src_file *src_get(uint32_t index);
uint32_t src_count(void);
/* Forgets every file and resets the error count (between fuzz runs). */
void src_reset(void);

/* "file:line:col: error: message", the source line and a caret under the column. */
void error_at(loc l, const char *fmt, ...) MIDL_PRINTF(2, 3);
void warning_at(loc l, const char *fmt, ...) MIDL_PRINTF(2, 3);
/* A note attached to the previous diagnostic ("previous declaration is here"). */
void note_at(loc l, const char *fmt, ...) MIDL_PRINTF(2, 3);
/* An error with no position ("midl: error: ..."). */
void error_plain(const char *fmt, ...) MIDL_PRINTF(1, 2);
unsigned error_count(void);
/* Where diagnostics go (stderr by default). */
void diag_set_stream(FILE *f);
/* Called when MIDL_MAX_ERRORS is reached or memory runs out; the default exits with
 * status 1. The fuzz target installs one that longjmps. */
void diag_set_fatal(void (*fn)(void));
MIDL_NORETURN void diag_fatal(void);

/* ---- tokens (lexer.c) ---------------------------------------------------------------- */

typedef enum tok_kind {
    TK_EOF = 0,
    TK_IDENT,  /* text: the identifier (a leading '_' of an escaped identifier removed) */
    TK_INT,    /* ival */
    TK_FLOAT,  /* fval */
    TK_CHAR,   /* ival: the character's value 0..255 */
    TK_STRING, /* text, len: the value, escapes decoded; adjacent literals not yet joined */
    /* punctuation */
    TK_SEMI,
    TK_LBRACE,
    TK_RBRACE,
    TK_LPAREN,
    TK_RPAREN,
    TK_LT,
    TK_GT,
    TK_LBRACKET,
    TK_RBRACKET,
    TK_COMMA,
    TK_COLON,
    TK_SCOPE,
    TK_EQ,
    TK_PLUS,
    TK_MINUS,
    TK_STAR,
    TK_SLASH,
    TK_PERCENT,
    TK_TILDE,
    TK_PIPE,
    TK_CARET,
    TK_AMP,
    TK_SHL,
    TK_SHR,
    TK_AT,
    /* keywords (IDL keywords are case-sensitive; a case-insensitive match is an error) */
    TK_KW_FIRST_,
    TK_ABSTRACT = TK_KW_FIRST_,
    TK_ANY,
    TK_ATTRIBUTE,
    TK_BOOLEAN,
    TK_CASE,
    TK_CHAR_KW,
    TK_CONST,
    TK_CONTEXT,
    TK_CUSTOM,
    TK_DEFAULT,
    TK_DOUBLE,
    TK_ENUM,
    TK_EXCEPTION,
    TK_FACTORY,
    TK_FALSE,
    TK_FIXED,
    TK_FLOAT_KW,
    TK_IN,
    TK_INOUT,
    TK_INTERFACE,
    TK_LOCAL,
    TK_LONG,
    TK_MODULE,
    TK_NATIVE,
    TK_OBJECT,
    TK_OCTET,
    TK_ONEWAY,
    TK_OUT,
    TK_PRIVATE,
    TK_PUBLIC,
    TK_RAISES,
    TK_READONLY,
    TK_SEQUENCE,
    TK_SHORT,
    TK_STRING_KW,
    TK_STRUCT,
    TK_SUPPORTS,
    TK_SWITCH,
    TK_TRUE,
    TK_TRUNCATABLE,
    TK_TYPEDEF,
    TK_UNSIGNED,
    TK_UNION,
    TK_VALUEBASE,
    TK_VALUETYPE,
    TK_VOID,
    TK_WCHAR,
    TK_WSTRING,
    TK_KW_END_,
    /* events of the token stream, in source order among the tokens */
    TK_PRAGMA,     /* text: the pragma's line after "#pragma " */
    TK_FILE_ENTER, /* an #include starts a file: ival is its index */
    TK_FILE_LEAVE, /* the included file ended; back to file ival */
} tok_kind;

typedef struct token {
    tok_kind kind;
    loc loc;
    const char *text; /* identifiers, strings, pragmas (NUL-terminated) */
    size_t len;       /* length of text */
    uint64_t ival;    /* integer and character literals, file indices */
    double fval;      /* floating literals */
} token;

/* The spelling of a token kind, for messages ("';'", "'struct'", "identifier"). */
const char *tok_name(tok_kind k);

/* ---- the token stream (lexer.c + preproc.c) ------------------------------------------ */

/* Search path for #include: the including file's directory (for "file"), then these in
 * order (both forms). */
void pp_add_include_dir(const char *dir);
/* Starts reading file index `main_file`. */
void lex_begin(uint32_t main_file);
/* The next token or event. At the end of the main file: TK_EOF, forever. */
token lex_next(void);
/* Files included directly by the main file (indices into the file table), in order. */
size_t pp_main_includes(const uint32_t **files);
/* Back to the initial state (between fuzz runs). */
void lex_reset(void);

/* Internal to the token stream: the lexer's state for one file, and the services the
 * directive processor (preproc.c) and the lexer (lexer.c) give each other. */
typedef struct lexer {
    uint32_t file;          /* index in the file table */
    const char *base;       /* the file's text */
    const char *p;          /* next character */
    const char *end;        /* one past the last character */
    uint32_t line;          /* line of p, 1-based */
    const char *line_start; /* first character of that line */
    bool bol;               /* only blanks and comments since the line began */
    size_t cond_base;       /* depth of the conditional stack when the file began */
} lexer;

/* The position of `at` (a pointer into lx's text). */
loc lex_loc(const lexer *lx, const char *at);
/* Steps over one character, counting lines. */
void lex_advance(lexer *lx);
/* Starts reading `file` (an #include): a TK_FILE_ENTER event is queued; at its end a
 * TK_FILE_LEAVE follows. False (with an error at `where`) when nesting is too deep. */
bool lex_push_file(uint32_t file, loc where);
/* Queues an event (a pragma) to be returned before the next token. */
void lex_queue_event(token t);
/* The include depth (0 in the main file). */
int lex_depth(void);

/* Runs the directive starting at the '#' at lx->p; returns with lx at the start of the
 * next line. */
void pp_directive(lexer *lx);
/* True while inside a false conditional group. */
bool pp_skipping(void);
/* Depth of the conditional stack (a file's groups must close in that file). */
size_t pp_cond_depth(void);
/* At the end of a file: complains about #if groups left open in it, and closes them. */
void pp_file_end(lexer *lx);
/* Forgets macros, conditionals, include directories and the main file's includes. */
void pp_reset(void);
/* Makes #include an error instead of reading files (the fuzz target). */
void pp_disable_includes(bool off);

#endif /* MIDL_H */
