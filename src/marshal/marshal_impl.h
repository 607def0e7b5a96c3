/*
 * marshal_impl.h - what the codecs share: reading and writing scalars by kind, union
 * case lookup, error reporting, and the allocation bound for hostile input.
 */
#ifndef MW_MARSHAL_IMPL_H
#define MW_MARSHAL_IMPL_H

#include <midway/marshal.h>

#include "base/mw_impl.h"

/* Decoders allocate at most this many bytes of arena per input byte, plus a constant:
 * a value's C form can be larger than its wire form (a 1-byte CDR boolean becomes a
 * bool, an empty string becomes a pointer and a NUL), never by more than this. */
#define MWI_ALLOC_FACTOR 16
#define MWI_ALLOC_SLACK 4096

/* True for the kinds a union discriminator may have. */
bool mwi_kind_is_discriminator(mw_kind k);
/* True for the integer, char, boolean, octet and floating kinds. */
bool mwi_kind_is_scalar(mw_kind k);

/* Reads the integer-like value at p of scalar type t (boolean, char, octet, integers,
 * enum) as int64_t; the unsigned 64-bit kind is returned as its bit pattern. */
int64_t mwi_load_int(const mw_type *t, const void *p);
/* Stores v into p for the same kinds. */
void mwi_store_int(const mw_type *t, void *p, int64_t v);

/* The case selected by a discriminator value: the matching label, else the default
 * case, else NULL (no member: the union holds only its discriminator). */
const mw_case *mwi_union_case(const mw_type *u, int64_t disc);
/* The enumerator with this value, or NULL. */
const mw_enumerator *mwi_enum_find(const mw_type *e, int32_t value);
/* The enumerator with this name, or NULL. */
const mw_enumerator *mwi_enum_find_name(const mw_type *e, const char *name, size_t len);

/*
 * The fewest bytes one element of t can take on the wire in a binary format where every
 * item is at least `unit` bytes (1 for CDR, 4 for XDR). Decoders use it to refuse a
 * sequence count that the remaining input cannot hold before allocating for it.
 */
size_t mwi_min_wire_size(const mw_type *t, size_t unit);

/* Fills err (if not NULL) and returns code. fmt gives err->detail. */
int mwi_marshal_fail(mw_marshal_error *err, int code, size_t offset, const char *path,
                     const char *fmt, ...) MW_PRINTF(5, 6);

/* The effective nesting limit of opts. */
static inline uint32_t mwi_max_depth(const mw_marshal_opts *o)
{
    return o && o->max_depth ? o->max_depth : MW_MARSHAL_MAX_DEPTH;
}

/* Bounds the arena for decoding len input bytes (MWI_ALLOC_FACTOR per byte plus
 * MWI_ALLOC_SLACK beyond what it holds, or the caller's tighter limit) and returns the
 * old limit, which the decoder puts back with mw_arena_set_limit when it is done. */
size_t mwi_arena_bound(mw_arena *a, size_t len);

#endif
