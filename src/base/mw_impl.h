/*
 * mw_impl.h - the library's internal header; never installed.
 *
 * Naming rule: public symbols are mw_ (functions, types) and MW_ (macros), declared in
 * include/midway/. Internal symbols shared between files are mwi_ and declared in a
 * header beside their source. File-local helpers are static and carry no prefix.
 */
#ifndef MW_IMPL_H
#define MW_IMPL_H

#include <midway/base.h>

/* Logs through the installed logger, if any, when level is enabled. */
void mwi_log(mw_log_level level, const char *subsystem, const char *fmt, ...) MW_PRINTF(3, 4);
/* True when a logger would take a message at this level (to skip formatting work). */
bool mwi_log_enabled(mw_log_level level);

/* Overflow-checked size arithmetic: false when the result does not fit. */
static inline bool mwi_add_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}
static inline bool mwi_mul_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

#define MWI_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MWI_MAX(a, b) ((a) > (b) ? (a) : (b))
#define MWI_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
