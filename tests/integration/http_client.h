/* A small libcurl client for the metrics server's integration tests:
 * one request, status, headers and body captured.  Header-only, included
 * by test_http_server.c. */
#ifndef TW_TESTS_INTEGRATION_HTTP_CLIENT_H
#define TW_TESTS_INTEGRATION_HTTP_CLIENT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"

struct reply {
        long status;
        struct tw_buf headers;
        struct tw_buf body;
};

struct request {
        const char *method; /* NULL: GET */
        const char *path;
        const char *accept_encoding; /* raw header value, NULL: none */
        bool decode;                 /* let curl decode gzip */
        const char *userpwd;         /* "user:password" or NULL */
        bool https;
        const char *ca_file; /* server CA for https */
        const char *client_cert, *client_key;
};

static inline size_t collect(char *data, size_t size, size_t n, void *ud)
{
        return tw_buf_add(ud, data, size * n) == 0 ? size * n : 0;
}

/* Performs req against 127.0.0.1:port; returns the CURLcode. */
static inline CURLcode fetch(unsigned short port, const struct request *req, struct reply *ret)
{
        struct curl_slist *hdrs = NULL;
        char url[512], ae[256];
        CURLcode rc;
        CURL *c = curl_easy_init();

        assert_non_null(c);
        memset(ret, 0, sizeof(*ret));
        tw_buf_init(&ret->headers, 0);
        tw_buf_init(&ret->body, 0);
        snprintf(url, sizeof(url), "%s://127.0.0.1:%u%s", req->https ? "https" : "http", port,
                 req->path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &ret->body);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &ret->headers);
        if (req->method && strcmp(req->method, "HEAD") == 0)
                curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        else if (req->method)
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
        if (req->decode)
                curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
        else if (req->accept_encoding) {
                snprintf(ae, sizeof(ae), "Accept-Encoding: %s", req->accept_encoding);
                hdrs = curl_slist_append(hdrs, ae);
                curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        }
        if (req->userpwd) {
                curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
                curl_easy_setopt(c, CURLOPT_USERPWD, req->userpwd);
        }
        if (req->ca_file)
                curl_easy_setopt(c, CURLOPT_CAINFO, req->ca_file);
        if (req->client_cert) {
                curl_easy_setopt(c, CURLOPT_SSLCERT, req->client_cert);
                curl_easy_setopt(c, CURLOPT_SSLKEY, req->client_key);
        }
        rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(c);
        return rc;
}

static inline void reply_done(struct reply *r)
{
        tw_buf_done(&r->headers);
        tw_buf_done(&r->body);
}

/* The value of header name in r (case-insensitive), copied into out; false if absent. */
static inline bool header(const struct reply *r, const char *name, char *out, size_t out_size)
{
        size_t n = strlen(name);

        for (const char *p = r->headers.ptr; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
                        const char *v = p + n + 1;
                        size_t len = strcspn(v, "\r\n");

                        while (*v == ' ')
                                v++, len--;
                        snprintf(out, out_size, "%.*s", (int)len, v);
                        return true;
                }
        }
        return false;
}

#endif
