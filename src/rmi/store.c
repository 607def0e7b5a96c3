/*
 * store.c - the naming context's bindings on disk (midway names --store FILE).
 *
 * The file is text, so that people can read it and diff it:
 *
 *     midway-names<TAB>1
 *     Hello<TAB>mwref:127.0.0.1:40000/1732190000123/100/HelloApp::Hello
 *     end<TAB>1
 *
 * one binding per line (name, tab, the reference's printable form), sorted by name, and a
 * last line with the count. Names hold no control characters, references no whitespace,
 * so nothing needs escaping. The "end" line tells a complete file from a cut one: with
 * the atomic replacement below a cut file cannot come from us, but a copy or a full disk
 * elsewhere could make one, and loading half of the bindings silently would be worse
 * than refusing to start.
 *
 * Every change rewrites the whole file (naming contexts are small and change rarely):
 * write path.tmp, fsync it, rename it over path, fsync the directory. rename is atomic,
 * so a process killed at any moment leaves the old file or the new one; the fsyncs make
 * the same true of a machine that loses power, and make a change durable before the
 * client hears that it succeeded. File access goes through libuv's synchronous calls,
 * the library's portable way to the file system.
 */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "rmi/rmi_impl.h"

/* The largest store read: bounded as every input is (10,000 bindings of 512-byte names
 * and long IPv6 references stay far below it). */
#define MAX_STORE_BYTES (32u << 20)

#define MAGIC_LINE "midway-names\t1"

bool mwi_naming_valid_name(const char *s, size_t n)
{
    if (!s || n == 0 || n > MWI_NAMING_MAX_NAME)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return mw_utf8_validate(s, n, NULL) == 0;
}

void mwi_bindings_free(mwi_binding *b, size_t n)
{
    for (size_t i = 0; b && i < n; i++) {
        free(b[i].name);
        free(b[i].ref.interface);
    }
    free(b);
}

/* libuv's synchronous calls return -errno on Unix. */
static int uv_code(int rc)
{
    return rc < 0 ? mw_error_from_errno(-rc) : 0;
}

/* ---- reading ---------------------------------------------------------------------- */

static int corrupt(const char *path, size_t line, const char *what)
{
    mwi_log(MW_LOG_ERROR, "rmi", "naming store %s, line %zu: %s", path, line, what);
    return MW_EPROTO;
}

/* Reads the whole file into b (at most MAX_STORE_BYTES). */
static int read_file(const char *path, mw_buf *b)
{
    uv_fs_t r;
    int fd = uv_fs_open(NULL, &r, path, UV_FS_O_RDONLY, 0, NULL);
    uv_fs_req_cleanup(&r);
    if (fd < 0)
        return uv_code(fd);
    int rc = 0;
    for (;;) {
        uint8_t *at;
        size_t chunk = 64 * 1024;
        if (b->len + chunk > (size_t)MAX_STORE_BYTES + 1)
            chunk = (size_t)MAX_STORE_BYTES + 1 - b->len;
        if (chunk == 0) {
            mwi_log(MW_LOG_ERROR, "rmi", "naming store %s: larger than %u bytes", path,
                    MAX_STORE_BYTES);
            rc = MW_ELIMIT;
            break;
        }
        if ((rc = mw_buf_extend(b, chunk, &at)) != 0)
            break;
        uv_buf_t ub = uv_buf_init((char *)at, (unsigned)chunk);
        int got = uv_fs_read(NULL, &r, fd, &ub, 1, -1, NULL);
        uv_fs_req_cleanup(&r);
        if (got < 0) {
            rc = uv_code(got);
            break;
        }
        b->len -= chunk - (size_t)got;
        if (got == 0)
            break;
    }
    (void)uv_fs_close(NULL, &r, fd, NULL);
    uv_fs_req_cleanup(&r);
    return rc;
}

/* Parses one "name<TAB>reference" line into *out (malloc'd copies). */
static int parse_binding(const char *path, size_t lineno, const char *s, size_t n,
                         mwi_binding *out, mw_arena *scratch)
{
    const char *tab = memchr(s, '\t', n);
    if (!tab)
        return corrupt(path, lineno, "no tab between name and reference");
    size_t nl = (size_t)(tab - s);
    if (!mwi_naming_valid_name(s, nl))
        return corrupt(path, lineno, "not a valid name");
    size_t rl = n - nl - 1;
    char *text = mw_arena_strndup(scratch, tab + 1, rl);
    if (!text)
        return MW_ENOMEM;
    mw_objref ref;
    size_t bad = 0;
    if (mw_objref_parse(&ref, text, scratch, &bad) != 0)
        return corrupt(path, lineno, "not a valid object reference");
    size_t il = strlen(ref.interface);
    out->name = malloc(nl + 1);
    out->ref = ref;
    out->ref.interface = malloc(il + 1);
    if (!out->name || !out->ref.interface) {
        free(out->name);
        free(out->ref.interface);
        out->name = out->ref.interface = NULL;
        return MW_ENOMEM;
    }
    memcpy(out->name, s, nl);
    out->name[nl] = 0;
    memcpy(out->ref.interface, ref.interface, il + 1);
    return 0;
}

/* Parses "end<TAB>count" and checks the count. */
static int parse_end(const char *path, size_t lineno, const char *s, size_t n, size_t count)
{
    if (n < 5 || memcmp(s, "end\t", 4) != 0)
        return corrupt(path, lineno, "expected a binding or the end line");
    size_t v = 0;
    for (size_t i = 4; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > MWI_NAMING_MAX_BINDINGS)
            return corrupt(path, lineno, "malformed count on the end line");
        v = v * 10 + (size_t)(s[i] - '0');
    }
    if (v != count)
        return corrupt(path, lineno, "the end line's count differs from the bindings read");
    return 0;
}

static int parse(const char *path, const char *d, size_t len, mwi_binding **out, size_t *nout)
{
    mw_arena *scratch;
    int rc = mw_arena_create(&scratch, 0);
    if (rc)
        return rc;
    mwi_binding *b = NULL;
    size_t n = 0, cap = 0, lineno = 0, pos = 0;
    bool ended = false;
    while (rc == 0 && pos < len) {
        const char *s = d + pos;
        const char *eol = memchr(s, '\n', len - pos);
        if (!eol) {
            rc = corrupt(path, lineno + 1, "the last line has no newline (cut short?)");
            break;
        }
        size_t sl = (size_t)(eol - s);
        pos += sl + 1;
        lineno++;
        if (ended) {
            rc = corrupt(path, lineno, "text after the end line");
        } else if (lineno == 1) {
            if (sl != strlen(MAGIC_LINE) || memcmp(s, MAGIC_LINE, sl) != 0)
                rc = corrupt(path, lineno, "not a Midway naming store (bad first line)");
        } else if (sl >= 4 && memcmp(s, "end\t", 4) == 0) {
            rc = parse_end(path, lineno, s, sl, n);
            ended = true;
        } else if (n == MWI_NAMING_MAX_BINDINGS) {
            rc = corrupt(path, lineno, "more bindings than a context may hold");
        } else {
            if (n == cap) {
                size_t ncap = cap ? 2 * cap : 16;
                mwi_binding *nb = realloc(b, ncap * sizeof *nb);
                if (!nb) {
                    rc = MW_ENOMEM;
                    break;
                }
                b = nb;
                cap = ncap;
            }
            rc = parse_binding(path, lineno, s, sl, &b[n], scratch);
            if (rc == 0) {
                n++;
                /* Sorted and unique, as we write them: lookups use binary search. */
                if (n > 1 && strcmp(b[n - 2].name, b[n - 1].name) >= 0)
                    rc = corrupt(path, lineno, "names out of order or repeated");
            }
        }
    }
    if (rc == 0 && !ended)
        rc = corrupt(path, lineno, lineno ? "no end line (cut short?)" : "empty file");
    mw_arena_destroy(scratch);
    if (rc) {
        mwi_bindings_free(b, n);
        return rc;
    }
    *out = b;
    *nout = n;
    return 0;
}

int mwi_store_load(const char *path, mwi_binding **out, size_t *n)
{
    if (!path || !out || !n)
        return MW_EINVAL;
    mw_buf b;
    mw_buf_init(&b);
    int rc = read_file(path, &b);
    if (rc == 0)
        rc = parse(path, (const char *)b.data, b.len, out, n);
    mw_buf_free(&b);
    return rc;
}

/* ---- writing ---------------------------------------------------------------------- */

static int write_all(uv_file fd, const uint8_t *d, size_t n)
{
    while (n) {
        uv_fs_t r;
        unsigned chunk = n > (1u << 30) ? 1u << 30 : (unsigned)n;
        uv_buf_t ub = uv_buf_init((char *)(uintptr_t)d, chunk);
        int w = uv_fs_write(NULL, &r, fd, &ub, 1, -1, NULL);
        uv_fs_req_cleanup(&r);
        if (w < 0)
            return uv_code(w);
        d += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fsync_fd(uv_file fd)
{
    uv_fs_t r;
    int rc = uv_fs_fsync(NULL, &r, fd, NULL);
    uv_fs_req_cleanup(&r);
    return uv_code(rc);
}

static void close_fd(uv_file fd)
{
    uv_fs_t r;
    (void)uv_fs_close(NULL, &r, fd, NULL);
    uv_fs_req_cleanup(&r);
}

/* Flushes the directory holding path, so that the rename itself survives a crash. */
static int fsync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    if (slash) {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        if (!(dir = malloc(n + 1)))
            return MW_ENOMEM;
        memcpy(dir, path, n);
        dir[n] = 0;
    }
    uv_fs_t r;
    int fd = uv_fs_open(NULL, &r, dir ? dir : ".", UV_FS_O_RDONLY | UV_FS_O_DIRECTORY, 0, NULL);
    uv_fs_req_cleanup(&r);
    free(dir);
    if (fd < 0)
        return uv_code(fd);
    int rc = fsync_fd(fd);
    close_fd(fd);
    return rc;
}

static int format(mw_buf *out, const mwi_binding *b, size_t n)
{
    int rc = mw_buf_append_str(out, MAGIC_LINE "\n");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = mw_buf_printf(out, "%s\t", b[i].name);
        if (rc == 0)
            rc = mw_objref_format(&b[i].ref, out);
        if (rc == 0)
            rc = mw_buf_put_u8(out, '\n');
    }
    return rc ? rc : mw_buf_printf(out, "end\t%zu\n", n);
}

int mwi_store_save(const char *path, const mwi_binding *b, size_t n)
{
    if (!path)
        return MW_EINVAL;
    mw_buf text, tmp;
    mw_buf_init(&text);
    mw_buf_init(&tmp);
    int rc = format(&text, b, n);
    if (rc == 0)
        rc = mw_buf_printf(&tmp, "%s.tmp", path);
    if (rc == 0)
        rc = mw_buf_put_u8(&tmp, 0);
    if (rc) {
        mw_buf_free(&text);
        mw_buf_free(&tmp);
        return rc;
    }
    const char *tmp_path = (const char *)tmp.data;
    uv_fs_t r;
    int fd = uv_fs_open(NULL, &r, tmp_path, UV_FS_O_WRONLY | UV_FS_O_CREAT | UV_FS_O_TRUNC,
                        0644, NULL);
    uv_fs_req_cleanup(&r);
    if (fd < 0) {
        rc = uv_code(fd);
    } else {
        rc = write_all(fd, text.data, text.len);
        if (rc == 0)
            rc = fsync_fd(fd);
        close_fd(fd);
        if (rc == 0) {
            rc = uv_code(uv_fs_rename(NULL, &r, tmp_path, path, NULL));
            uv_fs_req_cleanup(&r);
        }
        if (rc == 0)
            rc = fsync_dir(path);
        if (rc) {
            (void)uv_fs_unlink(NULL, &r, tmp_path, NULL);
            uv_fs_req_cleanup(&r);
        }
    }
    if (rc)
        mwi_log(MW_LOG_ERROR, "rmi", "naming store %s: cannot write: %s", path,
                mw_strerror(rc));
    mw_buf_free(&text);
    mw_buf_free(&tmp);
    return rc;
}
