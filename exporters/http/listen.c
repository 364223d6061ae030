#include "exporters/http/server.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/listen.h"

int tw_listen_parse(const char *listen, struct sockaddr_storage *ret_addr, socklen_t *ret_len)
{
        struct addrinfo hints, *res = NULL;
        struct tw_listen_addr a;
        const char *why;
        char port[8];
        int r;

        r = tw_listen_addr_parse(listen, &a, &why);
        if (r < 0)
                return r;
        snprintf(port, sizeof(port), "%u", a.port);
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
        if (getaddrinfo(a.host, port, &hints, &res) != 0 || !res)
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
