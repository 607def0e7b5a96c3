/*
 * ast.h - what the parser builds and the generators read: declarations, types, constant
 * values and scopes, all resolved and checked by the time parsing ends.
 *
 * Every declaration the parser completes is appended to the program's list in source
 * order (nested types before the struct or interface holding them), so a generator that
 * walks the list meets every type before its first use, as C needs.
 */
#ifndef MIDL_AST_H
#define MIDL_AST_H

#include "midl.h"

typedef struct decl decl;
typedef struct type type;
typedef struct scope scope;

/* Wide enough for every intermediate value of an IDL integer expression (operands fit
 * in [-2^63, 2^64)), so overflow is checked after each step, never undefined. */
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

/* ---- types -------------------------------------------------------------------------- */

typedef enum type_kind {
    TY_VOID,
    TY_BOOLEAN,
    TY_OCTET,
    TY_CHAR,
    TY_SHORT,
    TY_USHORT,
    TY_LONG,
    TY_ULONG,
    TY_LONGLONG,
    TY_ULONGLONG,
    TY_FLOAT,
    TY_DOUBLE,
    TY_STRING, /* bound: most bytes (0: unbounded) */
    TY_ANY,
    TY_OBJECT,   /* CORBA::Object, and every interface type (decl set then) */
    TY_SEQUENCE, /* elem, bound (0: unbounded) */
    TY_ARRAY,    /* elem, bound: this dimension's count (> 0) */
    TY_NAMED,    /* decl: a struct, union, enum or typedef */
} type_kind;

struct type {
    type_kind kind;
    uint32_t bound;   /* see type_kind */
    type *elem;       /* TY_SEQUENCE, TY_ARRAY */
    decl *decl;       /* TY_NAMED; TY_OBJECT for an interface (NULL for Object) */
    const char *desc; /* generator: the C expression of its descriptor ("&mw_t_long") */
};

/* Forgets the shared basic types' generator data (between fuzz runs). */
void ast_reset(void);
/* The basic types are shared; the others are made per use. */
type *type_basic(type_kind k);
type *type_new(type_kind k);
/* Follows typedefs (arrays and sequences stay). */
const type *type_unalias(const type *t);
/* Integer kinds (octet included), for constants, bounds and discriminators. */
bool type_is_integer(type_kind k);
bool type_is_unsigned(type_kind k);
/* A discriminator type: an integer kind, char, boolean or an enum (through typedefs). */
bool type_is_discriminator(const type *t);
/* "unsigned long", "sequence<long, 3>", "HelloApp::Person": for messages. */
char *type_describe(const type *t);

/* ---- constant values ------------------------------------------------------------------ */

typedef enum cv_kind { CV_INT, CV_FLOAT, CV_BOOL, CV_CHAR, CV_STRING, CV_ENUM } cv_kind;

typedef struct cval {
    cv_kind kind;
    i128 i;        /* CV_INT, CV_BOOL (0/1), CV_CHAR (0..255), CV_ENUM (the item's value) */
    double f;      /* CV_FLOAT */
    const char *s; /* CV_STRING (no NUL inside) */
    size_t slen;
    decl *item; /* CV_ENUM: the enumerator */
} cval;

/* ---- declarations --------------------------------------------------------------------- */

typedef enum decl_kind {
    DK_MODULE,
    DK_INTERFACE,
    DK_STRUCT,
    DK_UNION,
    DK_ENUM,
    DK_ENUMERATOR,
    DK_TYPEDEF,
    DK_CONST,
    DK_EXCEPTION,
    DK_OPERATION, /* also the _get_/_set_ accessors made for attributes */
    DK_ATTRIBUTE,
} decl_kind;

/* A member of a struct or exception, a union's member, or a parameter. */
typedef struct member {
    const char *name;  /* as in the IDL */
    const char *cname; /* as in C (keywords escaped) */
    type *type;
    loc loc;
} member;

/* A union case: its labels (values in the discriminator's type) and member. */
typedef struct ucase {
    int64_t *labels;
    loc *label_locs;
    uint32_t nlabels;
    bool is_default; /* "default:" is one of its labels */
    member m;
} ucase;

typedef enum pdir { DIR_IN, DIR_OUT, DIR_INOUT } pdir;

typedef struct param {
    pdir dir;
    member m;
} param;

struct decl {
    decl_kind kind;
    const char *name;    /* identifier as declared ("sayHello", "_get_name") */
    const char *scoped;  /* "HelloApp::Hello" */
    const char *cname;   /* "HelloApp_Hello" */
    const char *repo_id; /* "IDL:HelloApp/Hello:1.0" */
    loc loc;
    decl *parent;   /* the enclosing module, interface, struct, union or exception */
    scope *scope;   /* modules, interfaces, structs, unions, exceptions */
    bool main_file; /* declared in the file being compiled (else in an included one) */
    bool defined;   /* interfaces, structs, unions: the body was seen (not only forward) */
    bool invalid;   /* a redefinition: parsed for its errors, never used or generated */
    bool forwarded; /* structs, unions: declared forward before the definition */
    uint32_t mark;  /* interfaces: visited in the current walk of a base graph */
    union {
        struct {
            member *v;
            uint32_t n;
        } st; /* DK_STRUCT, DK_EXCEPTION */
        struct {
            type *disc;
            ucase *v;
            uint32_t n;
        } un; /* DK_UNION */
        struct {
            decl **v;
            uint32_t n;
        } en; /* DK_ENUM: the enumerators */
        struct {
            decl *en;
            uint32_t value;
        } item; /* DK_ENUMERATOR */
        struct {
            type *type;
        } td; /* DK_TYPEDEF */
        struct {
            type *type;
            cval v;
        } cn; /* DK_CONST */
        struct {
            decl **bases; /* direct bases, in order */
            uint32_t nbases;
            decl **ops; /* own operations (attribute accessors included), in order */
            uint32_t nops;
            decl **all; /* every operation: inherited ones (bases depth-first, left to
                           right, each base once) then its own */
            uint32_t nall;
        } itf; /* DK_INTERFACE */
        struct {
            type *ret; /* TY_VOID for none */
            param *v;
            uint32_t n;
            bool oneway;
            decl **raises; /* exceptions */
            uint32_t nraises;
            uint32_t id; /* operation id: FNV-1a of name (as mw_rr_interface_hash) */
            decl *itf;   /* the interface declaring it */
        } op;            /* DK_OPERATION */
        struct {
            type *type;
            bool readonly;
        } attr; /* DK_ATTRIBUTE */
    } u;
};

decl *decl_new(decl_kind k, const char *name, loc l);
const char *decl_kind_name(decl_kind k); /* "struct", "interface", ... */

/* ---- the program ---------------------------------------------------------------------- */

/* One entry of the program: a completed declaration, or the forward declaration of a
 * struct or union (which C needs as a forward typedef, for recursive types). */
typedef struct prog_item {
    decl *d;
    bool forward;   /* a forward declaration (d is completed later, or never) */
    bool main_file; /* this entry comes from the file being compiled */
} prog_item;

typedef struct program {
    prog_item *v; /* in source order; modules, enumerators, operations and attributes
                     are not entries */
    size_t n, cap;
} program;

extern program prog;
void prog_append(decl *d, bool forward, bool main_file);

/* Operations: whether they have in (or inout) arguments, and out (or inout) arguments or
 * a result; the generated argument structs exist only then. */
bool op_has_in(const decl *op);
bool op_has_out(const decl *op);
/* 32-bit FNV-1a of a name: operation ids (the same function as mw_rr_interface_hash). */
uint32_t fnv1a(const char *s);

/* ---- scopes and names (resolve.c) ----------------------------------------------------- */

scope *scope_global(void);
scope *scope_new(decl *owner, scope *parent);
scope *scope_parent(const scope *s);
decl *scope_owner(const scope *s);
/* The declaration named `name` in s itself (case-insensitively), or NULL. */
decl *scope_find_local(const scope *s, const char *name);
/* Adds d to s. A name that differs from an existing one only in case is an error
 * (reported; false). */
bool scope_declare(scope *s, decl *d);
/* A name as written: "A::B::C" (parts), with a leading "::" (absolute). */
typedef struct scoped_name {
    const char **parts;
    uint32_t n;
    bool absolute;
    loc loc;
} scoped_name;
/* The operation or attribute `name` that the interface owning s inherits, or NULL. */
decl *scope_find_inherited(const scope *s, const char *name);
/* Resolves a name used in s by CORBA's rules: the first part is searched in s, its base
 * interfaces, then the enclosing scopes outward (from the global scope if absolute); each
 * further part inside the previous one. Reports "not declared", spelling that differs
 * only in case, and ambiguity between base interfaces; NULL then. */
decl *resolve_name(scope *s, const scoped_name *name);
char *scoped_name_str(const scoped_name *name);

/* C identifiers: `name` escaped if it is a C or C++ keyword or a name the generated code
 * uses ("int" -> "idl_int"). */
const char *c_ident(const char *name);
/* Records a C identifier the generated code will define at file scope; a second
 * definition of the same identifier is an error at l. */
void cname_register(const char *cname, loc l, const char *what);

/* Forgets scopes, names and the program (between fuzz runs). */
void resolve_reset(void);

/* ---- the parser (parser.c) and constant expressions (parser.c) ------------------------ */

/* Parses the token stream into prog. Errors are reported; the caller checks
 * error_count(). */
void parse_program(void);

/* ---- generators (gen_*.c) -------------------------------------------------------------- */

typedef struct gen_opts {
    const char *base;     /* the main file's name without directory and ".idl": "Hello" */
    const char *idl_name; /* the main file's name as shown in comments: "Hello.idl" */
} gen_opts;

/* Each appends one file's text to out. They may report errors (C names that collide);
 * the caller writes nothing then. */
void gen_header(const gen_opts *o, strbuf *out);
void gen_types(const gen_opts *o, strbuf *out);
void gen_client(const gen_opts *o, strbuf *out);
void gen_server(const gen_opts *o, strbuf *out);

#endif /* MIDL_AST_H */
