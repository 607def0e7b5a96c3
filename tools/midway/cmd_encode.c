/*
 * cmd_encode.c - `midway encode` and `midway decode`: the marshalling layer from the shell,
 * in the manner of `protoc --encode/--decode`. A value travels as JSON on the human side
 * and in any of the five formats on the other:
 *
 *   echo '{"name":"Smith","place":"London","year":1934}' |
 *       midway encode --type Person --to cdr --hex        (Figure 4.8's bytes)
 *   midway encode --type Person --to xml | midway decode --type Person --from xml
 *   midway encode --type PersonRecord --xsd               (Figure 4.12)
 *   midway encode --idl Everything.idl -I inc --type Everything::Showcase --to xdr
 *
 * Both commands share one option table and one runner: the only differences are which
 * side the JSON is on and which option names the format (--to or --from). The type is a
 * built-in one, or with --idl any type of an IDL file, whose descriptor idl_types.c
 * builds at run time with midl's front end.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <midway/marshal.h>

#include "cli.h"
#include "idl_types.h"

/* The most input either command reads: far beyond any value one would type or pipe, yet
 * small enough that a mistaken `< /dev/zero` ends with a message instead of eating memory. */
#define ENC_MAX_INPUT ((size_t)256 << 20)
/* Bytes per line of --hex output (64 hex digits, like a wide `xxd -p`). */
#define ENC_HEX_LINE 32

/* Close names offered for a --type that is not in the IDL file, and names listed when
 * none is close. */
#define ENC_HINTS 4
#define ENC_LISTED 6

/* The formats the tool knows, whether or not this build has each codec. */
static const char *const format_names[] = {"cdr", "xdr", "json", "xml", "java", NULL};

typedef struct enc_args {
    bool decoding;         /* `decode`: format -> JSON; else JSON -> format */
    const char *type_name; /* --type */
    const mw_type *type;   /* what it names (once the IDL, if any, is read) */
    const char *idl;       /* --idl FILE */
    const char **idl_dirs; /* -I DIR..., in order */
    size_t idl_ndirs;
    mw_arena *idl_arena; /* the IDL file's descriptors */
    idl_types *idl_types;
    const char *format;   /* --to / --from */
    bool xsd;             /* --xsd: print the schema instead of encoding */
    bool hex;             /* --hex: binary output (encode) or input (decode) as hex */
    bool list_types;      /* --list-types */
    bool order_given;     /* --byte-order was given */
    bool done;            /* --help answered: nothing more to do */
    mw_marshal_opts opts; /* what the options set for the codec */
} enc_args;

/* ------------------------------------------------------------------------------------ */
/* Input and output                                                                     */
/* ------------------------------------------------------------------------------------ */

/* Reads all of standard input into b. */
static int read_stdin(mw_buf *b)
{
    b->limit = ENC_MAX_INPUT;
    for (;;) {
        int e = mw_buf_reserve(b, 65536);
        if (e == MW_ELIMIT) {
            cli_errorf("standard input: more than %zu MiB", ENC_MAX_INPUT >> 20);
            return CLI_EXIT_ERROR;
        }
        if (e)
            return cli_fail(e, "reading standard input");
        size_t n = fread(b->data + b->len, 1, b->cap - b->len, stdin);
        b->len += n;
        if (n == 0) {
            if (ferror(stdin))
                return cli_fail(mw_error_from_errno(errno), "reading standard input");
            return CLI_EXIT_OK;
        }
    }
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Turns hex text (whitespace anywhere, as `xxd -p` and --hex write it) into bytes, in
 * place: the bytes are never longer than the text. */
static int unhex(mw_buf *b)
{
    size_t out = 0, digits = 0;
    int high = 0;
    for (size_t i = 0; i < b->len; i++) {
        int c = b->data[i];
        if (isspace(c))
            continue;
        int d = hex_digit(c);
        if (d < 0) {
            cli_errorf("--hex: '%c' is not a hex digit at character %zu", isprint(c) ? c : '?',
                       i);
            return CLI_EXIT_ERROR;
        }
        if (digits++ % 2 == 0)
            high = d;
        else
            b->data[out++] = (uint8_t)(high << 4 | d);
    }
    if (digits % 2) {
        cli_errorf("--hex: odd number of hex digits (%zu)", digits);
        return CLI_EXIT_ERROR;
    }
    b->len = out;
    return CLI_EXIT_OK;
}

static int write_stdout(const void *p, size_t n)
{
    if ((n && fwrite(p, 1, n, stdout) != n) || fflush(stdout) != 0)
        return cli_fail(mw_error_from_errno(errno), "writing standard output");
    return CLI_EXIT_OK;
}

/* Writes the output: raw bytes, hex lines, or text ending with a newline. */
static int emit(const mw_buf *b, bool binary, bool hex)
{
    if (hex) {
        static const char digits[] = "0123456789abcdef";
        mw_buf text;
        mw_buf_init(&text);
        int e = 0;
        for (size_t i = 0; i < b->len && !e; i++) {
            char pair[3] = {digits[b->data[i] >> 4], digits[b->data[i] & 15], '\n'};
            bool eol = (i + 1) % ENC_HEX_LINE == 0 || i + 1 == b->len;
            e = mw_buf_append(&text, pair, eol ? 3 : 2);
        }
        int rc = e ? cli_fail(e, NULL) : write_stdout(text.data, text.len);
        mw_buf_free(&text);
        return rc;
    }
    int rc = write_stdout(b->data, b->len);
    if (rc == CLI_EXIT_OK && !binary && b->len && b->data[b->len - 1] != '\n')
        rc = write_stdout("\n", 1);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Messages                                                                             */
/* ------------------------------------------------------------------------------------ */

/*
 * Prints the one line a failed codec call deserves and returns CLI_EXIT_ERROR:
 * "midway: decode cdr: <why> at byte 12 (name)" for binary input, "... at $.year" or
 * "... at /person/year" for text. The context names the step that failed, which for
 * `encode` may be reading its JSON input.
 */
static int marshal_fail(const char *step, const char *format, bool binary, int rc,
                        const mw_marshal_error *err)
{
    char context[32];
    snprintf(context, sizeof context, "%s %s", step, format);
    cli_set_context(context);

    char where[200] = "";
    bool decoding = !strcmp(step, "decode");
    if (err->code == 0) {
        /* The codec failed before it could say where (out of memory, say). */
    } else if (binary && decoding) {
        if (err->path[0])
            snprintf(where, sizeof where, " at byte %zu (%s)", err->offset, err->path);
        else
            snprintf(where, sizeof where, " at byte %zu", err->offset);
    } else if (err->path[0]) {
        snprintf(where, sizeof where, " at %s", err->path);
    }
    /* The codec's detail is the sentence a user needs; the code's generic text is the
     * fallback when there is none. */
    const char *why = err->code != 0 && err->detail[0] ? err->detail : mw_strerror(rc);
    cli_errorf("%s%s", why, where);
    return CLI_EXIT_ERROR;
}

/* ------------------------------------------------------------------------------------ */
/* Options                                                                              */
/* ------------------------------------------------------------------------------------ */

enum {
    OPT_TYPE = 256,
    OPT_TO,
    OPT_FROM,
    OPT_BYTE_ORDER,
    OPT_JAVA_CLASS,
    OPT_JAVA_SUID,
    OPT_XML_NS,
    OPT_XML_PREFIX,
    OPT_PRETTY,
    OPT_HEX,
    OPT_XSD,
    OPT_VALIDATE,
    OPT_LIST_TYPES,
    OPT_IDL,
};

static int usage_list(const cli_verb *v, const char *what, const char *given,
                      const char *const *names)
{
    char list[256] = "";
    size_t n = 0;
    for (size_t i = 0; names[i]; i++)
        n += (size_t)snprintf(list + n, n < sizeof list ? sizeof list - n : 0, "%s%s",
                              i ? ", " : "", names[i]);
    return cli_usage_error(v, "unknown %s '%s' (expected one of %s)", what, given, list);
}

static int parse_int64(const char *opt, const char *text, int64_t *out)
{
    char *end;
    errno = 0;
    long long val = strtoll(text, &end, 10);
    if (!(isdigit((unsigned char)text[0]) || text[0] == '-') || *end != '\0') {
        cli_errorf("%s: '%s' is not a number", opt, text);
        return CLI_EXIT_USAGE;
    }
    if (errno == ERANGE) {
        cli_errorf("%s: %s is out of range for a 64-bit serialVersionUID", opt, text);
        return CLI_EXIT_USAGE;
    }
    *out = (int64_t)val;
    return CLI_EXIT_OK;
}

/* Options that mean something for one format only are refused elsewhere, so that a typo
 * (--to xdr --byte-order little) never passes silently. */
static int check_combination(const cli_verb *v, const enc_args *a, bool xml_opts,
                             bool java_opts)
{
    const char *fmt_opt = a->decoding ? "--from" : "--to";
    if (a->idl_ndirs && !a->idl)
        return cli_usage_error(v, "-I applies to --idl only");
    if (a->list_types)
        return CLI_EXIT_OK;
    if (!a->type_name)
        return cli_usage_error(v, "--type is required (see --list-types)");
    if (a->xsd) {
        if (a->format)
            return cli_usage_error(v, "--xsd prints the schema: no %s", fmt_opt);
        if (a->order_given || java_opts || a->hex)
            return cli_usage_error(v, "--xsd takes only --type, --xml-ns and --xml-prefix");
    } else {
        if (!a->format)
            return cli_usage_error(v, "%s FORMAT is required", fmt_opt);
        if (a->order_given && strcmp(a->format, "cdr") != 0)
            return cli_usage_error(v, "--byte-order applies to cdr only");
        if (java_opts && strcmp(a->format, "java") != 0)
            return cli_usage_error(v, "--java-class and --java-suid apply to java only");
        if (xml_opts && strcmp(a->format, "xml") != 0)
            return cli_usage_error(v, "--xml-ns and --xml-prefix apply to xml only");
        if (a->opts.xml_validate && strcmp(a->format, "xml") != 0)
            return cli_usage_error(v, "--validate applies to xml only");
    }
    if (a->opts.xml_prefix && !a->opts.xml_ns)
        return cli_usage_error(v, "--xml-prefix needs --xml-ns");
    return CLI_EXIT_OK;
}

static int parse_args(const cli_verb *v, int argc, char **argv, enc_args *a)
{
    static const struct option opts[] = {
        {"type", required_argument, NULL, OPT_TYPE},
        {"to", required_argument, NULL, OPT_TO},
        {"from", required_argument, NULL, OPT_FROM},
        {"byte-order", required_argument, NULL, OPT_BYTE_ORDER},
        {"java-class", required_argument, NULL, OPT_JAVA_CLASS},
        {"java-suid", required_argument, NULL, OPT_JAVA_SUID},
        {"xml-ns", required_argument, NULL, OPT_XML_NS},
        {"xml-prefix", required_argument, NULL, OPT_XML_PREFIX},
        {"pretty", no_argument, NULL, OPT_PRETTY},
        {"hex", no_argument, NULL, OPT_HEX},
        {"xsd", no_argument, NULL, OPT_XSD},
        {"validate", no_argument, NULL, OPT_VALIDATE},
        {"list-types", no_argument, NULL, OPT_LIST_TYPES},
        {"idl", required_argument, NULL, OPT_IDL},
        CLI_OPTION_HELP,
        {0, 0, 0, 0},
    };
    static const char *const orders[] = {"big", "little", "native", NULL};
    const char *const own_format_opt = a->decoding ? "--from" : "--to";
    bool xml_opts = false, java_opts = false;
    int c, rc = CLI_EXIT_OK;
    a->opts.byte_order = MW_ORDER_BIG; /* Figure 4.8, and GIOP's most common order */
    if (!(a->idl_dirs = calloc((size_t)argc, sizeof *a->idl_dirs)))
        return cli_fail(MW_ENOMEM, NULL);
    while ((c = cli_getopt_short(v, argc, argv, "I:", opts, &rc)) != -1) {
        switch (c) {
        case OPT_TYPE:
            a->type_name = optarg;
            break;
        case OPT_IDL:
            if (a->idl)
                return cli_usage_error(v, "one --idl file at a time ('%s' and '%s')", a->idl,
                                       optarg);
            a->idl = optarg;
            break;
        case 'I':
            a->idl_dirs[a->idl_ndirs++] = optarg;
            break;
        case OPT_TO:
        case OPT_FROM: {
            if ((c == OPT_FROM) != a->decoding)
                return cli_usage_error(v, "unknown option '%s' (use %s)",
                                       c == OPT_TO ? "--to" : "--from", own_format_opt);
            size_t i = 0;
            while (format_names[i] && strcmp(format_names[i], optarg) != 0)
                i++;
            if (!format_names[i])
                return usage_list(v, "format", optarg, format_names);
            a->format = format_names[i];
            break;
        }
        case OPT_BYTE_ORDER:
            if (!strcmp(optarg, orders[0]))
                a->opts.byte_order = MW_ORDER_BIG;
            else if (!strcmp(optarg, orders[1]))
                a->opts.byte_order = MW_ORDER_LITTLE;
            else if (!strcmp(optarg, orders[2]))
                a->opts.byte_order = MW_ORDER_NATIVE;
            else
                return usage_list(v, "byte order", optarg, orders);
            a->order_given = true;
            break;
        case OPT_JAVA_CLASS:
            a->opts.java_class = optarg;
            java_opts = true;
            break;
        case OPT_JAVA_SUID:
            rc = parse_int64("--java-suid", optarg, &a->opts.java_suid);
            a->opts.java_suid_set = true;
            java_opts = true;
            break;
        case OPT_XML_NS:
            a->opts.xml_ns = optarg;
            xml_opts = true;
            break;
        case OPT_XML_PREFIX:
            a->opts.xml_prefix = optarg;
            xml_opts = true;
            break;
        case OPT_PRETTY:
            a->opts.pretty = true;
            break;
        case OPT_HEX:
            a->hex = true;
            break;
        case OPT_XSD:
            if (a->decoding)
                return cli_usage_error(v, "--xsd is an option of 'midway encode'");
            a->xsd = true;
            break;
        case OPT_VALIDATE:
            a->opts.xml_validate = true;
            break;
        case OPT_LIST_TYPES:
            a->list_types = true;
            break;
        default: /* CLI_OPT_EXIT: --help was answered (rc 0) or the line is wrong */
            a->done = true;
            return rc;
        }
        if (rc)
            return rc;
    }
    if ((rc = cli_operands(v, argc, argv, 0, "no arguments; the value comes on stdin")) != 0)
        return rc;
    return check_combination(v, a, xml_opts, java_opts);
}

/* ------------------------------------------------------------------------------------ */
/* The commands                                                                         */
/* ------------------------------------------------------------------------------------ */

static int list_types(const enc_args *a)
{
    if (a->idl_types)
        for (size_t i = 0; i < idl_types_count(a->idl_types); i++)
            printf("%s\n", idl_types_at(a->idl_types, i)->name);
    else
        for (const char *const *n = mw_builtin_type_names(); *n; n++)
            printf("%s\n", *n);
    return write_stdout(NULL, 0);
}

/* Reads --idl FILE. Its errors are midl's diagnostics, as midl prints them. */
static int read_idl(enc_args *a)
{
    int e = mw_arena_create(&a->idl_arena, 0);
    if (!e)
        e = idl_types_load(a->idl, a->idl_dirs, a->idl_ndirs, a->idl_arena, &a->idl_types);
    if (e == MW_EPROTO || e == MW_ERANGE)
        return CLI_EXIT_ERROR; /* reported as file:line:col: error: ... */
    if (e == MW_ENOMEM)
        return cli_fail(e, a->idl);
    if (e) {
        cli_errorf("cannot read %s: %s", a->idl, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

/* A --type that the IDL file does not declare: the closest names, or the first few. */
static int unknown_idl_type(const cli_verb *v, const enc_args *a)
{
    const char *close[ENC_HINTS];
    size_t n = idl_types_similar(a->idl_types, a->type_name, close, ENC_HINTS);
    char list[512] = "";
    size_t len = 0;
    size_t total = idl_types_count(a->idl_types), shown = n ? n : total;
    if (shown > ENC_LISTED)
        shown = ENC_LISTED;
    for (size_t i = 0; i < shown; i++) {
        const char *name = n ? close[i] : idl_types_at(a->idl_types, i)->name;
        const char *sep = i == 0 ? "" : n && i + 1 == shown ? " or " : ", ";
        len += (size_t)snprintf(list + len, len < sizeof list ? sizeof list - len : 0, "%s%s",
                                sep, name);
    }
    if (n)
        return cli_usage_error(v, "unknown type '%s' in %s (did you mean %s?)", a->type_name,
                               a->idl, list);
    if (!total)
        return cli_usage_error(v, "unknown type '%s': %s declares no types", a->type_name,
                               a->idl);
    return cli_usage_error(v, "unknown type '%s' in %s (it declares %s%s; see --list-types)",
                           a->type_name, a->idl, list, total > shown ? ", ..." : "");
}

/* The type --type names: a built-in one, or one of the IDL file's. */
static int find_type(const cli_verb *v, enc_args *a)
{
    if (!a->idl) {
        a->type = mw_builtin_type(a->type_name);
        if (!a->type)
            return usage_list(v, "type", a->type_name, mw_builtin_type_names());
        return CLI_EXIT_OK;
    }
    a->type = idl_types_find(a->idl_types, a->type_name);
    if (!a->type)
        return unknown_idl_type(v, a);
    if (a->type->kind == MW_K_VOID)
        return cli_usage_error(v, "%s is an exception without members: it has no value",
                               a->type->name);
    if (mw_type_check(a->type) != 0) {
        /* The descriptor is right, but the codecs refuse what they cannot walk. */
        cli_errorf("%s nests deeper than the codecs go (%d levels)", a->type->name,
                   MW_MARSHAL_MAX_DEPTH);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

static int print_schema(const enc_args *a)
{
    mw_buf out;
    mw_buf_init(&out);
    int e = mw_xml_schema(a->type, &out, &a->opts);
    int rc;
    if (e) {
        cli_set_context("encode xsd");
        rc = cli_fail(e, a->type->name);
    } else {
        rc = emit(&out, false, false);
    }
    mw_buf_free(&out);
    return rc;
}

/* JSON in, the format out (encode); or the format in, JSON out (decode). */
static int transcode(const enc_args *a)
{
    const mw_codec *codec = mw_codec_find(a->format);
    if (!codec) {
        cli_errorf("the %s codec is not part of this build of midway", a->format);
        return CLI_EXIT_ERROR;
    }
    const mw_codec *from = a->decoding ? codec : &mw_codec_json;
    const mw_codec *to = a->decoding ? &mw_codec_json : codec;
    /* What decode prints is for people; what encode writes honours --pretty. */
    mw_marshal_opts out_opts = a->opts;
    if (a->decoding)
        out_opts = (mw_marshal_opts){.pretty = true};
    const mw_marshal_opts *in_opts = a->decoding ? &a->opts : NULL;

    mw_buf in, out;
    mw_buf_init(&in);
    mw_buf_init(&out);
    mw_arena *arena = NULL;
    void *value = NULL;
    mw_marshal_error err = {0};
    int e, rc = read_stdin(&in);
    if (rc)
        goto done;
    if (a->decoding && a->hex && (rc = unhex(&in)) != 0)
        goto done;
    if ((e = mw_arena_create(&arena, 0)) != 0 ||
        !(value = mw_arena_calloc(arena, 1, a->type->size))) {
        rc = cli_fail(e ? e : MW_ENOMEM, NULL);
        goto done;
    }
    e = from->decode(a->type, in.data ? in.data : (const void *)"", in.len, value, arena,
                     in_opts, &err);
    if (e) {
        rc = marshal_fail("decode", from->name, from->binary, e, &err);
        goto done;
    }
    memset(&err, 0, sizeof err);
    e = to->encode(a->type, value, &out, &out_opts, &err);
    if (e) {
        rc = marshal_fail("encode", to->name, to->binary, e, &err);
        goto done;
    }
    rc = emit(&out, to->binary, !a->decoding && a->hex);
done:
    mw_arena_destroy(arena);
    mw_buf_free(&out);
    mw_buf_free(&in);
    return rc;
}

static int run(const cli_verb *v, int argc, char **argv)
{
    enc_args a = {.decoding = !strcmp(v->name, "decode")};
    int rc = parse_args(v, argc, argv, &a);
    if (rc || a.done)
        goto done;
    if (a.idl && (rc = read_idl(&a)) != 0)
        goto done;
    if (a.list_types) {
        rc = list_types(&a);
        goto done;
    }
    if ((rc = find_type(v, &a)) != 0)
        goto done;
    rc = a.xsd ? print_schema(&a) : transcode(&a);
done:
    mw_arena_destroy(a.idl_arena);
    free(a.idl_dirs);
    return rc;
}

#define ENC_COMMON_HELP                                                                        \
    "  --type T          the value's type: a built-in type (Person, PersonRecord,\n"           \
    "                    Showcase; see --list-types), or with --idl a type of the IDL\n"       \
    "                    file by its scoped name (Module::Name)\n"                             \
    "  --idl FILE        read the types from FILE, as midl reads it: struct, union,\n"         \
    "                    enum, typedef, exception, and M::I::op_in and M::I::op_out\n"         \
    "                    for the arguments of operation op of interface M::I\n"                \
    "  -I DIR            with --idl: search DIR for #include files (repeatable)\n"             \
    "  --byte-order O    cdr: big (default), little or native\n"                               \
    "  --java-class NAME java: the class name of the top-level struct (default: the\n"         \
    "                    type's name)\n"                                                       \
    "  --java-suid N     java: its serialVersionUID (default 1)\n"                             \
    "  --xml-ns URI      xml: put every element in this namespace (Figure 4.11)\n"             \
    "  --xml-prefix P    xml: with --xml-ns, the namespace's prefix (default: the\n"           \
    "                    default namespace)\n"                                                 \
    "  --list-types      print the names of the built-in types (with --idl, of the\n"          \
    "                    IDL file's types) and exit\n"

static const cli_verb encode_verb = {
    .name = "encode",
    .synopsis = "[--idl FILE [-I DIR]...] --type T --to FORMAT [--hex] [--pretty]\n"
                "                     [format options] < value.json\n"
                "       midway encode [--idl FILE [-I DIR]...] --type T --xsd\n"
                "                     [--xml-ns URI [--xml-prefix P]]\n"
                "       midway encode [--idl FILE [-I DIR]...] --list-types",
    .help =
        "Reads a value of type T as JSON on standard input and writes its encoding on\n"
        "standard output: raw bytes for the binary formats (cdr, xdr, java), text for\n"
        "json and xml. With --xsd, prints the XML Schema of T's XML form instead\n"
        "(Figure 4.12). An input that does not fit the type is reported on one line\n"
        "with its JSON path ('midway: decode json: ... at $.year'), exit status 1.\n"
        "\n"
        "With --idl, T is any type of an IDL file (and the files it includes), by its\n"
        "scoped name: --idl Person.idl --type HelloApp::Person. The file is read as\n"
        "midl reads it; its errors are midl's ('Person.idl:3:5: error: ...'), exit\n"
        "status 1. The value's layout is the C that midl generates for the type.\n"
        "\n"
        "Formats: cdr (CORBA CDR), xdr (RFC 4506), json, xml, java (Java object\n"
        "serialization).\n"
        "\n"
        "Options:\n"
        "  --to FORMAT       the encoding to write\n"
        "  --hex             write binary output as hex digits, 32 bytes a line\n"
        "  --pretty          json and xml: indent the output\n"
        "  --xsd             print the XML Schema for T instead of encoding\n" ENC_COMMON_HELP,
    .run = run,
};

static const cli_verb decode_verb = {
    .name = "decode",
    .synopsis = "[--idl FILE [-I DIR]...] --type T --from FORMAT [--hex]\n"
                "                     [format options] < encoded\n"
                "       midway decode [--idl FILE [-I DIR]...] --list-types",
    .help =
        "Reads an encoding of a value of type T on standard input and writes the value\n"
        "as indented JSON on standard output. A malformed input is reported on one\n"
        "line, with the byte offset for binary formats ('midway: decode cdr: ... at\n"
        "byte 12 (place)') or the path for text ('... at /person/year'), exit status 1.\n"
        "CDR carries no byte-order mark of its own: give --byte-order if it is not big.\n"
        "With --idl, T is any type of an IDL file, as for 'midway encode'.\n"
        "\n"
        "Options:\n"
        "  --from FORMAT     the encoding to read: cdr, xdr, json, xml or java\n"
        "  --hex             read the input as hex digits (whitespace ignored), as\n"
        "                    'encode --hex' and 'xxd -p' write them\n"
        "  --validate        xml: validate the document against T's schema first\n"
        "  --pretty          accepted for symmetry: the output is indented\n" ENC_COMMON_HELP,
    .run = run,
};

/* Neither command has verbs: the handler gives the tables above to the shared option
 * parser, which reads their synopsis and help. */
static int handle(const cli_command *self, int argc, char **argv)
{
    const cli_verb *v = !strcmp(self->name, "decode") ? &decode_verb : &encode_verb;
    cli_set_context(self->name);
    return v->run(v, argc, argv);
}

const cli_command cli_cmd_encode = {
    .name = "encode",
    .summary = "encode a JSON value as CDR, XDR, JSON, XML or Java serialization",
    .handler = handle,
};

const cli_command cli_cmd_decode = {
    .name = "decode",
    .summary = "decode CDR, XDR, JSON, XML or Java serialization to JSON",
    .handler = handle,
};
