#include "core/config/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#define LISTEN_WHY "expected host:port, [address]:port or a port (0 picks a free one)"

/* A decimal port 0..65535, the whole of s. */
static bool parse_port(const char *s, unsigned *ret)
{
        unsigned v = 0;

        if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
                return false;
        for (; *s; s++)
                v = v * 10 + (unsigned)(*s - '0');
        if (v > 65535)
                return false;
        *ret = v;
        return true;
}

/* A host name's characters (RFC 1123 labels), or a dotted IPv4 address. */
static bool valid_host(const char *h)
{
        unsigned char buf[sizeof(struct in_addr)];

        if (!*h || strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
                           strlen(h))
                return false;
        if (strspn(h, "0123456789.") == strlen(h)) /* looks numeric: must be an address */
                return inet_pton(AF_INET, h, buf) == 1;
        return h[0] != '-' && h[0] != '.';
}

int tw_listen_addr_parse(const char *listen, struct tw_listen_addr *ret, const char **ret_why)
{
        struct tw_listen_addr a = {{0}, 0};
        unsigned char v6[sizeof(struct in6_addr)];
        const char *colon, *port;
        size_t hn;

        *ret_why = LISTEN_WHY;
        if (!listen || !*listen)
                return -EINVAL;
        if (listen[0] == '[') {
                const char *close = strchr(listen, ']');

                if (!close || close[1] != ':') {
                        *ret_why = "expected [address]:port";
                        return -EINVAL;
                }
                hn = (size_t)(close - listen - 1);
                if (hn == 0 || hn >= sizeof(a.host)) {
                        *ret_why = "expected [address]:port";
                        return -EINVAL;
                }
                memcpy(a.host, listen + 1, hn);
                if (inet_pton(AF_INET6, a.host, v6) != 1) {
                        *ret_why = "not an IPv6 address between the brackets";
                        return -EINVAL;
                }
                port = close + 2;
        } else if (!(colon = strchr(listen, ':'))) {
                strcpy(a.host, "127.0.0.1");
                port = listen;
        } else if (strchr(colon + 1, ':')) {
                *ret_why = "an IPv6 address needs brackets, e.g. [::1]:9842";
                return -EINVAL;
        } else {
                hn = (size_t)(colon - listen);
                if (hn >= sizeof(a.host))
                        return -EINVAL;
                memcpy(a.host, listen, hn);
                if (hn == 0)
                        strcpy(a.host, "0.0.0.0");
                else if (!valid_host(a.host)) {
                        *ret_why = "expected an IPv4 address or a host name before the port";
                        return -EINVAL;
                }
                port = colon + 1;
        }
        if (!parse_port(port, &a.port))
                return -EINVAL;
        *ret = a;
        return 0;
}
