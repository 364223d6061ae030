#include "lib/http/client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http/curl_easy_internal.h"

#define DEFAULT_MAX_BODY ((size_t)64 * 1024) /* receivers' answers are not read */

struct tw_http_client {
        struct tw_curl_xfer x;
        int64_t timeout_ms; /* x.cancel: of the request in progress */
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
         * usable) but only its start is kept; an answer to be parsed is
         * refused whole instead. */
        c->x.truncate = !o->whole_body;
        if (c->x.truncate)
                cr = curl_easy_setopt(c->x.easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)0);
        if (cr == CURLE_OK && o->ca_file)
                cr = curl_easy_setopt(c->x.easy, CURLOPT_CAINFO, o->ca_file);
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

/* Sets the per-request options: the method (a GET, a POST, or a POST
 * renamed by CURLOPT_CUSTOMREQUEST), the body and the headers. */
static int prepare(struct tw_http_client *c, const char *method, const char *url,
                   const struct curl_slist *headers, const char *body, size_t len,
                   int64_t timeout_ms)
{
        bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
        bool del = strcmp(method, "DELETE") == 0;
        CURLcode cr;
        int r;

        if (!get && !post && !del && strcmp(method, "PUT") != 0 && strcmp(method, "PATCH") != 0)
                return -EINVAL;
        r = tw_curl_xfer_prepare(&c->x, url);
        if (r == 0)
                r = tw_curl_xfer_set_timeout(&c->x, timeout_ms > 0 ? timeout_ms : c->timeout_ms);
        if (r < 0)
                return r;
        if (get || (del && !body)) {
                cr = curl_easy_setopt(c->x.easy, CURLOPT_HTTPGET, 1L);
        } else {
                cr = curl_easy_setopt(c->x.easy, CURLOPT_POST, 1L);
                if (cr == CURLE_OK)
                        cr = curl_easy_setopt(c->x.easy, CURLOPT_POSTFIELDS, body ? body : "");
                if (cr == CURLE_OK)
                        cr = curl_easy_setopt(c->x.easy, CURLOPT_POSTFIELDSIZE_LARGE,
                                              (curl_off_t)(body ? len : 0));
        }
        if (cr == CURLE_OK)
                cr = curl_easy_setopt(c->x.easy, CURLOPT_CUSTOMREQUEST,
                                      get || post ? NULL : method);
        if (cr == CURLE_OK)
                cr = curl_easy_setopt(c->x.easy, CURLOPT_HTTPHEADER, headers);
        if (cr != CURLE_OK)
                return cr == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
        return 0;
}

int tw_http_request(struct tw_http_client *c, const char *method, const char *url,
                    const struct curl_slist *headers, const char *body, size_t len,
                    int64_t timeout_ms, volatile sig_atomic_t *cancel, struct tw_http_result *res)
{
        CURLcode cr;
        int r;

        memset(res, 0, sizeof(*res));
        res->attempts = 1;
        res->body = "";
        res->verdict = TW_HTTP_FAIL;
        r = prepare(c, method ? method : "", url, headers, body, len, timeout_ms);
        if (r < 0) {
                res->error = r;
                res->error_text = r == -EINVAL ? "invalid URL or method" : "out of memory";
                return r;
        }
        c->x.cancel = cancel;
        cr = curl_easy_perform(c->x.easy);
        c->x.cancel = NULL;
        tw_curl_result(&c->x, cr, res);
        /* The headers and body are the caller's: drop the references. */
        curl_easy_setopt(c->x.easy, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
        curl_easy_setopt(c->x.easy, CURLOPT_POSTFIELDS, (char *)NULL);
        curl_easy_setopt(c->x.easy, CURLOPT_CUSTOMREQUEST, (char *)NULL);
        return res->error;
}

int tw_http_post(struct tw_http_client *c, const char *url, const struct curl_slist *headers,
                 const char *body, size_t len, int64_t timeout_ms, volatile sig_atomic_t *cancel,
                 struct tw_http_result *res)
{
        return tw_http_request(c, "POST", url, headers, body ? body : "", body ? len : 0,
                               timeout_ms, cancel, res);
}

int tw_http_client_fresh(struct tw_http_client *c, bool fresh)
{
        return curl_easy_setopt(c->x.easy, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L) == CURLE_OK
                       ? 0
                       : -EINVAL;
}

const char *tw_http_client_header(struct tw_http_client *c, const char *name)
{
        struct curl_header *h = NULL;

        if (curl_easy_header(c->x.easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
                return NULL;
        if (h->amount > 1 &&
            curl_easy_header(c->x.easy, name, h->amount - 1, CURLH_HEADER, -1, &h) != CURLHE_OK)
                return NULL;
        return h->value;
}
