/*
 * fuzz_midl.c - libFuzzer target for midl, the IDL compiler (tools/midl): any bytes as an
 * IDL file. Whatever parses without errors is also run through the four generators. The
 * compiler must never crash, hang or leak, whatever the input; #include is disabled so no
 * file outside the input is read.
 *
 * midl is a tool, not part of the library, so its sources are compiled into this file
 * (fuzz/CMakeLists.txt links every target against the library only). Between inputs every
 * piece of state is reset and all memory freed.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../tools/midl/ast.c"
#include "../tools/midl/consteval.c"
#include "../tools/midl/diag.c"
#include "../tools/midl/gen.c"
#include "../tools/midl/gen_client.c"
#include "../tools/midl/gen_header.c"
#include "../tools/midl/gen_server.c"
#include "../tools/midl/gen_types.c"
#include "../tools/midl/lexer.c"
#include "../tools/midl/parser.c"
#include "../tools/midl/pragma.c"
#include "../tools/midl/preproc.c"
#include "../tools/midl/resolve.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jmp_buf fatal_jump;

/* Too many errors, or out of memory: end this input. */
static void fatal(void)
{
    longjmp(fatal_jump, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    diag_set_stream(sink);
    diag_set_fatal(fatal);
    pp_disable_includes(true);
    if (setjmp(fatal_jump) == 0) {
        uint32_t f = src_add_memory("fuzz.idl", (const char *)data, size);
        lex_begin(f);
        parse_program();
        if (error_count() == 0) {
            gen_opts o = {.base = "fuzz", .idl_name = "fuzz.idl"};
            strbuf out[4] = {{0}};
            gen_header(&o, &out[0]);
            gen_types(&o, &out[1]);
            gen_client(&o, &out[2]);
            gen_server(&o, &out[3]);
        }
    }
    lex_reset();
    pp_reset();
    resolve_reset();
    src_reset();
    ast_reset();
    xfree_all();
    return 0;
}
