/*
 * marshal_suite.h - one conformance suite for every codec, and random values of any
 * described type.
 *
 * test_marshal_suite runs the suite over every codec in mw_codec_list() and every
 * built-in type, so a new codec is covered as soon as it is registered: nothing to add
 * here. A codec that refuses a type with MW_ENOTSUP is skipped for that type, with the
 * reason printed.
 */
#ifndef MW_MARSHAL_SUITE_H
#define MW_MARSHAL_SUITE_H

#include <midway/marshal.h>

/* Generation flags. */
#define SUITE_FINITE 0x1 /* no NaN or infinity in float and double */

/*
 * Writes a random value of type t into dst (t->size bytes), allocating what it points to
 * in arena. Strings are valid UTF-8 (ASCII, 2-, 3- and 4-byte characters) without NUL,
 * sequences respect their bounds, unions pick any case (default included), anys hold a
 * basic value, a sequence<long> or a Person. depth limits nesting of optional values
 * and sequences of structs.
 */
void suite_random_value(const mw_type *t, void *dst, mw_rng *rng, mw_arena *arena,
                        unsigned flags);

/* The checks, asserting with cmocka. Each returns false (and prints why) when the codec
 * does not support the type. */
bool suite_check_roundtrip(const mw_codec *c, const mw_type *t, unsigned count,
                           uint64_t seed);
bool suite_check_truncation(const mw_codec *c, const mw_type *t, unsigned count,
                            uint64_t seed);
bool suite_check_garbage(const mw_codec *c, const mw_type *t, unsigned count, uint64_t seed);

#endif
