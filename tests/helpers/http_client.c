/* The test HTTP client: see http_client.h. */
#include "helpers/http_client.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static size_t collect(char *data, size_t size, size_t n, void *ud)
{
        return tw_buf_add(ud, data, size * n) == 0 ? size * n : 0;
}

CURLcode tw_test_fetch(unsigned short port, const struct tw_test_request *req,
                       struct tw_test_reply *ret)
{
        struct curl_slist *hdrs = NULL;
        char url[512], ae[256], iface[64];
        CURLcode rc;
        CURL *c;

        memset(ret, 0, sizeof(*ret));
        tw_buf_init(&ret->headers, 0);
        tw_buf_init(&ret->body, 0);
        c = curl_easy_init();
        if (!c)
                return CURLE_OUT_OF_MEMORY;
        snprintf(url, sizeof(url), "%s://127.0.0.1:%u%s", req->https ? "https" : "http", port,
                 req->path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout ? req->timeout : 20L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &ret->body);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &ret->headers);
        if (req->source) {
                snprintf(iface, sizeof(iface), "host!%s", req->source);
                curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
        }
        if (req->method && strcmp(req->method, "HEAD") == 0)
                curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        else if (req->method)
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
        if (req->decode) {
                curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
        } else if (req->accept_encoding) {
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

void tw_test_reply_done(struct tw_test_reply *r)
{
        tw_buf_done(&r->headers);
        tw_buf_done(&r->body);
}

bool tw_test_reply_header(const struct tw_test_reply *r, const char *name, char *out,
                          size_t out_size)
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
