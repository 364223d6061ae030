#include "lib/idkey.h"

#include <gnutls/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tw_idkey(char ret[TW_IDKEY_LEN], const char *fmt, ...)
{
        char in[1024];
        unsigned char md[32];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(in, sizeof(in), fmt, ap);
        va_end(ap);
        if (n < 0)
                n = 0;
        if ((size_t)n >= sizeof(in))
                n = (int)sizeof(in) - 1;
        if (gnutls_hash_fast(GNUTLS_DIG_SHA256, in, (size_t)n, md) < 0)
                memset(md, 0, sizeof(md));
        for (int i = 0; i < 16; i++)
                snprintf(ret + 2 * i, 3, "%02x", md[i]);
}
