/* consteval.c - IDL constant expressions (CORBA 3.0, 3.10.2): | ^ & << >> + - * / % and
 * unary - + ~ over literals, parentheses and the names of other constants, evaluated in
 * the type of the constant (or bound, or case label) being defined. Integers are computed
 * in 128 bits and checked after every step, so no expression can overflow silently. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* What a context accepts. */
typedef enum ctx_kind { CX_INT, CX_FLOAT, CX_BOOL, CX_CHAR, CX_STRING, CX_ENUM } ctx_kind;

typedef struct ctx {
    ctx_kind kind;
    type_kind tk; /* the target kind (integer width for ~, float vs double) */
    decl *en;     /* CX_ENUM: the enum */
    bool failed;
    loc at; /* start of the expression */
} ctx;

static const i128 MIN_I = -((i128)1 << 63);
static const i128 MAX_U = ((i128)1 << 64) - 1;

static bool cv_expr(parser *p, ctx *c, cval *v);

static bool fail(ctx *c, loc l, const char *msg)
{
    if (!c->failed)
        error_at(l, "%s", msg);
    c->failed = true;
    return false;
}

static bool in_range(ctx *c, i128 v, loc l)
{
    if (v < MIN_I || v > MAX_U)
        return fail(c, l, "integer overflow in constant expression");
    return true;
}

static const char *ctx_name(const ctx *c)
{
    switch (c->kind) {
    case CX_INT:
        return "an integer";
    case CX_FLOAT:
        return "a floating-point value";
    case CX_BOOL:
        return "a boolean";
    case CX_CHAR:
        return "a character";
    case CX_STRING:
        return "a string";
    default:
        return "an enumerator";
    }
}

/* The value of a named constant or enumerator, in context c. */
static bool named_value(parser *p, ctx *c, cval *v)
{
    scoped_name n;
    loc l = p->tok.loc;
    if (!p_scoped_name(p, &n))
        return false;
    decl *d = resolve_name(p->scope, &n);
    if (!d) {
        c->failed = true;
        return false;
    }
    if (d->kind == DK_ENUMERATOR) {
        if (c->kind != CX_ENUM)
            return fail(c, l,
                        "an enumerator is not a number here (only an enum-typed "
                        "constant or case label can be one)");
        if (d->u.item.en != c->en) {
            error_at(l, "'%s' is not an enumerator of '%s'", d->scoped, c->en->scoped);
            c->failed = true;
            return false;
        }
        *v = (cval){.kind = CV_ENUM, .i = d->u.item.value, .item = d};
        return true;
    }
    if (d->kind != DK_CONST) {
        error_at(l, "'%s' is %s %s, not a constant", d->scoped,
                 d->kind == DK_INTERFACE || d->kind == DK_ENUM || d->kind == DK_EXCEPTION ||
                         d->kind == DK_OPERATION || d->kind == DK_ATTRIBUTE
                     ? "an"
                     : "a",
                 decl_kind_name(d->kind));
        c->failed = true;
        return false;
    }
    const cval *cv = &d->u.cn.v;
    bool ok = (c->kind == CX_INT && cv->kind == CV_INT) ||
              (c->kind == CX_FLOAT && (cv->kind == CV_INT || cv->kind == CV_FLOAT)) ||
              (c->kind == CX_BOOL && cv->kind == CV_BOOL) ||
              (c->kind == CX_CHAR && cv->kind == CV_CHAR) ||
              (c->kind == CX_STRING && cv->kind == CV_STRING) ||
              (c->kind == CX_ENUM && cv->kind == CV_ENUM && cv->item->u.item.en == c->en);
    if (!ok) {
        error_at(l, "constant '%s' does not give %s", d->scoped, ctx_name(c));
        c->failed = true;
        return false;
    }
    *v = *cv;
    if (c->kind == CX_FLOAT && cv->kind == CV_INT)
        *v = (cval){.kind = CV_FLOAT, .f = (double)cv->i};
    return true;
}

static bool primary(parser *p, ctx *c, cval *v)
{
    token t = p->tok;
    switch (t.kind) {
    case TK_INT:
        p_advance(p);
        if (c->kind == CX_FLOAT) {
            *v = (cval){.kind = CV_FLOAT, .f = (double)t.ival};
            return true;
        }
        if (c->kind != CX_INT)
            return fail(c, t.loc,
                        c->kind == CX_ENUM ? "expected an enumerator"
                                           : "an integer "
                                             "is not valid here");
        *v = (cval){.kind = CV_INT, .i = (i128)t.ival};
        return true;
    case TK_FLOAT:
        p_advance(p);
        if (c->kind != CX_FLOAT)
            return fail(c, t.loc, "a floating-point value is not valid here");
        *v = (cval){.kind = CV_FLOAT, .f = t.fval};
        return true;
    case TK_CHAR:
        p_advance(p);
        if (c->kind != CX_CHAR)
            return fail(c, t.loc, "a character is not valid here");
        *v = (cval){.kind = CV_CHAR, .i = (i128)t.ival};
        return true;
    case TK_TRUE:
    case TK_FALSE:
        p_advance(p);
        if (c->kind != CX_BOOL)
            return fail(c, t.loc, "TRUE and FALSE are only valid as booleans");
        *v = (cval){.kind = CV_BOOL, .i = t.kind == TK_TRUE};
        return true;
    case TK_STRING: {
        p_advance(p);
        if (c->kind != CX_STRING)
            return fail(c, t.loc, "a string is not valid here");
        /* Adjacent literals are one string, as in C. */
        strbuf b = {0};
        sb_putn(&b, t.text, t.len);
        while (p->tok.kind == TK_STRING) {
            sb_putn(&b, p->tok.text, p->tok.len);
            p_advance(p);
        }
        *v = (cval){.kind = CV_STRING, .s = b.data ? b.data : xstrdup(""), .slen = b.len};
        return true;
    }
    case TK_LPAREN: {
        p_advance(p);
        int saved = p->in_template;
        p->in_template = 0;
        bool ok = cv_expr(p, c, v);
        p->in_template = saved;
        if (ok && !p_expect(p, TK_RPAREN, "')'")) {
            c->failed = true;
            return false;
        }
        return ok;
    }
    case TK_IDENT:
    case TK_SCOPE:
        return named_value(p, c, v);
    default:
        p_error_expected(p, "a constant value");
        c->failed = true;
        return false;
    }
}

static bool unary(parser *p, ctx *c, cval *v)
{
    tok_kind op = p->tok.kind;
    loc l = p->tok.loc;
    if (op != TK_MINUS && op != TK_PLUS && op != TK_TILDE)
        return primary(p, c, v);
    p_advance(p);
    if (!p_enter(p))
        return c->failed = true, false;
    bool ok = unary(p, c, v);
    p_leave(p);
    if (!ok)
        return false;
    if (v->kind == CV_FLOAT) {
        if (op == TK_TILDE)
            return fail(c, l, "'~' needs an integer");
        if (op == TK_MINUS)
            v->f = -v->f;
        return true;
    }
    if (v->kind != CV_INT)
        return fail(c, l, "this operator needs a number");
    if (op == TK_MINUS) {
        v->i = -v->i;
    } else if (op == TK_TILDE) {
        /* The complement in the expression's type: (2^w - 1) - v unsigned, -(v + 1)
         * signed (CORBA 3.0, 3.10.2). */
        unsigned w = c->tk == TY_OCTET    ? 8
                     : c->tk == TY_USHORT ? 16
                     : c->tk == TY_ULONG  ? 32
                                          : 64;
        v->i = type_is_unsigned(c->tk) ? (((i128)1 << w) - 1) - v->i : -(v->i + 1);
    }
    return in_range(c, v->i, l);
}

/* Binary levels, lowest precedence first. */
static const tok_kind levels[][3] = {
    {TK_PIPE},        {TK_CARET},          {TK_AMP},
    {TK_SHL, TK_SHR}, {TK_PLUS, TK_MINUS}, {TK_STAR, TK_SLASH, TK_PERCENT},
};
#define NLEVELS ((int)(sizeof levels / sizeof *levels))

static bool apply(ctx *c, tok_kind op, cval *a, const cval *b, loc l)
{
    if (a->kind == CV_FLOAT || b->kind == CV_FLOAT) {
        double x = a->kind == CV_FLOAT ? a->f : (double)a->i;
        double y = b->kind == CV_FLOAT ? b->f : (double)b->i;
        switch (op) {
        case TK_PLUS:
            x += y;
            break;
        case TK_MINUS:
            x -= y;
            break;
        case TK_STAR:
            x *= y;
            break;
        case TK_SLASH:
            if (y == 0)
                return fail(c, l, "division by zero in constant expression");
            x /= y;
            break;
        default:
            return fail(c, l, "this operator needs integers");
        }
        if (!isfinite(x))
            return fail(c, l, "floating-point overflow in constant expression");
        *a = (cval){.kind = CV_FLOAT, .f = x};
        return true;
    }
    if (a->kind != CV_INT || b->kind != CV_INT)
        return fail(c, l, "operators apply only to numbers");
    i128 x = a->i, y = b->i;
    switch (op) {
    case TK_PLUS:
        x += y;
        break;
    case TK_MINUS:
        x -= y;
        break;
    case TK_STAR:
        /* Operands are below 2^64 in magnitude, but their product may not fit. */
        if (__builtin_mul_overflow(x, y, &x))
            return fail(c, l, "integer overflow in constant expression");
        break;
    case TK_SLASH:
    case TK_PERCENT:
        if (y == 0)
            return fail(c, l, "division by zero in constant expression");
        x = op == TK_SLASH ? x / y : x % y;
        break;
    case TK_SHL:
    case TK_SHR:
        if (y < 0 || y >= 64)
            return fail(c, l, "shift count must be 0 to 63");
        x = op == TK_SHL ? x * ((i128)1 << (int)y) : x >> (int)y;
        break;
    case TK_PIPE:
        x |= y;
        break;
    case TK_CARET:
        x ^= y;
        break;
    case TK_AMP:
        x &= y;
        break;
    default:
        break;
    }
    a->i = x;
    return in_range(c, x, l);
}

static bool binary(parser *p, ctx *c, cval *v, int level)
{
    if (level == NLEVELS)
        return unary(p, c, v);
    if (!binary(p, c, v, level + 1))
        return false;
    for (;;) {
        tok_kind op = p->tok.kind;
        bool match = false;
        for (int k = 0; k < 3 && levels[level][k]; k++)
            match |= levels[level][k] == op;
        if (!match || (op == TK_SHR && p->in_template))
            return true;
        loc l = p->tok.loc;
        p_advance(p);
        cval r;
        if (!binary(p, c, &r, level + 1))
            return false;
        if (c->kind != CX_INT && c->kind != CX_FLOAT)
            return fail(c, l, "operators apply only to integer and floating-point constants");
        if (!apply(c, op, v, &r, l))
            return false;
    }
}

static bool cv_expr(parser *p, ctx *c, cval *v)
{
    if (!p_enter(p)) {
        c->failed = true;
        return false;
    }
    bool ok = binary(p, c, v, 0);
    p_leave(p);
    return ok && !c->failed;
}

/* Range of each integer kind. */
static bool int_range(type_kind k, i128 *lo, i128 *hi)
{
    switch (k) {
    case TY_OCTET:
        *lo = 0, *hi = 255;
        return true;
    case TY_SHORT:
        *lo = -32768, *hi = 32767;
        return true;
    case TY_USHORT:
        *lo = 0, *hi = 65535;
        return true;
    case TY_LONG:
        *lo = INT32_MIN, *hi = INT32_MAX;
        return true;
    case TY_ULONG:
        *lo = 0, *hi = UINT32_MAX;
        return true;
    case TY_LONGLONG:
        *lo = MIN_I, *hi = INT64_MAX;
        return true;
    case TY_ULONGLONG:
        *lo = 0, *hi = MAX_U;
        return true;
    default:
        return false;
    }
}

static char *i128_str(i128 v)
{
    char buf[48], *e = buf + sizeof buf - 1;
    *e = 0;
    bool neg = v < 0;
    u128 u = neg ? (u128)(-(v + 1)) + 1 : (u128)v;
    do {
        *--e = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (neg)
        *--e = '-';
    return xstrdup(e);
}

bool const_expr(parser *p, const type *target, cval *out, loc *at)
{
    const type *t = type_unalias(target);
    ctx c = {.at = p->tok.loc};
    if (at)
        *at = p->tok.loc;
    if (t->kind == TY_NAMED && t->decl->kind == DK_ENUM) {
        c.kind = CX_ENUM;
        c.en = t->decl;
    } else if (type_is_integer(t->kind)) {
        c.kind = CX_INT;
    } else if (t->kind == TY_FLOAT || t->kind == TY_DOUBLE) {
        c.kind = CX_FLOAT;
    } else if (t->kind == TY_BOOLEAN) {
        c.kind = CX_BOOL;
    } else if (t->kind == TY_CHAR) {
        c.kind = CX_CHAR;
    } else if (t->kind == TY_STRING) {
        c.kind = CX_STRING;
    } else {
        char *s = type_describe(target);
        error_at(p->tok.loc, "a constant cannot have the type %s", s);
        xfree(s);
        return false;
    }
    c.tk = t->kind;
    if (!cv_expr(p, &c, out))
        return false;
    if (c.kind == CX_INT) {
        i128 lo = 0, hi = 0; /* int_range sets both for every integer kind */
        int_range(t->kind, &lo, &hi);
        if (out->i < lo || out->i > hi) {
            char *v = i128_str(out->i), *s = type_describe(target);
            error_at(c.at, "the value %s is out of range for %s", v, s);
            xfree(v);
            xfree(s);
            return false;
        }
    } else if (c.kind == CX_FLOAT && t->kind == TY_FLOAT &&
               fabs(out->f) > 3.4028234663852886e38) {
        error_at(c.at, "the value is out of range for float");
        return false;
    } else if (c.kind == CX_STRING && t->bound && out->slen > t->bound) {
        error_at(c.at, "the string has %zu bytes; its type allows %u", out->slen, t->bound);
        return false;
    }
    return true;
}

bool positive_int(parser *p, uint32_t *out)
{
    cval v;
    loc at;
    if (!const_expr(p, type_basic(TY_ULONG), &v, &at))
        return false;
    if (v.i == 0) {
        error_at(at, "a size or bound must be positive");
        return false;
    }
    *out = (uint32_t)v.i;
    return true;
}
