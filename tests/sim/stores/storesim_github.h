#ifndef TW_TESTS_SIM_STORES_STORESIM_GITHUB_H
#define TW_TESTS_SIM_STORES_STORESIM_GITHUB_H

/*
 * Internal to the GitHub fake: its state (storesim_github_state.c) for its
 * routes (storesim_github.c).  s->lock held throughout.
 */

#include <stdbool.h>

#include "storesim_internal.h"

/* Where a request or locator points: the container and the secret name. */
struct gh_where {
        struct cJSON *box;  /* the repository, environment or organization; NULL if none */
        struct cJSON *repo; /* the repository (env: its repository) */
        bool org;           /* an organization's secrets */
        char name[256];     /* upper-cased; "" for the container or a list */
        char org_name[128];
};

/* Resolves repository "O/R" [env], or organization a (kind "org"), into w;
 * create: make what is missing (a key pair for each container). */
int gh_resolve(struct tw_storesim *s, const char *kind, const char *a, const char *env, bool create,
               struct gh_where *w);
/* Opens the sealed box of a PUT body with w's key into *ret (wipe and free
 * it); NULL, or the 422 message. */
const char *gh_open_box(const struct gh_where *w, const struct cJSON *body, char **ret);
/* Stores value as secret name of box; its object. */
struct cJSON *gh_store_secret(struct cJSON *box, const char *name, const char *value,
                              bool *ret_created);
int gh_put(struct tw_storesim *s, const char *at, const char *value, const struct cJSON *attrs);
int gh_get(struct tw_storesim *s, const char *at, char **ret_value);
int gh_remove(struct tw_storesim *s, const char *at);

#endif
