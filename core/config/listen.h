#ifndef TW_CORE_CONFIG_LISTEN_H
#define TW_CORE_CONFIG_LISTEN_H

/*
 * The one parser of listen addresses ([agent] listen): check-config and the
 * metrics server both call it, so what the first accepts the second can
 * bind.  Accepted forms:
 *
 *   127.0.0.1:9842   an IPv4 address and a port
 *   [::1]:9842       an IPv6 address in brackets and a port
 *   localhost:9842   a host name (resolved by the server, not here)
 *   :9842            every IPv4 interface (0.0.0.0)
 *   9842             127.0.0.1
 *
 * The port is 0..65535 (0 picks a free one).  An IPv6 address without
 * brackets ("::1:9842") is refused: its port cannot be told apart.
 * Pure function (no name resolution); thread-safe.
 */

#include <stddef.h>

#define TW_LISTEN_HOST_MAX 256

struct tw_listen_addr {
        char host[TW_LISTEN_HOST_MAX]; /* address or name, without brackets */
        unsigned port;
};

/* Parses listen into *ret.  -EINVAL with *ret_why (static text for a
 * person) if malformed.  *ret is written on success only. */
int tw_listen_addr_parse(const char *listen, struct tw_listen_addr *ret, const char **ret_why);

#endif
