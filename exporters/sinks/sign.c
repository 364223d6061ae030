/* The generic format's request signature (exporters/sinks/sinks.h). */
#include "exporters/sinks/sinks.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/secret.h"

int tw_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
                       char ret_hex[65])
{
        unsigned char md[32];

        if (!key || (!data && len))
                return -EINVAL;
        if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, key_len, data, len, md) < 0)
                return -EIO;
        for (int i = 0; i < 32; i++)
                snprintf(ret_hex + 2 * i, 3, "%02x", md[i]);
        return 0;
}

int tw_sink_sign(const char *secret, int64_t timestamp, const char *body, size_t body_len,
                 char ret_sig[72])
{
        struct tw_buf b;
        char hex[65];
        int r;

        if (!secret || !body)
                return -EINVAL;
        tw_buf_init(&b, body_len + 64);
        r = tw_buf_printf(&b, "%" PRId64 ".", timestamp);
        if (r >= 0)
                r = tw_buf_add(&b, body, body_len);
        if (r >= 0)
                r = tw_hmac_sha256_hex(secret, strlen(secret), b.ptr, b.len, hex);
        if (r >= 0)
                snprintf(ret_sig, 72, "sha256=%s", hex);
        tw_wipe(b.ptr, b.len);
        tw_buf_done(&b);
        return r;
}
