#include "lib/url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The negative errno for a refused URL. */
static int url_error(CURLUcode c)
{
        switch (c) {
        case CURLUE_OUT_OF_MEMORY:
                return -ENOMEM;
        case CURLUE_BAD_SCHEME:
        case CURLUE_BAD_SLASHES:
        case CURLUE_UNSUPPORTED_SCHEME:
                return -EPROTONOSUPPORT;
        default:
                return -EINVAL;
        }
}

/* Parses url; *ret_https tells the scheme, *ret_host as tw_url_host(). */
static int parse(const char *url, bool *ret_https, char **ret_host)
{
        CURLU *u = curl_url();
        char *scheme = NULL, *host = NULL, *h = NULL;
        size_t len;
        CURLUcode c;
        int r;

        if (!u)
                return -ENOMEM;
        /* Any scheme parses, so that "ftp://" is told apart from garbage. */
        c = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
        if (c == CURLUE_OK)
                c = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
        if (c == CURLUE_OK && strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
                c = CURLUE_UNSUPPORTED_SCHEME;
        if (c == CURLUE_OK)
                c = curl_url_get(u, CURLUPART_HOST, &host, 0);
        if (c != CURLUE_OK) {
                r = url_error(c);
                goto out;
        }
        len = strlen(host);
        if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
                h = strndup(host + 1, len - 2);
        else
                h = strdup(host);
        if (!h) {
                r = -ENOMEM;
                goto out;
        }
        for (char *p = h; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        if (!*h) {
                r = -EINVAL;
                goto out;
        }
        *ret_https = strcmp(scheme, "https") == 0;
        *ret_host = h;
        h = NULL;
        r = 0;
out:
        free(h);
        curl_free(scheme);
        curl_free(host);
        curl_url_cleanup(u);
        return r;
}

int tw_url_host(const char *url, char **ret_host)
{
        bool https;

        return parse(url, &https, ret_host);
}

/* An address or the name localhost, not a name that starts like one. */
static bool host_is_loopback(const char *host)
{
        struct in6_addr a6;
        struct in_addr a4;

        if (inet_pton(AF_INET, host, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127;
        if (inet_pton(AF_INET6, host, &a6) == 1)
                return IN6_IS_ADDR_LOOPBACK(&a6);
        return strcmp(host, "localhost") == 0;
}

int tw_url_check(const char *url)
{
        char *host = NULL;
        bool https;
        int r = parse(url, &https, &host);

        if (r < 0)
                return r;
        if (!https && !host_is_loopback(host))
                r = -EPERM;
        free(host);
        return r;
}
