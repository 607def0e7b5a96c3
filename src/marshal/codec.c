/* codec.c - the registry of codecs. Each codec is a const table in its own file; the
 * list is checked once so a table with an empty slot can never be used. */
#include <stdatomic.h>
#include <string.h>

#include "marshal_impl.h"

static const mw_codec *const all_codecs[] = {
#ifdef MWI_HAVE_CODEC_CDR
    &mw_codec_cdr,
#endif
#ifdef MWI_HAVE_CODEC_XDR
    &mw_codec_xdr,
#endif
#ifdef MWI_HAVE_CODEC_JSON
    &mw_codec_json,
#endif
#ifdef MWI_HAVE_CODEC_XML
    &mw_codec_xml,
#endif
#ifdef MWI_HAVE_CODEC_JAVA
    &mw_codec_java,
#endif
    NULL,
};

static bool codec_complete(const mw_codec *c)
{
    return c->name && c->description && c->encode && c->decode && c->size;
}

const mw_codec *const *mw_codec_list(void) { return all_codecs; }

const mw_codec *mw_codec_find(const char *name)
{
    for (size_t i = 0; all_codecs[i]; i++)
        if (strcmp(all_codecs[i]->name, name) == 0)
            return codec_complete(all_codecs[i]) ? all_codecs[i] : NULL;
    return NULL;
}
