#ifndef TW_TESTS_HELPERS_SIM_CLIENT_H
#define TW_TESTS_HELPERS_SIM_CLIENT_H

/*
 * A small libcurl client for the tw-astrosim self-tests (test_sim*.c): raw
 * requests, so those tests see exactly what the simulator answers.  Failures
 * are cmocka assertions.  curl_global_init() must have been called.
 */

#include <curl/curl.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"

#include "sim/sim.h"

#define BASE 1780000000 /* 2026-05-28T20:26:40Z: the demo's base time */
#define DEMO_CRED "cl6657ttnfefw2oilj7qlpiho"

struct tw_test_resp {
        long status;
        CURLcode rc;
        struct tw_buf body; /* the caller frees it with tw_buf_done() */
        char retry_after[16];
};

/* Requests url with method, the bearer (NULL: no Authorization) and body
 * (NULL: none); fills *r. */
void tw_test_req(struct tw_test_resp *r, const char *method, const char *url, const char *bearer,
                 const char *body);
/* GETs path (relative to the sim) with the org credential, asserts the
 * status, and returns the parsed body (the caller frees it). */
cJSON *tw_test_get_json(struct tw_sim *sim, const char *path, long want_status);
/* Starts the sim with tests/fixtures/demo-org.json at BASE. */
struct tw_sim *tw_test_start_demo(void);
/* Writes "<prefix>/organizations/<org>/tokens<query>" into out. */
void tw_test_tokens_path(struct tw_sim *sim, const char *prefix, const char *query, char *out,
                         size_t size);
/* The number member k of o, as an int (0 when absent). */
int tw_test_num(const cJSON *o, const char *k);

#endif
