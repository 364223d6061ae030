#include "lib/http/curl_easy_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * less than given) makes curl abort with CURLE_WRITE_ERROR.  A truncating
 * slot keeps what fits and reads the rest away. */
static size_t write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct tw_curl_xfer *x = userdata;
        size_t n = size * nmemb, room;

        if (x->over_cap && x->truncate)
                return n;
        if (tw_buf_add(&x->body, data, n) < 0) {
                x->over_cap = x->body.len + n > x->body.max;
                if (!x->over_cap || !x->truncate)
                        return 0;
                room = x->body.max - x->body.len;
                if (tw_buf_add(&x->body, data, room) < 0)
                        return 0;
        }
        return n;
}

/* CURLOPT_XFERINFOFUNCTION: non-zero aborts with CURLE_ABORTED_BY_CALLBACK. */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
        const struct tw_curl_xfer *x = ud;

        (void)dt, (void)dn, (void)ut, (void)un;
        return x->cancel && *x->cancel ? 1 : 0;
}

int tw_curl_xfer_set_cancellable(struct tw_curl_xfer *x)
{
        CURLcode c = curl_easy_setopt(x->easy, CURLOPT_NOPROGRESS, 0L);

        if (c == CURLE_OK)
                c = curl_easy_setopt(x->easy, CURLOPT_XFERINFOFUNCTION, on_progress);
        if (c == CURLE_OK)
                c = curl_easy_setopt(x->easy, CURLOPT_XFERINFODATA, x);
        if (c == CURLE_OK)
                return 0;
        return c == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
}

int tw_curl_xfer_set_timeout(struct tw_curl_xfer *x, int64_t timeout_ms)
{
        long timeout = timeout_ms > 0 && timeout_ms < 0x7fffffff ? (long)timeout_ms : 30000;
        long connect_timeout = timeout < CONNECT_TIMEOUT_MAX_MS ? timeout : CONNECT_TIMEOUT_MAX_MS;
        CURLcode c = curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, timeout);

        if (c == CURLE_OK)
                c = curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
        return c == CURLE_OK ? 0 : -EINVAL;
}

int tw_curl_xfer_init(struct tw_curl_xfer *x, const struct tw_http_options *o,
                      struct curl_slist *headers)
{
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
        SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
        SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        /* A redirect could carry the bearer to another host: never follow. */
        SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
        SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
        SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
        SETOPT(CURLOPT_ACCEPT_ENCODING, "");
        SETOPT(CURLOPT_USERAGENT,
               o->user_agent && *o->user_agent ? o->user_agent : TW_HTTP_DEFAULT_USER_AGENT);
        SETOPT(CURLOPT_HTTPHEADER, headers);
        SETOPT(CURLOPT_HTTPGET, 1L);
        SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
        SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->body.max);
        SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
        SETOPT(CURLOPT_WRITEDATA, x);
        SETOPT(CURLOPT_ERRORBUFFER, x->errbuf);
        SETOPT(CURLOPT_PRIVATE, x);
#undef SETOPT
        if (c == CURLE_OK && tw_curl_xfer_set_timeout(x, o->timeout_ms) < 0)
                c = CURLE_BAD_FUNCTION_ARGUMENT;
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

#define TLS_HINT                                                                                  \
        "the server's TLS certificate is not trusted (TLS verification is always on): check the " \
        "URL's host, or add the issuing CA to the system's trust store"

/* The verdict on a complete response. */
static void classify_status(long status, struct tw_http_result *res)
{
        if (status >= 200 && status <= 299) {
                res->verdict = TW_HTTP_DONE;
        } else if (status == 429) {
                res->verdict = TW_HTTP_RETRY;
                res->reason = TW_RETRY_RATE_LIMITED;
        } else if (status >= 500 && status <= 599) {
                res->verdict = TW_HTTP_RETRY;
                res->reason = TW_RETRY_SERVER_ERROR;
        }
}

void tw_http_classify(CURLcode code, bool over_cap, long status, struct tw_http_result *res)
{
        res->verdict = TW_HTTP_FAIL;
        res->error = 0;
        res->hint = NULL;
        switch (code) {
        case CURLE_OK:
                classify_status(status, res);
                return;
        case CURLE_OPERATION_TIMEDOUT:
                res->error = -ETIMEDOUT;
                res->verdict = TW_HTTP_RETRY;
                res->reason = TW_RETRY_TIMEOUT;
                return;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                res->error = -EHOSTUNREACH;
                break;
        case CURLE_COULDNT_CONNECT:
                res->error = -ECONNREFUSED;
                break;
        case CURLE_FILESIZE_EXCEEDED:
                res->error = -E2BIG;
                return;
        case CURLE_WRITE_ERROR:
                res->error = over_cap ? -E2BIG : -ENOMEM;
                return;
        case CURLE_OUT_OF_MEMORY:
                res->error = -ENOMEM;
                return;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
                res->error = -EINVAL;
                return;
        case CURLE_ABORTED_BY_CALLBACK:
                res->error = -ECANCELED;
                return;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
                /* Retrying cannot fix an untrusted certificate, and the
                 * operator must hear about it at once. */
                res->error = -EKEYREJECTED;
                res->hint = TLS_HINT;
                return;
        default:
                /* Send/receive failures, empty replies, cut transfers,
                 * TLS handshakes: retried as connection failures. */
                res->error = -EPROTO;
                break;
        }
        res->verdict = TW_HTTP_RETRY;
        res->reason = TW_RETRY_CONNECTION;
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

void tw_curl_result(struct tw_curl_xfer *x, CURLcode code, struct tw_http_result *res)
{
        curl_off_t ra = 0;
        long status = 0, conns = 0;

        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        tw_http_classify(code, x->over_cap && !x->truncate, status, res);
        res->status = status;
        res->error_text = res->error ? tw_curl_error_text(x, code) : NULL;
        /* libcurl turns delta-seconds and HTTP-dates alike into seconds
         * from now: a date in the past comes out negative. */
        if (!status || curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK || ra < 0)
                ra = 0;
        res->retry_after_s = ra > TW_RETRY_AFTER_MAX_S ? TW_RETRY_AFTER_MAX_S : (int64_t)ra;
        curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &conns);
        res->new_connections = conns;
        res->body = x->body.ptr ? x->body.ptr : "";
        res->body_len = x->body.len;
}
