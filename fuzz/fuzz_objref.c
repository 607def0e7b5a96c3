/* fuzz_objref.c - the printable remote object reference parser (mwref:...). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <midway/marshal.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    mw_arena *a;
    if (mw_arena_create(&a, 0) == 0) {
        mw_objref r;
        size_t bad = 0;
        if (mw_objref_parse(&r, text, a, &bad) == 0) {
            /* What parses must print and parse back to the same reference. */
            mw_buf b = {0};
            mw_objref again;
            if (mw_objref_format(&r, &b) != 0 || mw_buf_put_u8(&b, 0) != 0 ||
                mw_objref_parse(&again, (char *)b.data, a, &bad) != 0 ||
                !mw_objref_equal(&r, &again))
                abort();
            mw_buf_free(&b);
        } else if (bad > size) {
            abort();
        }
        mw_arena_destroy(a);
    }
    free(text);
    return 0;
}
