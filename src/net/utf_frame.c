/* utf_frame.c - Java's DataOutputStream.writeUTF / DataInputStream.readUTF framing. */
#include <stdlib.h>

#include "net/sock.h"

int mw_tcp_write_utf(mw_tcp *c, const char *s, size_t n, int timeout_ms)
{
    if (!c || (!s && n))
        return MW_EINVAL;
    uint64_t deadline = mwi_deadline(timeout_ms);
    size_t mlen;
    int rc = mw_mutf8_length(s, n, &mlen, NULL);
    if (rc)
        return rc;
    /* Checked before anything is sent, so a refused string leaves the stream intact. */
    if (mlen > MW_UTF_MAX)
        return MW_EMSGSIZE;
    /* Header and body in one buffer and one send: two sends would cost a second segment
     * under Nagle and a second system call. */
    mw_buf b;
    mw_buf_init(&b);
    if ((rc = mw_buf_reserve(&b, 2 + mlen)) || (rc = mw_buf_put_u16be(&b, (uint16_t)mlen)) ||
        (rc = mw_mutf8_from_utf8(&b, s, n, NULL))) {
        mw_buf_free(&b);
        return rc;
    }
    rc = mwi_tcp_write_all_until(c, b.data, b.len, deadline);
    mw_buf_free(&b);
    return rc;
}

int mw_tcp_read_utf(mw_tcp *c, mw_buf *out, int timeout_ms)
{
    if (!c || !out)
        return MW_EINVAL;
    uint64_t deadline = mwi_deadline(timeout_ms);
    uint8_t hdr[2];
    int rc = mwi_tcp_read_exact_until(c, hdr, sizeof hdr, deadline);
    if (rc)
        return rc;
    size_t len = mw_load_u16be(hdr);
    /* The body is read whole before it is judged, so an invalid string still leaves the
     * stream at the next frame. The length is at most 65535 by construction: a peer
     * cannot make us allocate more. */
    uint8_t small[512];
    uint8_t *body = small;
    if (len > sizeof small && !(body = malloc(len)))
        return MW_ENOMEM;
    rc = mwi_tcp_read_exact_until(c, body, len, deadline);
    if (rc == MW_EEOF)
        rc = MW_ETRUNCATED; /* the header was there: the stream ended inside a frame */
    if (rc == 0)
        rc = mw_mutf8_to_utf8(out, body, len, NULL);
    if (body != small)
        free(body);
    return rc;
}
