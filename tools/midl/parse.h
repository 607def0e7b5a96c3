/* parse.h - the parser's state and the helpers parser.c and consteval.c share. */
#ifndef MIDL_PARSE_H
#define MIDL_PARSE_H

#include "ast.h"

typedef struct parser {
    token tok;      /* the current token */
    token *pending; /* events met since the last definition boundary */
    size_t npending, cappending;
    scope *scope;               /* the scope declarations go into */
    decl *owner;                /* its owner (NULL: global) */
    const char *prefix;         /* the #pragma prefix in force ("" for none) */
    const char **file_prefixes; /* saved at each #include, restored at its end */
    size_t nfile_prefixes;
    int depth;       /* recursion depth, bounded by MIDL_MAX_DEPTH */
    bool abort;      /* nesting too deep: the rest of the input is skipped */
    int in_template; /* inside sequence<...> or string<...>: '>>' closes, not shifts */
    decl **forwards; /* structs and unions declared forward, to check they get defined */
    size_t nforwards;
} parser;

/* Token handling. */
void p_advance(parser *p);
bool p_accept(parser *p, tok_kind k);
/* Reports "expected WHAT, found ..." and returns false unless the token is k (then it is
 * consumed). */
bool p_expect(parser *p, tok_kind k, const char *what);
void p_error_expected(parser *p, const char *what);
/* Recursion guard: false (reported once, and the rest of the input skipped) past
 * MIDL_MAX_DEPTH. Every p_enter that succeeded is matched by p_leave. */
bool p_enter(parser *p);
void p_leave(parser *p);
/* A scoped name ("A::B", "::A"); false (reported) when none is there. */
bool p_scoped_name(parser *p, scoped_name *out);

/* Runs the events (pragmas, include starts and ends) met since the last definition
 * boundary, in order (pragma.c). The parser calls it between declarations. */
void flush_events(parser *p);

/* Constant expressions (consteval.c). The expression is evaluated in the type of its use
 * (CORBA 3.0, 3.10.2): `target` is that type (typedefs followed). On success *out holds
 * a value of that type, range-checked; false (reported) otherwise. */
bool const_expr(parser *p, const type *target, cval *out, loc *at);
/* A positive integer constant (array sizes, bounds): 1 .. 2^32-1. */
bool positive_int(parser *p, uint32_t *out);

#endif
