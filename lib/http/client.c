#include "lib/http/client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http/curl_easy_internal.h"

#define DEFAULT_MAX_BODY ((size_t)64 * 1024) /* receivers' answers are not read */

struct tw_http_client {
        struct tw_curl_xfer x;
        int64_t timeout_ms; /* x.cancel: of the POST in progress */
};

int tw_http_client_new(const struct tw_http_client_options *o, struct tw_http_client **ret_client)
{
        struct tw_http_options ho = {
                .user_agent = o->user_agent,
                .timeout_ms = o->timeout_ms,
                .max_body = o->max_body ? o->max_body : DEFAULT_MAX_BODY,
        };
        struct tw_http_client *c = calloc(1, sizeof(*c));
        CURLcode cr = CURLE_OK;
        int r;

        if (!c)
                return -ENOMEM;
        r = tw_curl_xfer_init(&c->x, &ho, NULL);
        if (r < 0) {
                free(c);
                return r;
        }
        c->timeout_ms = o->timeout_ms;
        /* A receiver's answer is read to its end (the connection stays
         * usable) but only its start is kept. */
        c->x.truncate = true;
        cr = curl_easy_setopt(c->x.easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)0);
        r = cr == CURLE_OK              ? tw_curl_xfer_set_cancellable(&c->x)
            : cr == CURLE_OUT_OF_MEMORY ? -ENOMEM
                                        : -EINVAL;
        if (r < 0) {
                tw_http_client_free(c);
                return r;
        }
        *ret_client = c;
        return 0;
}

void tw_http_client_free(struct tw_http_client *c)
{
        if (!c)
                return;
        tw_curl_xfer_done(&c->x);
        free(c);
}

/* Sets the per-POST options; 0 or a negative errno. */
static int prepare_post(struct tw_http_client *c, const char *url, const struct curl_slist *headers,
                        const char *body, size_t len, int64_t timeout_ms)
{
        CURLcode cr;
        int r = tw_curl_xfer_prepare(&c->x, url);

        if (r == 0)
                r = tw_curl_xfer_set_timeout(&c->x, timeout_ms > 0 ? timeout_ms : c->timeout_ms);
        if (r < 0)
                return r;
        cr = curl_easy_setopt(c->x.easy, CURLOPT_POST, 1L);
        if (cr == CURLE_OK)
                cr = curl_easy_setopt(c->x.easy, CURLOPT_POSTFIELDS, body);
        if (cr == CURLE_OK)
                cr = curl_easy_setopt(c->x.easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        if (cr == CURLE_OK)
                cr = curl_easy_setopt(c->x.easy, CURLOPT_HTTPHEADER, headers);
        if (cr != CURLE_OK)
                return cr == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
        return 0;
}

int tw_http_post(struct tw_http_client *c, const char *url, const struct curl_slist *headers,
                 const char *body, size_t len, int64_t timeout_ms, volatile sig_atomic_t *cancel,
                 struct tw_http_result *res)
{
        CURLcode cr;
        int r;

        memset(res, 0, sizeof(*res));
        res->attempts = 1;
        res->body = "";
        res->verdict = TW_HTTP_FAIL;
        r = prepare_post(c, url, headers, body ? body : "", body ? len : 0, timeout_ms);
        if (r < 0) {
                res->error = r;
                res->error_text = r == -EINVAL ? "invalid URL" : "out of memory";
                return r;
        }
        c->x.cancel = cancel;
        cr = curl_easy_perform(c->x.easy);
        c->x.cancel = NULL;
        tw_curl_result(&c->x, cr, res);
        /* The headers and body are the caller's: drop the references. */
        curl_easy_setopt(c->x.easy, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
        curl_easy_setopt(c->x.easy, CURLOPT_POSTFIELDS, (char *)NULL);
        return res->error;
}
