#include "exporters/notify/http_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/http/client.h"

int tw_notify_http_post(struct tw_http_client *client, const char *url,
                        const struct curl_slist *headers, const char *body, size_t len,
                        int64_t timeout_ms, volatile sig_atomic_t *cancel,
                        struct tw_notify_http_result *res)
{
        const struct tw_http_client_options o = {.timeout_ms = timeout_ms};
        struct tw_http_client *own = NULL;
        struct tw_http_result r;

        memset(res, 0, sizeof(*res));
        res->retry_after_s = -1;
        if (!client) {
                res->error = tw_http_client_new(&o, &own);
                if (res->error < 0) {
                        res->retry = res->error == -ENOMEM;
                        return res->error;
                }
                client = own;
        }
        tw_http_post(client, url, headers, body, len, timeout_ms, cancel, &r);
        res->status = r.status;
        res->error = r.error;
        res->retry = r.verdict == TW_HTTP_RETRY;
        if (r.retry_after_s > 0)
                res->retry_after_s = r.retry_after_s;
        /* curl's error buffer names the host at most, never the URL's path */
        if (r.error)
                snprintf(res->error_text, sizeof(res->error_text), "%s%s%s",
                         r.error_text ? r.error_text : strerror(-r.error), r.hint ? " - " : "",
                         r.hint ? r.hint : "");
        tw_http_client_free(own);
        return res->error;
}
