/* Request headers that hold a credential: built and wiped in one place. */
#include "lib/http/client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/wipe.h"

int tw_http_header_add(struct curl_slist **h, const char *fmt, ...)
{
        struct tw_buf b;
        struct curl_slist *n;
        va_list ap;
        int r;

        tw_buf_init(&b, 64 * 1024);
        va_start(ap, fmt);
        r = tw_buf_vprintf(&b, fmt, ap);
        va_end(ap);
        n = r == 0 ? curl_slist_append(*h, b.ptr) : NULL;
        tw_wipe(b.ptr, b.len);
        tw_buf_done(&b);
        if (!n) {
                tw_http_headers_free(*h);
                *h = NULL;
                return -ENOMEM;
        }
        *h = n;
        return 0;
}

void tw_http_headers_free(struct curl_slist *h)
{
        for (struct curl_slist *p = h; p; p = p->next)
                if (p->data)
                        tw_wipe(p->data, strlen(p->data));
        curl_slist_free_all(h);
}
