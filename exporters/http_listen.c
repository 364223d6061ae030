#include "exporters/http_server.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* Splits listen into host (NULL: none given) and port, into caller buffers. */
static int split(const char *listen, char *host, size_t host_size, char *port, size_t port_size,
                 bool *ret_bare)
{
        const char *colon, *p;
        size_t hn;

        *ret_bare = false;
        if (listen[0] == '[') {
                const char *close = strchr(listen, ']');

                if (!close || close[1] != ':')
                        return -EINVAL;
                hn = (size_t)(close - listen - 1);
                if (hn == 0 || hn >= host_size)
                        return -EINVAL;
                memcpy(host, listen + 1, hn);
                host[hn] = '\0';
                p = close + 2;
        } else {
                colon = strrchr(listen, ':');
                if (!colon) {
                        *ret_bare = true;
                        strcpy(host, "127.0.0.1");
                        p = listen;
                } else {
                        hn = (size_t)(colon - listen);
                        if (hn >= host_size || memchr(listen, ':', hn))
                                return -EINVAL; /* IPv6 needs brackets */
                        memcpy(host, listen, hn);
                        host[hn] = '\0';
                        if (hn == 0)
                                strcpy(host, "0.0.0.0");
                        p = colon + 1;
                }
        }
        if (!*p || strlen(p) >= port_size || strspn(p, "0123456789") != strlen(p) ||
            atol(p) > 65535)
                return -EINVAL;
        strcpy(port, p);
        return 0;
}

int tw_listen_parse(const char *listen, struct sockaddr_storage *ret_addr, socklen_t *ret_len)
{
        struct addrinfo hints, *res = NULL;
        char host[256], port[8];
        bool bare;
        int r;

        if (!listen || !*listen)
                return -EINVAL;
        r = split(listen, host, sizeof(host), port, sizeof(port), &bare);
        if (r < 0)
                return r;
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
        if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
                return -EINVAL;
        if (res->ai_addrlen > sizeof(*ret_addr)) {
                freeaddrinfo(res);
                return -EINVAL;
        }
        memset(ret_addr, 0, sizeof(*ret_addr));
        memcpy(ret_addr, res->ai_addr, res->ai_addrlen);
        *ret_len = res->ai_addrlen;
        freeaddrinfo(res);
        return 0;
}

bool tw_sockaddr_is_loopback(const struct sockaddr *sa)
{
        if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

                return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
        }
        if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
                const unsigned char *a = in6->sin6_addr.s6_addr;
                static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

                if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
                        return true;
                return memcmp(a, mapped, sizeof(mapped)) == 0 && a[12] == 127;
        }
        return false;
}
