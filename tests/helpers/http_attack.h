#ifndef TW_TESTS_HELPERS_HTTP_ATTACK_H
#define TW_TESTS_HELPERS_HTTP_ATTACK_H

/*
 * Hostile clients for the metrics server's tests and benchmark, on loopback
 * only: they connect to 127.0.0.1:port from the addresses 127.0.0.2,
 * 127.0.0.3, ... (the whole of 127/8 is loopback on Linux), so a scraper on
 * 127.0.0.1 is "another client".  Each attack runs on its own threads,
 * reconnects whenever the server closes a socket, and stops by itself after
 * a bounded time (or at tw_test_attack_stop()).
 *
 *   slowloris       holds `sockets` connections, each sending one byte of an
 *                   endless request header every byte_interval_ms
 *   password flood  `sockets` connections in a loop, each sending a request
 *                   with the given (wrong) Authorization header and reading
 *                   the answer
 */

#include <stdbool.h>

enum tw_test_attack_kind {
        TW_TEST_SLOWLORIS,
        TW_TEST_PASSWORD_FLOOD,
};

struct tw_test_attack_options {
        enum tw_test_attack_kind kind;
        unsigned short port;
        unsigned sockets;          /* connections held at once */
        unsigned sources;          /* source addresses, from 127.0.0.2; 0: 1 */
        unsigned seconds;          /* runs at most this long; 0: 60 */
        unsigned byte_interval_ms; /* slowloris; 0: 3000 */
        const char *authorization; /* flood: the Authorization header value */
};

struct tw_test_attack_stats {
        unsigned long connects;   /* connections opened */
        unsigned long closed;     /* closed by the server (EOF or reset) */
        unsigned long responses;  /* flood: complete status lines read */
        unsigned long status_401; /* flood */
        unsigned long status_429; /* flood */
        unsigned long max_open;   /* the most sockets connected at once */
};

struct tw_test_attack;

/* Starts the attack.  0, -ENOMEM, -EINVAL or -errno (thread creation). */
int tw_test_attack_start(const struct tw_test_attack_options *o, struct tw_test_attack **ret);
/* Copies the counts so far to ret, while the attack runs: a test waits
 * on them for the attack to take hold. */
void tw_test_attack_stats(struct tw_test_attack *a, struct tw_test_attack_stats *ret);
/* Stops the attack (within the 10 s a flood socket waits for an answer),
 * joins its threads, copies its counts
 * to ret (may be NULL) and frees it.  NULL-safe. */
void tw_test_attack_stop(struct tw_test_attack *a, struct tw_test_attack_stats *ret);

#endif
