#include "exporters/notify_http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/retry.h"

#define RESPONSE_MAX (64 * 1024) /* receivers' answers are read and dropped */

struct xfer {
        size_t received;
        volatile sig_atomic_t *cancel;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
        struct xfer *x = ud;

        (void)p;
        x->received += size * n;
        return x->received > RESPONSE_MAX ? 0 : size * n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
        struct xfer *x = ud;

        (void)dt, (void)dn, (void)ut, (void)un;
        return x->cancel && *x->cancel ? 1 : 0;
}

static int map_error(CURLcode c)
{
        switch (c) {
        case CURLE_OK:
                return 0;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                return -ECONNREFUSED;
        case CURLE_ABORTED_BY_CALLBACK:
                return -ECANCELED;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        default:
                return -EPROTO;
        }
}

static CURLcode setup(CURL *c, const char *url, const struct curl_slist *headers, const char *body,
                      size_t len, int64_t timeout_ms, struct xfer *x, char *errbuf)
{
        CURLcode r = CURLE_OK;

#define SET(opt, val)                                      \
        do {                                               \
                if (r == CURLE_OK)                         \
                        r = curl_easy_setopt(c, opt, val); \
        } while (0)
        SET(CURLOPT_URL, url);
        SET(CURLOPT_PROTOCOLS_STR, "http,https");
        SET(CURLOPT_FOLLOWLOCATION, 0L);
        SET(CURLOPT_SSL_VERIFYPEER, 1L);
        SET(CURLOPT_SSL_VERIFYHOST, 2L);
        SET(CURLOPT_NOSIGNAL, 1L);
        SET(CURLOPT_TIMEOUT_MS, (long)timeout_ms);
        SET(CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, body);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        SET(CURLOPT_HTTPHEADER, headers);
        SET(CURLOPT_WRITEFUNCTION, on_data);
        SET(CURLOPT_WRITEDATA, x);
        SET(CURLOPT_NOPROGRESS, 0L);
        SET(CURLOPT_XFERINFOFUNCTION, on_progress);
        SET(CURLOPT_XFERINFODATA, x);
        SET(CURLOPT_ERRORBUFFER, errbuf);
#undef SET
        return r;
}

int tw_notify_http_post(const char *url, const struct curl_slist *headers, const char *body,
                        size_t len, int64_t timeout_ms, volatile sig_atomic_t *cancel,
                        struct tw_notify_http_result *res)
{
        char errbuf[CURL_ERROR_SIZE] = "";
        struct xfer x = {0, cancel};
        curl_off_t ra = -1;
        CURLcode cr;
        CURL *c;

        memset(res, 0, sizeof(*res));
        res->retry_after_s = -1;
        c = curl_easy_init();
        if (!c) {
                res->error = -ENOMEM;
                return res->error;
        }
        cr = setup(c, url, headers, body, len, timeout_ms, &x, errbuf);
        if (cr == CURLE_OK)
                cr = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
        if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra >= 0)
                res->retry_after_s = ra > TW_RETRY_AFTER_MAX_S ? TW_RETRY_AFTER_MAX_S : (int64_t)ra;
        /* a response cut short by our own cap is still a response */
        if (cr == CURLE_WRITE_ERROR && res->status)
                cr = CURLE_OK;
        res->error = map_error(cr);
        if (cr != CURLE_OK) {
                /* curl's message may quote the URL; use the generic text for the code */
                snprintf(res->error_text, sizeof(res->error_text), "%s", curl_easy_strerror(cr));
        }
        curl_easy_cleanup(c);
        return res->error;
}

char *tw_notify_url_host(const char *url)
{
        CURLU *u = curl_url();
        char *host = NULL, *copy = NULL;

        if (!u)
                return NULL;
        if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
                copy = strdup(host);
        curl_free(host);
        curl_url_cleanup(u);
        return copy;
}
