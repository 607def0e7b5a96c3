/*
 * midway/base.h - the ground every layer stands on: error codes, byte buffers and
 * bounds-checked readers, arenas, the monotonic clock, a logging hook, random numbers,
 * threads, and conversion between UTF-8 and Java's modified UTF-8.
 *
 * Conventions (docs/conventions.md): functions return 0 or a negative MW_E... code and
 * give results through out-parameters; the library never prints, exits or aborts.
 */
#ifndef MIDWAY_BASE_H
#define MIDWAY_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MW_API marks the exported symbols; everything else in libmidway is hidden. */
#if defined(__GNUC__)
#define MW_API __attribute__((visibility("default")))
#else
#define MW_API
#endif

/* printf-style format checking for our own variadic functions. */
#if defined(__GNUC__)
#define MW_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MW_PRINTF(fmt, args)
#endif

/* ------------------------------------------------------------------------------------ */
/* Errors                                                                               */
/* ------------------------------------------------------------------------------------ */

/*
 * The single list of error codes: X(NAME, value, message). It generates the enum,
 * mw_strerror() and mw_errname(). Values are stable: new codes are appended.
 */
#define MW_ERROR_LIST(X)                                                                  \
    X(OK, 0, "success")                                                                   \
    X(EINVAL, -1, "invalid argument")                                                     \
    X(ENOMEM, -2, "out of memory")                                                        \
    X(ETIMEDOUT, -3, "timed out")                                                         \
    X(EAGAIN, -4, "operation would block")                                                \
    X(EEOF, -5, "end of stream")                                                          \
    X(ETRUNCATED, -6, "input ended in the middle of a value")                             \
    X(EMSGSIZE, -7, "message too large")                                                  \
    X(EADDR, -8, "malformed address")                                                     \
    X(ERANGE, -9, "value out of range")                                                   \
    X(ENOTFOUND, -10, "host not found")                                                   \
    X(ECONNREFUSED, -11, "connection refused")                                            \
    X(ECONNRESET, -12, "connection reset by peer")                                        \
    X(EADDRINUSE, -13, "address already in use")                                          \
    X(EADDRNOTAVAIL, -14, "address not available")                                        \
    X(EUNREACH, -15, "network or host unreachable")                                       \
    X(ENOTMCAST, -16, "not a multicast group address")                                    \
    X(EUTF, -17, "invalid UTF-8 or modified UTF-8")                                       \
    X(EPROTO, -18, "protocol error: malformed message")                                   \
    X(EDEPTH, -19, "nesting too deep")                                                    \
    X(ELIMIT, -20, "configured limit exceeded")                                           \
    X(ECLOSED, -21, "handle closed")                                                      \
    X(ECANCELED, -22, "operation canceled")                                               \
    X(ENOTSUP, -23, "operation not supported")                                            \
    X(EPERM, -24, "permission denied")                                                    \
    X(ENOENT, -25, "no such entry")                                                       \
    X(EEXIST, -26, "entry already exists")                                                \
    X(ESTATE, -27, "operation not valid in this state")                                   \
    X(EIO, -28, "input/output error")                                                     \
    X(ESYS, -29, "unexpected system error")                                               \
    X(EUSEREXC, -30, "the remote operation raised a user exception")                     \
    X(ENOOBJECT, -31, "no such remote object")                                            \
    X(EBADOP, -32, "the remote object has no such operation")

#define MW__ERROR_ENUM(name, value, msg) MW_##name = (value),
/* Error codes: 0 is success, every error is negative. */
enum mw_error { MW_ERROR_LIST(MW__ERROR_ENUM) };
#undef MW__ERROR_ENUM

/* A human-readable message for an error code; never NULL, static storage. */
MW_API const char *mw_strerror(int err);
/* The code's name ("MW_ETIMEDOUT"); "MW_E?" for unknown codes. Static storage. */
MW_API const char *mw_errname(int err);
/* Maps a POSIX errno value to the closest MW_E... code (ESYS when none fits). */
MW_API int mw_error_from_errno(int errnum);

/* ------------------------------------------------------------------------------------ */
/* Growable byte buffers (writers)                                                      */
/* ------------------------------------------------------------------------------------ */

/*
 * A growable byte buffer. The fields are public and stable so codecs can write fast:
 * data[0..len) is the content, cap the allocated size. A zeroed struct is an empty
 * buffer. The buffer owns data; mw_buf_free releases it.
 */
typedef struct mw_buf {
    uint8_t *data; /* content; NULL while cap == 0 */
    size_t len;    /* bytes in use */
    size_t cap;    /* bytes allocated */
    size_t limit;  /* growth stops here with MW_ELIMIT; 0 means SIZE_MAX */
} mw_buf;

/* Sets b to empty without allocating. */
MW_API void mw_buf_init(mw_buf *b);
/* Frees the content and leaves b empty and reusable. */
MW_API void mw_buf_free(mw_buf *b);
/* Forgets the content (len = 0) but keeps the allocation. */
MW_API void mw_buf_reset(mw_buf *b);
/* Makes room for n more bytes. MW_ENOMEM, or MW_ELIMIT past b->limit. */
MW_API int mw_buf_reserve(mw_buf *b, size_t n);
/* Appends n zero bytes and returns through *out where they start (valid until the next
 * growth). */
MW_API int mw_buf_extend(mw_buf *b, size_t n, uint8_t **out);
/* Appends n bytes copied from p. */
MW_API int mw_buf_append(mw_buf *b, const void *p, size_t n);
/* Appends a NUL-terminated string without its NUL. */
MW_API int mw_buf_append_str(mw_buf *b, const char *s);
/* Appends formatted text (no NUL is kept in len). */
MW_API int mw_buf_printf(mw_buf *b, const char *fmt, ...) MW_PRINTF(2, 3);
/* Appends zero bytes until len is a multiple of align (a power of two), counting from
 * base: the offset in b where the aligned stream starts. */
MW_API int mw_buf_pad(mw_buf *b, size_t base, size_t align);

MW_API int mw_buf_put_u8(mw_buf *b, uint8_t v);
MW_API int mw_buf_put_u16be(mw_buf *b, uint16_t v);
MW_API int mw_buf_put_u16le(mw_buf *b, uint16_t v);
MW_API int mw_buf_put_u32be(mw_buf *b, uint32_t v);
MW_API int mw_buf_put_u32le(mw_buf *b, uint32_t v);
MW_API int mw_buf_put_u64be(mw_buf *b, uint64_t v);
MW_API int mw_buf_put_u64le(mw_buf *b, uint64_t v);

/* Hands the content to the caller (who frees it with free()) and leaves b empty. */
MW_API uint8_t *mw_buf_detach(mw_buf *b, size_t *len);

/* ------------------------------------------------------------------------------------ */
/* Bounds-checked readers                                                               */
/* ------------------------------------------------------------------------------------ */

/*
 * A reader over bytes it does not own. Every read checks what remains; on failure the
 * reader does not move and returns MW_ETRUNCATED, and off says where the problem is.
 */
typedef struct mw_reader {
    const uint8_t *data; /* the bytes, not owned */
    size_t len;          /* their count */
    size_t off;          /* the next byte to read */
} mw_reader;

MW_API void mw_reader_init(mw_reader *r, const void *data, size_t len);
/* Bytes left to read. */
MW_API size_t mw_reader_remaining(const mw_reader *r);
/* Zero-copy: *out points at the next n bytes inside the reader's data. */
MW_API int mw_read_bytes(mw_reader *r, size_t n, const uint8_t **out);
MW_API int mw_read_copy(mw_reader *r, void *dst, size_t n);
MW_API int mw_read_skip(mw_reader *r, size_t n);
/* Skips to the next multiple of align (a power of two) counting from base. */
MW_API int mw_read_align(mw_reader *r, size_t base, size_t align);

MW_API int mw_read_u8(mw_reader *r, uint8_t *v);
MW_API int mw_read_u16be(mw_reader *r, uint16_t *v);
MW_API int mw_read_u16le(mw_reader *r, uint16_t *v);
MW_API int mw_read_u32be(mw_reader *r, uint32_t *v);
MW_API int mw_read_u32le(mw_reader *r, uint32_t *v);
MW_API int mw_read_u64be(mw_reader *r, uint64_t *v);
MW_API int mw_read_u64le(mw_reader *r, uint64_t *v);

/* Unaligned loads and stores in a chosen byte order, for code that has checked bounds. */
static inline uint16_t mw_load_u16be(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t mw_load_u32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t mw_load_u64be(const uint8_t *p)
{
    return (uint64_t)mw_load_u32be(p) << 32 | mw_load_u32be(p + 4);
}
static inline void mw_store_u16be(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void mw_store_u32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void mw_store_u64be(uint8_t *p, uint64_t v)
{
    mw_store_u32be(p, (uint32_t)(v >> 32));
    mw_store_u32be(p + 4, (uint32_t)v);
}

/* ------------------------------------------------------------------------------------ */
/* Arenas                                                                               */
/* ------------------------------------------------------------------------------------ */

/*
 * An arena hands out memory that is freed all at once. Decoders put a decoded value in
 * an arena, so one mw_arena_destroy (or reset) frees the whole value. An arena can have a
 * limit: allocation past it fails, which bounds what hostile input can make us allocate.
 * Not thread-safe.
 */
typedef struct mw_arena mw_arena;

/* Creates an arena. limit: the most bytes it may hand out in all (0: no limit).
 * MW_ENOMEM. The caller owns *out and destroys it with mw_arena_destroy. */
MW_API int mw_arena_create(mw_arena **out, size_t limit);
/* Frees everything the arena handed out, and the arena. NULL is ignored. */
MW_API void mw_arena_destroy(mw_arena *a);
/* Frees everything the arena handed out; the arena stays usable. Keeps one block. */
MW_API void mw_arena_reset(mw_arena *a);
/* n bytes aligned to align (a power of two, at most 16; 0 means 16). NULL when out of
 * memory or past the limit. The memory is not zeroed. */
MW_API void *mw_arena_alloc(mw_arena *a, size_t n, size_t align);
/* Like mw_arena_alloc for count * size bytes, zeroed, with the product checked. */
MW_API void *mw_arena_calloc(mw_arena *a, size_t count, size_t size);
/* A NUL-terminated copy of s[0..n). NULL on failure. */
MW_API char *mw_arena_strndup(mw_arena *a, const char *s, size_t n);
/* Bytes handed out since creation or the last reset. */
MW_API size_t mw_arena_used(const mw_arena *a);
/* Changes the limit (0: none). */
MW_API void mw_arena_set_limit(mw_arena *a, size_t limit);
/* The current limit (0: none). */
MW_API size_t mw_arena_limit(const mw_arena *a);

/* ------------------------------------------------------------------------------------ */
/* Time                                                                                 */
/* ------------------------------------------------------------------------------------ */

/* Monotonic clock in nanoseconds since an arbitrary start; never goes back. */
MW_API uint64_t mw_now_ns(void);
/* The same in milliseconds. */
MW_API uint64_t mw_now_ms(void);
/* Wall-clock time in milliseconds since the Unix epoch (for creation times). */
MW_API uint64_t mw_wall_ms(void);
/* Sleeps for ms milliseconds, resuming after signals. For examples and tools; library
 * code waits on sockets or condition variables instead. */
MW_API void mw_sleep_ms(uint32_t ms);

/* A timeout argument: negative waits forever, 0 does not wait, positive waits that many
 * milliseconds at most. */
#define MW_FOREVER (-1)

/* ------------------------------------------------------------------------------------ */
/* Logging                                                                              */
/* ------------------------------------------------------------------------------------ */

typedef enum mw_log_level {
    MW_LOG_ERROR = 0, /* something failed that the caller cannot see through a return value */
    MW_LOG_WARN = 1,  /* something odd that was handled (a malformed datagram dropped) */
    MW_LOG_INFO = 2,  /* lifecycle events (a member joined) */
    MW_LOG_DEBUG = 3  /* per-message detail */
} mw_log_level;

/* A logger: called with the level, the subsystem ("net", "rr", ...) and the formatted
 * message (no trailing newline). It may be called from any thread. */
typedef void (*mw_log_fn)(void *ctx, mw_log_level level, const char *subsystem,
                          const char *message);

/* Installs fn (NULL: none, the default) for messages at max_level or more severe. The
 * library prints nothing unless a logger is installed. */
MW_API void mw_log_set(mw_log_fn fn, void *ctx, mw_log_level max_level);
/* A ready-made logger that writes "midway[subsystem] level: message" to stderr. */
MW_API void mw_log_stderr(void *ctx, mw_log_level level, const char *subsystem,
                          const char *message);

/* ------------------------------------------------------------------------------------ */
/* Random numbers                                                                       */
/* ------------------------------------------------------------------------------------ */

/* Fills p with n bytes from the operating system's secure generator. MW_ESYS on failure. */
MW_API int mw_random_bytes(void *p, size_t n);

/* A small, fast, seeded generator (xoshiro256**) for fault injection and tests:
 * the same seed gives the same sequence on every machine. Not for secrets. */
typedef struct mw_rng {
    uint64_t s[4]; /* state; set with mw_rng_seed */
} mw_rng;

MW_API void mw_rng_seed(mw_rng *r, uint64_t seed);
MW_API uint64_t mw_rng_next(mw_rng *r);
/* Uniform in [0, n); 0 when n == 0. */
MW_API uint64_t mw_rng_below(mw_rng *r, uint64_t n);
/* Uniform in [0, 1). */
MW_API double mw_rng_unit(mw_rng *r);

/* ------------------------------------------------------------------------------------ */
/* Threads                                                                              */
/* ------------------------------------------------------------------------------------ */

/* A joinable thread. The caller owns it and must join it exactly once. */
typedef struct mw_thread mw_thread;

/* Starts fn(arg) on a new thread. MW_ENOMEM or MW_ESYS; on error fn never runs. */
MW_API int mw_thread_start(mw_thread **out, void (*fn)(void *arg), void *arg);
/* Waits for the thread to end and frees it. */
MW_API void mw_thread_join(mw_thread *t);
/* Lets the thread run on its own; it frees itself when fn returns. */
MW_API void mw_thread_detach(mw_thread *t);

/* ------------------------------------------------------------------------------------ */
/* UTF-8 and Java's modified UTF-8                                                      */
/* ------------------------------------------------------------------------------------ */

/*
 * Java's modified UTF-8 (DataOutput.writeUTF, class-file constants, serialization) differs
 * from UTF-8 in two ways: U+0000 is written C0 80, and characters above U+FFFF are written
 * as two 3-byte encoded UTF-16 surrogates (6 bytes). These functions convert exactly.
 */

/* Checks that s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
 * MW_EUTF with *bad_off (if not NULL) at the first bad byte. */
MW_API int mw_utf8_validate(const char *s, size_t n, size_t *bad_off);

/* The modified UTF-8 length of UTF-8 s[0..n); MW_EUTF on invalid input. */
MW_API int mw_mutf8_length(const char *s, size_t n, size_t *out_len, size_t *bad_off);
/* Appends the modified UTF-8 form of UTF-8 s[0..n) to b. MW_EUTF on invalid input (with
 * *bad_off), MW_ENOMEM. Nothing is appended on error. */
MW_API int mw_mutf8_from_utf8(mw_buf *b, const char *s, size_t n, size_t *bad_off);
/* Appends the UTF-8 form of modified UTF-8 m[0..n) to b (no NUL is appended). Accepts
 * exactly what Java writes: MW_EUTF with *bad_off for a bare NUL byte, overlongs other
 * than C0 80, 4-byte forms, unpaired surrogates, truncated sequences. The UTF-8 is never
 * longer than the modified UTF-8. Nothing is appended on error. */
MW_API int mw_mutf8_to_utf8(mw_buf *b, const uint8_t *m, size_t n, size_t *bad_off);

#ifdef __cplusplus
}
#endif
#endif /* MIDWAY_BASE_H */
