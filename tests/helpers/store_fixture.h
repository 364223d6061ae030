#ifndef TW_TESTS_HELPERS_STORE_FIXTURE_H
#define TW_TESTS_HELPERS_STORE_FIXTURE_H

/*
 * A store fake (tests/sim/stores) and a delivery client pointed at it, for
 * the exporters/deliver integration tests: the fake on 127.0.0.1:0, its
 * credential in a 0600 file, a context with short backoffs, a target of
 * the fake's type.  Failures are cmocka assertions.
 */

#include <stdint.h>

#include "exporters/deliver/deliver.h"
#include "lib/buf.h"
#include "sim/stores/storesim.h"

#define TW_TEST_STORE_CRED "store-credential-0123456789"
#define TW_TEST_STORE_READ_CRED "store-read-credential-0123456789"

struct tw_test_store {
        struct tw_storesim *sim;
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

#endif
