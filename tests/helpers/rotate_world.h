#ifndef TW_TESTS_HELPERS_ROTATE_WORLD_H
#define TW_TESTS_HELPERS_ROTATE_WORLD_H

/*
 * A world for renewal tests: tw-astrosim (the demo organization plus a
 * WORKSPACE token "ci-deploy-prod" three days from expiry), one fake of
 * each store (GitHub, GitLab, Vault, Kubernetes) and a file copy, each
 * holding the token's current value, and a configuration naming them
 * ([deliver.github], [deliver.gitlab], [deliver.vault], [deliver.kubernetes],
 * [deliver.file]) with [rotation] token_file the owner's credential.
 * Failures are cmocka assertions.  curl_global_init() must have run.
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/config/config.h"
#include "sim/sim.h"
#include "sim/stores/storesim.h"

#define TW_RW_TOKEN "clrenew0000000000000000001"
#define TW_RW_NAME "ci-deploy-prod"
#define TW_RW_WS "cwuo8oc09zcke5raw4y1tgy5c"
#define TW_RW_OWNER "clvq1zxzf1eas1v6a29ybbgat"

struct tw_rw {
        struct tw_sim *sim;
        struct tw_storesim *stores[4]; /* by enum tw_storesim_kind */
        char dir[256];
        char state_dir[512], file_copy[512], config_path[512];
        struct tw_config *cfg;
        char *value; /* the token's value the copies hold at start */
};

/* The locators of each store's copy (tw_storesim_get). */
extern const char *const tw_rw_at[4];

/* Starts everything; extra (may be NULL) is appended to the configuration
 * (e.g. "[rotation]\nretire_after = 0\n" keys go in `rotation`). */
void tw_rw_start(struct tw_rw *w, const char *rotation, const char *extra);
/* Loads the configuration again (after tw_rw_write_config). */
void tw_rw_reload(struct tw_rw *w, const char *rotation, const char *extra);
void tw_rw_stop(struct tw_rw *w);

/* The value copy k (0..3 a store kind, 4 the file) holds, or NULL; the
 * caller frees it. */
char *tw_rw_copy_value(struct tw_rw *w, int k);
/* The live tokens named name (tw_sim_tokens_json "live_value"), their ids
 * into ids (may be NULL, up to 8). */
size_t tw_rw_live_named(struct tw_rw *w, const char *name, char ids[][64]);
/* The current value of a token (tw_sim_token_credential); freed by the caller. */
char *tw_rw_value_of(struct tw_rw *w, const char *id);
/* Store writes so far, every kind added up. */
unsigned long tw_rw_store_writes(struct tw_rw *w);

#endif
