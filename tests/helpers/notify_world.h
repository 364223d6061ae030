#ifndef TW_TESTS_HELPERS_NOTIFY_WORLD_H
#define TW_TESTS_HELPERS_NOTIFY_WORLD_H

/*
 * The notifier integration tests' shared world: a state directory, two
 * webhook receivers on 127.0.0.1 port 0, the config and the notifier under
 * test.  nf_world_setup/teardown are cmocka setup and teardown functions;
 * the test owns w->cfg and w->n (teardown frees them).
 */

#include "helpers/wait.h"
#include "helpers/webhook_receiver.h"

struct tw_config;
struct tw_notifier;
struct tw_notifier_options;

struct nf_world {
        char dir[64];
        struct tw_webhook_receiver *rx, *rx2;
        struct tw_config *cfg;
        struct tw_notifier *n;
};

int nf_world_setup(void **state);
int nf_world_teardown(void **state);

/* The notifier tests' name for tests/helpers/wait.h: polls until cond
 * holds; fails the test after 30 s (a deadline, not a timing assertion). */
#define NF_WAIT_FOR(cond) TW_TEST_WAIT_FOR(cond, TW_TEST_WAIT_MS)

/* A config from the formatted text; fails the test if it does not load. */
struct tw_config *nf_config(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A notifier on w's config and directory; o NULL: fast backoff (5 to 20 ms).
 * Fails the test if it cannot be made. */
struct tw_notifier *nf_notifier(struct nf_world *w, const struct tw_notifier_options *o);

#endif
