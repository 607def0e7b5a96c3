/* fuzz_addr.c - the numeric address parser ("1.2.3.4:80", "[::1]:80"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <midway/net.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    mw_addr a, b;
    if (mw_addr_parse(&a, text, -1) == 0) {
        /* What parses must format and parse back to the same address. */
        char buf[MW_ADDR_STRLEN];
        if (mw_addr_format(&a, buf, sizeof buf) != 0 || mw_addr_parse(&b, buf, -1) != 0 ||
            !mw_addr_equal(&a, &b))
            abort();
    }
    free(text);
    return 0;
}
