#include "lib/http/probe.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/http/curl_easy_internal.h"

#define PROBE_TIMEOUT_MS 10000

int tw_http_probe(const char *url, int64_t timeout_ms, struct tw_http_result *res, char *text,
                  size_t text_size)
{
        struct tw_http_options o = {.timeout_ms = timeout_ms > 0 ? timeout_ms : PROBE_TIMEOUT_MS};
        struct tw_curl_xfer x;
        CURLcode cr;
        int r;

        memset(res, 0, sizeof(*res));
        res->body = "";
        res->attempts = 1;
        res->verdict = TW_HTTP_FAIL;
        if (text_size)
                text[0] = '\0';
        r = tw_curl_xfer_init(&x, &o, NULL);
        if (r == 0)
                r = tw_curl_xfer_prepare(&x, url);
        if (r == 0 && curl_easy_setopt(x.easy, CURLOPT_CONNECT_ONLY, 1L) != CURLE_OK)
                r = -EINVAL;
        if (r < 0) {
                res->error = r;
                res->error_text = r == -EINVAL ? "not an http(s) URL" : "out of memory";
                tw_curl_xfer_done(&x);
                return r;
        }
        cr = curl_easy_perform(x.easy);
        tw_curl_result(&x, cr, res);
        /* Connected is all a probe asks: no status, no body. */
        if (cr == CURLE_OK)
                res->verdict = TW_HTTP_DONE;
        if (res->error_text && text_size) {
                snprintf(text, text_size, "%s", res->error_text);
                res->error_text = text;
        } else {
                res->error_text = NULL;
        }
        res->body = "";
        res->body_len = 0;
        tw_curl_xfer_done(&x);
        return res->error;
}
