/* value.c - deep comparison of values described by a type. */
#include <string.h>

#include "marshal_impl.h"

static bool equal(const mw_type *t, const void *a, const void *b, int depth);

static bool str_equal(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool equal(const mw_type *t, const void *a, const void *b, int depth)
{
    t = mw_type_resolve(t);
    if (!t || depth > MW_MARSHAL_MAX_DEPTH)
        return false;
    switch (t->kind) {
    case MW_K_VOID:
        return true;
    case MW_K_FLOAT: case MW_K_DOUBLE:
        /* Bitwise, so NaN payloads and -0.0 survive round trips exactly. */
        return memcmp(a, b, t->size) == 0;
    case MW_K_BOOLEAN:
        return *(const bool *)a == *(const bool *)b;
    case MW_K_STRING:
        return str_equal(*(char *const *)a, *(char *const *)b);
    case MW_K_STRUCT:
        for (uint32_t i = 0; i < t->u.st.count; i++) {
            const mw_field *f = &t->u.st.fields[i];
            if (!equal(f->type, (const char *)a + f->offset, (const char *)b + f->offset,
                       depth + 1))
                return false;
        }
        return true;
    case MW_K_SEQUENCE: {
        const mw_seq *x = a, *y = b;
        if (x->len != y->len)
            return false;
        size_t es = t->u.seq.elem->size;
        for (uint32_t i = 0; i < x->len; i++)
            if (!equal(t->u.seq.elem, (const char *)x->data + i * es,
                       (const char *)y->data + i * es, depth + 1))
                return false;
        return true;
    }
    case MW_K_ARRAY: {
        size_t es = t->u.arr.elem->size;
        for (uint32_t i = 0; i < t->u.arr.count; i++)
            if (!equal(t->u.arr.elem, (const char *)a + i * es, (const char *)b + i * es,
                       depth + 1))
                return false;
        return true;
    }
    case MW_K_UNION: {
        int64_t da = mwi_load_int(t->u.un.disc, a), db = mwi_load_int(t->u.un.disc, b);
        if (da != db)
            return false;
        const mw_case *c = mwi_union_case(t, da);
        if (!c || !c->type)
            return true;
        uint32_t off = t->u.un.value_offset;
        return equal(c->type, (const char *)a + off, (const char *)b + off, depth + 1);
    }
    case MW_K_OPTIONAL: {
        const void *x = *(void *const *)a, *y = *(void *const *)b;
        if (!x || !y)
            return x == y;
        return equal(t->u.alias.target, x, y, depth + 1);
    }
    case MW_K_ANY: {
        const mw_any *x = a, *y = b;
        const mw_type *tx = mw_type_resolve(x->type), *ty = mw_type_resolve(y->type);
        bool ex = !tx || tx->kind == MW_K_VOID, ey = !ty || ty->kind == MW_K_VOID;
        if (ex || ey)
            return ex == ey;
        /* Types built from TypeCodes are new descriptors: compare by shape and value. */
        if (tx->kind != ty->kind || tx->size != ty->size)
            return false;
        return equal(tx, x->value, y->value, depth + 1);
    }
    case MW_K_OBJREF:
        return mw_objref_equal(a, b);
    default:
        return mwi_load_int(t, a) == mwi_load_int(t, b);
    }
}

bool mw_value_equal(const mw_type *t, const void *a, const void *b)
{
    return equal(t, a, b, 0);
}
