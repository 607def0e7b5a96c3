/* diag.c - the source files midl has read and its diagnostics: "file:line:col: error:
 * message", then the source line and a caret under the column, as compilers print them,
 * so editors and people find the place at once. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "midl.h"

static src_file *src_files;
static uint32_t nfiles, capfiles;
static unsigned nerrors;
static FILE *stream;
static void (*fatal_fn)(void);

static FILE *out(void)
{
    return stream ? stream : stderr;
}

void diag_set_stream(FILE *f)
{
    stream = f;
}
void diag_set_fatal(void (*fn)(void))
{
    fatal_fn = fn;
}

void diag_fatal(void)
{
    if (fatal_fn)
        fatal_fn();
    exit(1);
}

static uint32_t add_file(src_file f)
{
    if (nfiles == capfiles) {
        capfiles = capfiles ? capfiles * 2 : 16;
        src_files = xrealloc(src_files, capfiles * sizeof *src_files);
    }
    src_files[nfiles] = f;
    return nfiles++;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

int src_read(const char *path, uint32_t *index, bool *again)
{
    char *real = realpath(path, NULL);
    if (!real)
        return -1;
    *again = false;
    for (uint32_t i = 0; i < nfiles; i++)
        if (src_files[i].realpath && strcmp(src_files[i].realpath, real) == 0) {
            free(real);
            *index = i;
            *again = true;
            return 0;
        }
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f) {
        free(real);
        return -1;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        free(real);
        errno = EISDIR;
        return -1;
    }
    if ((uintmax_t)st.st_size > MIDL_MAX_FILE) {
        fclose(f);
        free(real);
        errno = EFBIG;
        return -1;
    }
    /* Read until the end rather than trusting st_size: the file may change meanwhile. */
    strbuf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > MIDL_MAX_FILE) {
            fclose(f);
            free(real);
            sb_free(&b);
            errno = EFBIG;
            return -1;
        }
        sb_putn(&b, chunk, n);
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(real);
        sb_free(&b);
        errno = EIO;
        return -1;
    }
    src_file sf = {.path = xstrdup(path), .realpath = real, .dir = dir_of(path)};
    sf.len = b.len;
    sf.data = b.data ? b.data : xstrdup("");
    *index = add_file(sf);
    return 0;
}

uint32_t src_add_memory(const char *path, const char *data, size_t len)
{
    src_file sf = {.path = xstrdup(path), .dir = dir_of(path), .len = len};
    sf.data = xmalloc(len + 1);
    if (len)
        memcpy(sf.data, data, len);
    sf.data[len] = 0;
    return add_file(sf);
}

const src_file *src_get(uint32_t index)
{
    return index < nfiles ? &src_files[index] : NULL;
}
uint32_t src_count(void)
{
    return nfiles;
}

void src_reset(void)
{
    for (uint32_t i = 0; i < nfiles; i++) {
        xfree(src_files[i].path);
        free(src_files[i].realpath);
        xfree(src_files[i].dir);
        xfree(src_files[i].data);
    }
    xfree(src_files);
    src_files = NULL;
    nfiles = capfiles = 0;
    nerrors = 0;
}

unsigned error_count(void)
{
    return nerrors;
}

/* Shows the line holding l and a caret under its column. Long lines are shown as a
 * window around the column; control characters as '?', so a binary file cannot upset a
 * terminal. Tabs before the column are repeated in the caret line, so the caret lines up
 * whatever the tab width. */
static void show_line(loc l)
{
    const src_file *f = src_get(l.file);
    if (!f || l.off > f->len)
        return;
    const char *start = f->data + l.off, *end = f->data + l.off;
    while (start > f->data && start[-1] != '\n')
        start--;
    while (end < f->data + f->len && *end != '\n')
        end++;
    const char *at = f->data + l.off;
    enum { WINDOW = 160 };
    const char *from = start, *to = end;
    if (at - from > WINDOW / 2)
        from = at - WINDOW / 2;
    if (to - from > WINDOW)
        to = from + WINDOW;
    if (to > from && to[-1] == '\r')
        to--;
    strbuf text = {0}, caret = {0};
    sb_puts(&text, from > start ? "..." : "");
    sb_puts(&caret, from > start ? "   " : "");
    for (const char *p = from; p < to; p++) {
        unsigned char c = (unsigned char)*p;
        sb_putc(&text, c == '\t' || (c >= 0x20 && c != 0x7f) ? (char)c : '?');
        if (p < at)
            sb_putc(&caret, c == '\t' ? '\t' : ' ');
    }
    sb_putc(&caret, '^');
    fprintf(out(), "%s%s\n%s\n", sb_cstr(&text), to < end ? "..." : "", sb_cstr(&caret));
    sb_free(&text);
    sb_free(&caret);
}

static void report(loc l, const char *what, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void report(loc l, const char *what, const char *fmt, va_list ap)
{
    const src_file *f = src_get(l.file);
    fprintf(out(), "%s:%u:%u: %s: ", f ? f->path : "?", l.line, l.col, what);
    vfprintf(out(), fmt, ap);
    fputc('\n', out());
    show_line(l);
}

void error_at(loc l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(l, "error", fmt, ap);
    va_end(ap);
    if (++nerrors >= MIDL_MAX_ERRORS) {
        fprintf(out(), "midl: too many errors; stopping\n");
        diag_fatal();
    }
}

void warning_at(loc l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(l, "warning", fmt, ap);
    va_end(ap);
}

void note_at(loc l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(l, "note", fmt, ap);
    va_end(ap);
}

void error_plain(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(out(), "midl: error: ");
    vfprintf(out(), fmt, ap);
    fputc('\n', out());
    va_end(ap);
    nerrors++;
}
