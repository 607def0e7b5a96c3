/* main.c - the midl command: midl [-o DIR] [-I DIR]... [--depfile FILE] FILE.idl
 * reads FILE.idl (and what it includes) and writes FILE.h, FILE_types.c, FILE_client.c and
 * FILE_server.c into DIR. Nothing is written when there is an error; the exit status is 1
 * then, 2 for a usage error, 0 on success. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ast.h"

#ifndef PROJECT_VERSION
#define PROJECT_VERSION "dev"
#endif

/* midl is a short-lived process that leaves freeing its memory to the exit, as compilers
 * do; under AddressSanitizer, do not report that as leaks (the fuzz target, which runs
 * many inputs in one process, frees between runs instead). */
#if defined(__SANITIZE_ADDRESS__)
#define MIDL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MIDL_ASAN 1
#endif
#endif
#ifdef MIDL_ASAN
const char *__asan_default_options(void) __attribute__((visibility("default"), used));
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}
#endif

static void usage(FILE *f)
{
    fprintf(f, "usage: midl [-o DIR] [-I DIR]... [--depfile FILE] FILE.idl\n"
               "\n"
               "Compiles CORBA IDL into C for Midway: FILE.h (types, constants, descriptors,\n"
               "servant structs, proxy prototypes), FILE_types.c (mw_type descriptors and\n"
               "operation tables), FILE_client.c (proxies) and FILE_server.c (skeletons).\n"
               "\n"
               "  -o DIR           write the files into DIR (default: the current directory)\n"
               "  -I DIR           search DIR for #include files (after the including file's\n"
               "                   directory for \"file\", before it for <file>); repeatable\n"
               "  --depfile FILE   also write a Makefile rule listing every file read\n"
               "  -h, --help       this text\n"
               "  --version        the version\n"
               "\n"
               "Diagnostics are file:line:col: error: message. Exit status: 0 success,\n"
               "1 errors in the input (nothing written), 2 bad usage.\n");
}

/* mkdir -p */
static bool make_dirs(const char *dir)
{
    char *p = xstrdup(dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            xfree(p);
            return false;
        }
        *s = '/';
    }
    bool ok = mkdir(p, 0777) == 0 || errno == EEXIST;
    xfree(p);
    return ok;
}

/* Writes through a temporary file and a rename, so a reader (or a build interrupted
 * halfway) never sees half a file. */
static bool write_file(const char *path, const strbuf *b)
{
    char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(b->data, 1, b->len, f) == b->len;
    if (f && fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        error_plain("cannot write %s: %s", path, strerror(errno));
        remove(tmp);
    }
    xfree(tmp);
    return ok;
}

/* A path in a Makefile rule: blanks, '#' and '$' escaped. */
static void dep_path(strbuf *b, const char *path)
{
    for (const char *s = path; *s; s++) {
        if (*s == ' ' || *s == '#' || *s == '\\')
            sb_putc(b, '\\');
        if (*s == '$')
            sb_putc(b, '$');
        sb_putc(b, *s);
    }
}

int main(int argc, char **argv)
{
    const char *out_dir = ".", *input = NULL, *depfile = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--version")) {
            printf("midl %s\n", PROJECT_VERSION);
            return 0;
        }
        if ((!strcmp(a, "-o") || !strcmp(a, "-I") || !strcmp(a, "--depfile")) &&
            i + 1 >= argc) {
            fprintf(stderr, "midl: %s needs an argument\n", a);
            return 2;
        }
        if (!strcmp(a, "-o"))
            out_dir = argv[++i];
        else if (!strcmp(a, "-I"))
            pp_add_include_dir(argv[++i]);
        else if (!strncmp(a, "-I", 2))
            pp_add_include_dir(a + 2);
        else if (!strcmp(a, "--depfile"))
            depfile = argv[++i];
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "midl: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (input) {
            fprintf(stderr, "midl: one IDL file at a time ('%s' and '%s')\n", input, a);
            return 2;
        } else {
            input = a;
        }
    }
    if (!input) {
        usage(stderr);
        return 2;
    }

    uint32_t main_file;
    bool again;
    if (src_read(input, &main_file, &again) != 0) {
        fprintf(stderr, "midl: error: cannot read %s: %s\n", input, strerror(errno));
        return 1;
    }
    lex_begin(main_file);
    parse_program();
    if (error_count())
        return 1;

    const char *name = strrchr(input, '/') ? strrchr(input, '/') + 1 : input;
    size_t len = strlen(name);
    if (len > 4 && !strcmp(name + len - 4, ".idl"))
        len -= 4;
    gen_opts o = {.base = xstrndup(name, len), .idl_name = name};
    strbuf files[4] = {{0}};
    const char *suffix[4] = {".h", "_types.c", "_client.c", "_server.c"};
    gen_header(&o, &files[0]);
    gen_types(&o, &files[1]);
    gen_client(&o, &files[2]);
    gen_server(&o, &files[3]);
    if (error_count())
        return 1;

    if (!make_dirs(out_dir)) {
        fprintf(stderr, "midl: error: cannot create %s: %s\n", out_dir, strerror(errno));
        return 1;
    }
    strbuf deps = {0};
    for (int i = 0; i < 4; i++) {
        char *path = xasprintf("%s/%s%s", out_dir, o.base, suffix[i]);
        if (!write_file(path, &files[i]))
            return 1;
        dep_path(&deps, path);
        sb_puts(&deps, i < 3 ? " " : ":");
        xfree(path);
    }
    if (depfile) {
        for (uint32_t i = 0; i < src_count(); i++) {
            sb_puts(&deps, " \\\n  ");
            const src_file *f = src_get(i);
            dep_path(&deps, f->realpath ? f->realpath : f->path);
        }
        sb_putc(&deps, '\n');
        if (!write_file(depfile, &deps))
            return 1;
    }
    return 0;
}
