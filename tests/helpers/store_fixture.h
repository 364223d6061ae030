#ifndef TW_TESTS_HELPERS_STORE_FIXTURE_H
#define TW_TESTS_HELPERS_STORE_FIXTURE_H

/*
 * A store fake (tests/sim/stores) and a delivery client pointed at it, for
 * the exporters/deliver integration tests: the fake on 127.0.0.1:0, its
 * credential in a 0600 file, a context with short backoffs, a target of
 * the fake's type.  Failures are cmocka assertions.
 */

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "exporters/deliver/deliver.h"
#include "lib/buf.h"
#include "sim/stores/storesim.h"

#define TW_TEST_STORE_CRED "store-credential-0123456789"
#define TW_TEST_STORE_READ_CRED "store-read-credential-0123456789"

struct tw_test_store {
        struct tw_storesim *sim;
        enum tw_storesim_kind kind;
        const struct tw_deliver_ops *ops; /* the client of the fake's type */
        const char *token_id;             /* what writes name (the test sets it) */
        struct tw_deliver_ctx *ctx;
        struct tw_deliver_target t;
        char dir[256];
        char cred_path[512];
        struct tw_buf err; /* messages of the last failures */
};

/* Starts the fake (o: its options, kind and credentials filled in here; may
 * be NULL) and a target of its type: name "copy", api_url, credential_file. */
void tw_test_store_start(struct tw_test_store *s, enum tw_storesim_kind kind,
                         const struct tw_storesim_options *o);
void tw_test_store_stop(struct tw_test_store *s);
/* Sets a target key (asserts). */
void tw_test_store_set(struct tw_test_store *s, const char *key, const char *value);
/* Rewrites the credential file with credential. */
void tw_test_store_credential(struct tw_test_store *s, const char *credential);
/* An Astro-shaped token value (a JWT whose payload names token_id and iat);
 * the caller frees it. */
char *tw_test_jwt(const char *token_id, int64_t iat);
/* Asserts that no message so far holds needle (a value, a credential). */
void tw_test_store_no_leak(struct tw_test_store *s, const char *needle);
/* The end of a test: prints the messages, asserts that neither value (may
 * be NULL) nor a credential is in them, and stops. */
void tw_test_store_finish(struct tw_test_store *s, const char *value);

/* The client's check and write of the target (a write names s->token_id
 * and expects expect, NULL: nothing known), as the ops return them. */
int tw_test_store_check(struct tw_test_store *s, struct tw_deliver_state *ret);
int tw_test_store_write(struct tw_test_store *s, const char *value,
                        const struct tw_deliver_state *expect, struct tw_deliver_state *after);
/* Asserts that the fake holds want at locator at. */
void tw_test_store_assert_stored(struct tw_test_store *s, const char *at, const char *want);

/* A write on a thread of its own, for a fault that holds it on its way. */
struct tw_test_store_bg {
        struct tw_test_store *s;
        const char *value;
        int r;
        pthread_t thread;
};
void tw_test_store_write_bg(struct tw_test_store_bg *b, struct tw_test_store *s, const char *value);
/* Waits for the write to end; what it returned. */
int tw_test_store_join(struct tw_test_store_bg *b);
/* Waits (a bound, tests/helpers/wait.h) until the fake has taken n API
 * requests, and asserts that it took exactly n. */
void tw_test_store_wait_requests(struct tw_test_store *s, uint64_t n);

/* A request to the fake with its credential in the kind's header (and a
 * User-Agent); asserts want_status unless it is 0.  The parsed answer, or
 * NULL for an empty or unparsable body (the caller frees it). */
cJSON *tw_test_store_raw(struct tw_test_store *s, const char *method, const char *path,
                         const char *body, long want_status);

#endif
