#include "lib/http_curl_easy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/retry.h"
#include "lib/secret.h"

#define CONNECT_TIMEOUT_MAX_MS 10000

struct curl_slist *tw_curl_headers_new(const struct tw_http_options *o)
{
        struct curl_slist *h = NULL, *n;
        char *auth = NULL;
        size_t len;

        n = curl_slist_append(h, "Accept: application/json");
        if (!n)
                goto fail;
        h = n;
        if (o->extra_header && *o->extra_header) {
                n = curl_slist_append(h, o->extra_header);
                if (!n)
                        goto fail;
                h = n;
        }
        if (o->bearer && *o->bearer) {
                len = strlen("Authorization: Bearer ") + strlen(o->bearer) + 1;
                auth = malloc(len);
                if (!auth)
                        goto fail;
                snprintf(auth, len, "Authorization: Bearer %s", o->bearer);
                n = curl_slist_append(h, auth);
                tw_wipe(auth, len);
                free(auth);
                if (!n)
                        goto fail;
                h = n;
        }
        return h;
fail:
        tw_curl_headers_free(h);
        return NULL;
}

void tw_curl_headers_free(struct curl_slist *h)
{
        for (struct curl_slist *p = h; p; p = p->next)
                if (p->data)
                        tw_wipe(p->data, strlen(p->data));
        curl_slist_free_all(h);
}

/* CURLOPT_WRITEFUNCTION: appends to the capped body; refusing (returning
 * less than given) makes curl abort with CURLE_WRITE_ERROR. */
static size_t write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct tw_curl_xfer *x = userdata;
        size_t n = size * nmemb;

        if (tw_buf_add(&x->body, data, n) < 0) {
                x->over_cap = x->body.len + n > x->body.max;
                return 0;
        }
        return n;
}

int tw_curl_xfer_init(struct tw_curl_xfer *x, const struct tw_http_options *o,
                      const char *user_agent, struct curl_slist *headers)
{
        long timeout =
                o->timeout_ms > 0 && o->timeout_ms < 0x7fffffff ? (long)o->timeout_ms : 30000;
        long connect_timeout = timeout < CONNECT_TIMEOUT_MAX_MS ? timeout : CONNECT_TIMEOUT_MAX_MS;
        CURLcode c = CURLE_OK;

        memset(x, 0, sizeof(*x));
        tw_buf_init(&x->body, o->max_body);
        x->easy = curl_easy_init();
        if (!x->easy)
                return -ENOMEM;
                /* Each setopt may fail (e.g. a protocol list this libcurl lacks);
                 * stop at the first failure. */
#define SETOPT(opt, val)                                         \
        do {                                                     \
                if (c == CURLE_OK)                               \
                        c = curl_easy_setopt(x->easy, opt, val); \
        } while (0)
        SETOPT(CURLOPT_NOSIGNAL, 1L);
        SETOPT(CURLOPT_TIMEOUT_MS, timeout);
        SETOPT(CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
        SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
        SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        /* A redirect could carry the bearer to another host: never follow. */
        SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
        SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
        SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
        SETOPT(CURLOPT_ACCEPT_ENCODING, "");
        SETOPT(CURLOPT_USERAGENT, user_agent);
        SETOPT(CURLOPT_HTTPHEADER, headers);
        SETOPT(CURLOPT_HTTPGET, 1L);
        SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
        SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->body.max);
        SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
        SETOPT(CURLOPT_WRITEDATA, x);
        SETOPT(CURLOPT_ERRORBUFFER, x->errbuf);
        SETOPT(CURLOPT_PRIVATE, x);
#undef SETOPT
        if (c) {
                curl_easy_cleanup(x->easy);
                x->easy = NULL;
                return c == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
        }
        return 0;
}

void tw_curl_xfer_done(struct tw_curl_xfer *x)
{
        if (x->easy)
                curl_easy_cleanup(x->easy);
        x->easy = NULL;
        tw_buf_done(&x->body);
}

int tw_curl_xfer_prepare(struct tw_curl_xfer *x, const char *url)
{
        CURLcode c;

        tw_buf_reset(&x->body);
        x->errbuf[0] = '\0';
        x->over_cap = false;
        c = curl_easy_setopt(x->easy, CURLOPT_URL, url);
        if (c)
                return c == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
        return 0;
}

void tw_curl_xfer_release(struct tw_curl_xfer *x)
{
        x->owner = NULL;
        /* Keep a small buffer for the next page; give big ones back. */
        if (x->body.alloc > ((size_t)1 << 20))
                tw_buf_done(&x->body);
        else
                tw_buf_reset(&x->body);
}

int tw_curl_error(CURLcode code, bool over_cap)
{
        switch (code) {
        case CURLE_OK:
                return 0;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_FILESIZE_EXCEEDED:
                return -E2BIG;
        case CURLE_WRITE_ERROR:
                return over_cap ? -E2BIG : -ENOMEM;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
                return -EINVAL;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
                /* The server's certificate is not trusted: retrying cannot
                 * fix it, and the operator must hear about it at once. */
                return -EKEYREJECTED;
        default:
                /* Send/receive failures, empty replies, cut transfers,
                 * TLS handshakes: retried as connection failures. */
                return -EPROTO;
        }
}

const char *tw_curl_error_text(const struct tw_curl_xfer *x, CURLcode code)
{
        if (code == CURLE_WRITE_ERROR && x->over_cap)
                return "response body over the size limit";
        if (code == CURLE_FILESIZE_EXCEEDED)
                return "response body over the size limit";
        if (x->errbuf[0])
                return x->errbuf;
        return curl_easy_strerror(code);
}

int64_t tw_curl_retry_after_s(struct tw_curl_xfer *x, int64_t now)
{
        struct curl_header *h = NULL;
        int64_t secs;

        if (curl_easy_header(x->easy, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
                return -1;
        if (tw_retry_after_parse(h->value, now, &secs) < 0)
                return -1;
        return secs;
}
