/*
 * idl_types.h - IDL types at run time, for `midway encode/decode --idl FILE --type M::T`:
 * midl's front end (tools/midl, the midl_front library) reads the IDL file and what it
 * #includes, and idl_types.c builds an mw_type descriptor for every type it declares,
 * in an arena.
 *
 * THE LAYOUT is the C that midl generates for the same IDL (docs/midl.md, "The C
 * mapping"), computed by the C rules: each member at the next multiple of its alignment,
 * a struct's size rounded up to its largest member alignment, a union as
 * {discriminator _d; union {...} _u;}, arrays inline, sequences as mw_seq. So a value
 * decoded with a run-time descriptor is ordinary C data of the generated type, and the
 * descriptors equal the generated ones member for member: the same kinds, names, sizes,
 * alignments, offsets, bounds, labels, and the same sharing of anonymous descriptors
 * (equal anonymous types share one descriptor within the file whose declaration uses
 * them, as in FOO_types.c), which the Java codec's class handles can see
 * (tests/unit/test_idl_types.c checks all of it against the generated code).
 *
 * WHICH TYPES: every struct, union, enum, typedef and exception of the file and of the
 * files it includes (nested in modules, interfaces and structs too), by scoped name
 * ("Everything::Showcase::Inner"), and for each operation of each interface the
 * argument structs midl generates when they are not empty ("M::I::op_in": the in and
 * inout arguments; "M::I::op_out": the result, inout and out arguments). An exception
 * without members is, as generated, a named MW_K_VOID type.
 *
 * DIAGNOSTICS of the IDL are midl's own, printed to stderr exactly as midl prints them
 * ("file:line:col: error: ...", the line, a caret). midl's front end keeps global state:
 * one load at a time, from one thread; the state is reset after each load, so loads may
 * follow one another.
 */
#ifndef MIDWAY_IDL_TYPES_H
#define MIDWAY_IDL_TYPES_H

#include <stddef.h>

#include <midway/marshal.h>

/* The descriptors of one IDL file; it lives in the arena given to idl_types_load. */
typedef struct idl_types idl_types;

/*
 * Reads the IDL file `path` (its #includes searched in its directory and then in
 * include_dirs[0..ndirs), as midl -I does) and builds the descriptors in arena (names
 * copied: nothing refers to midl's memory afterwards). Returns 0 and *out; MW_EPROTO when
 * the IDL has errors (reported on stderr as midl reports them; warnings are reported
 * too but are not errors); MW_ERANGE when a type is too large for mw_type's 32-bit sizes
 * (reported as an error at its declaration); the mw_error_from_errno code when the file
 * cannot be read (errno set, nothing printed); MW_ENOMEM.
 */
int idl_types_load(const char *path, const char *const *include_dirs, size_t ndirs,
                   mw_arena *arena, idl_types **out);

/* The number of named types, and each one, in declaration order. */
size_t idl_types_count(const idl_types *t);
const mw_type *idl_types_at(const idl_types *t, size_t i);

/* The type whose scoped name is `name` ("M::T", or "::M::T"), or NULL. */
const mw_type *idl_types_find(const idl_types *t, const char *name);

/*
 * Names of types close to `name`, for "did you mean": the same name in another case or
 * scope, or a few letters off. Up to max of them, the closest first; returns how many.
 */
size_t idl_types_similar(const idl_types *t, const char *name, const char **out, size_t max);

#endif /* MIDWAY_IDL_TYPES_H */
