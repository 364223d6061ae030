#ifndef TW_COLLECTORS_ASTRO_MANAGE_H
#define TW_COLLECTORS_ASTRO_MANAGE_H

/*
 * The Astro API token writes a renewal needs (v1, and v1beta1's iam API):
 * create a token, replace its roles, rotate it, delete it, read one, list
 * them, and check that a value authenticates.  One request at a time on the
 * calling thread (lib/http/client.h), with a credential that may manage
 * tokens (Organization Owner, or Workspace Owner for its workspace's
 * tokens).
 *
 * Limits, client-side: POSTs start at most post_rate a second and DELETEs
 * delete_rate a second (Astro's documented 10/s and 5/s); a 429 waits for
 * its Retry-After (or backs off exponentially with jitter) and is retried.
 *
 * Writes and their outcomes: a 429 is retried for every call (the request
 * was refused before it did anything).  A 5xx, a timeout or a connection cut
 * after the request was sent may or may not have committed the write: for
 * the calls that can be repeated safely (roles, delete, get, list, the
 * value check) they are retried; create and rotate are not, and return
 * -EIO ("the outcome is unknown"), for the caller's protocol to find out
 * (agent/rotate: a twin found without its value is deleted and created
 * again; a rotation is repeated).
 *
 * Secrets: the credential (copied, wiped on free) and every value Astro
 * returns are wiped from memory after use: response bodies in the client's
 * buffer, the parsed JSON, the request headers.  A value is handed to the
 * caller in struct tw_astro_issued, which tw_astro_issued_done() wipes.  No
 * message holds a value or the credential.  This module never logs.
 *
 * Errors (negative errno; a message for a person appended to err, Astro's
 * own with its requestId where it sent one):
 *   -EACCES   401: the credential was refused (invalid, expired, revoked)
 *   -EPERM    403: the credential may not: the message names the role needed
 *   -ENOENT   404: no such token
 *   -EINVAL   400: Astro refused the request (its message says which field)
 *   -EAGAIN   still rate limited after the retries
 *   -EIO      create/rotate: the write may have happened, no answer says so
 *   -EPROTO   another status; -EBADMSG an answer that does not parse
 *   -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH, -EKEYREJECTED, -ECANCELED,
 *   -ENOMEM   from the transport
 *
 * Thread-safety: a client is used by one thread at a time.
 * curl_global_init() must have been called.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/inventory.h"

struct tw_astro_config;
struct tw_buf;
struct tw_astro_manage;

struct tw_astro_manage_options {
        const struct tw_astro_config *astro; /* api_url and api_version (borrowed) */
        const char *organization_id;         /* the organization the tokens belong to */
        const char *bearer;                  /* the managing credential (copied) */
        int64_t timeout_ms;                  /* per request; <= 0: 30 s */
        int max_retries;                     /* 0: 5; < 0: none */
        int64_t backoff_base_ms;             /* <= 0: 500 */
        int64_t backoff_max_ms;              /* <= 0: 30000 */
        int64_t max_wait_s;                  /* longest Retry-After waited for; <= 0: 60 */
        double post_rate;                    /* POST starts per second; <= 0: 10 */
        double delete_rate;                  /* DELETE starts per second; <= 0: 5 */
        volatile sig_atomic_t *cancel;       /* non-zero: stop soon (-ECANCELED) */
        const char *user_agent;              /* NULL: "tokenwatch/<version>" */
        uint64_t seed;                       /* backoff jitter */
};

/* A new client.  0, -EINVAL (a required option missing), -ENOMEM. */
int tw_astro_manage_new(const struct tw_astro_manage_options *o, struct tw_astro_manage **ret);
/* Wipes the credential and frees; NULL-safe. */
void tw_astro_manage_free(struct tw_astro_manage *m);

/* What create and rotate return: the token object and its new value. */
struct tw_astro_issued {
        struct tw_token token;
        char *value; /* the secret, shown by Astro this once; wiped by done */
};
void tw_astro_issued_done(struct tw_astro_issued *i);

struct tw_astro_create {
        const char *name;
        const char *description; /* NULL: "" */
        const char *scope;       /* ORGANIZATION | WORKSPACE | DEPLOYMENT */
        const char *entity_id;   /* the workspace or deployment (NULL for ORGANIZATION) */
        const char *role;        /* the role of the token's own scope */
        int expiry_days;         /* 1..3650; 0: never expires */
};

/* POST .../tokens.  On success *ret holds the new token and its value. */
int tw_astro_token_create(struct tw_astro_manage *m, const struct tw_astro_create *c,
                          struct tw_astro_issued *ret, struct tw_buf *err);
/* POST .../tokens/{id}/rotate: the old value stops working at once.
 * scope: the token's, for the message naming the role a 403 needs. */
int tw_astro_token_rotate(struct tw_astro_manage *m, const char *id, const char *scope,
                          struct tw_astro_issued *ret, struct tw_buf *err);
/* POST .../tokens/{id}/roles: replaces the token's roles with roles[0..n). */
int tw_astro_token_set_roles(struct tw_astro_manage *m, const char *id, const char *scope,
                             const struct tw_role *roles, size_t n, struct tw_buf *err);
/* DELETE .../tokens/{id}.  -ENOENT when it is gone already. */
int tw_astro_token_delete(struct tw_astro_manage *m, const char *id, const char *scope,
                          struct tw_buf *err);
/* GET .../tokens/{id} into *ret (tw_token_done() frees it). */
int tw_astro_token_get(struct tw_astro_manage *m, const char *id, struct tw_token *ret,
                       struct tw_buf *err);

/* Called for each listed token; the token is valid during the call only.
 * A negative return stops the listing and is returned. */
typedef int (*tw_astro_token_fn)(void *userdata, const struct tw_token *t);
/* GET .../tokens, every page, filtered by ?filter=id when filter is not
 * NULL ("workspaceId" or "deploymentId": what a Workspace Owner credential
 * may list).  Tokens that do not parse are skipped (counted in
 * *ret_skipped, may be NULL). */
int tw_astro_token_list(struct tw_astro_manage *m, const char *filter, const char *id,
                        tw_astro_token_fn fn, void *userdata, size_t *ret_skipped,
                        struct tw_buf *err);

/* Whether value authenticates: one GET .../organizations with it as the
 * bearer.  0 (it does), -EACCES (401: refused), or an error as above. */
int tw_astro_value_check(struct tw_astro_manage *m, const char *value, struct tw_buf *err);

/* The role a credential needs to manage a token of scope, for messages:
 * "ORGANIZATION_OWNER" or "WORKSPACE_OWNER of its workspace (or
 * ORGANIZATION_OWNER)".  Static storage. */
const char *tw_astro_role_to_manage(const char *scope);

#endif
