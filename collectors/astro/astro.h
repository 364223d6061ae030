#ifndef TW_COLLECTORS_ASTRO_ASTRO_H
#define TW_COLLECTORS_ASTRO_ASTRO_H

/*
 * The Astro API collector: lists workspaces, deployments, users and tokens
 * of one organization through a transport and fills a new inventory.
 *
 * A listing that fails (HTTP error, bad JSON, a body over the cap) is
 * recorded in the inventory's errors with a message for a person; the other
 * listings' data survives.  Runs on the calling thread.
 */

#include <signal.h>
#include <stdint.h>

#include "lib/buf.h"

struct tw_astro_config;
struct tw_buf;
struct tw_config;
struct tw_credential_info;
struct tw_inventory;
struct tw_transport;

/* The libcurl transport the [astro] settings ask for, with bearer as the
 * credential (copied), cancel polled to abort (may be NULL) and a deadline
 * (tw_mono_ns() time, 0: none) past which every listing still running fails.
 * NULL on -ENOMEM.  curl_global_init() must have been called. */
struct tw_transport *tw_astro_transport_new(const struct tw_config *cfg, const char *bearer,
                                            volatile sig_atomic_t *cancel, int64_t deadline_ns);

/* The same for one organization ([astro] or [astro.NAME]): each has its own
 * transport, hence its own rate limiter and connection limit. */
struct tw_transport *tw_astro_transport_new_org(const struct tw_astro_config *a, const char *bearer,
                                                volatile sig_atomic_t *cancel, int64_t deadline_ns);

/* One collection.  Returns 0 and a new inventory (possibly incomplete), or
 * -ENOMEM / -ECANCELED with no inventory. */
int tw_astro_collect(const struct tw_config *cfg, const struct tw_credential_info *cred,
                     struct tw_transport *transport, int64_t now, struct tw_inventory **ret_inv);
/* One collection of one organization's settings. */
int tw_astro_collect_org(const struct tw_astro_config *a, const struct tw_credential_info *cred,
                         struct tw_transport *transport, int64_t now,
                         struct tw_inventory **ret_inv);

/* The one line that says why no listing of organization a could be made
 * and what to do, appended to out: the API refused the credential (res is
 * a 401), or the host in api_url is unreachable (tw_http_unreachable()). */
struct tw_http_result;
void tw_astro_describe_refusal(const struct tw_astro_config *a, const struct tw_http_result *res,
                               struct tw_buf *out);
void tw_astro_describe_unreachable(const struct tw_astro_config *a,
                                   const struct tw_http_result *res, struct tw_buf *out);

/* Where tw_astro_collect_one() stopped. */
enum tw_astro_step {
        TW_ASTRO_COLLECTED,  /* an inventory (which may hold failed listings) */
        TW_ASTRO_CREDENTIAL, /* the credential could not be used: message says why */
        TW_ASTRO_TRANSPORT,  /* no transport (-ENOMEM) */
        TW_ASTRO_COLLECTION, /* the collection itself (-ENOMEM, -ECANCELED) */
};

/* One organization's collection from start to end, as `report` and the
 * daemon both run it.  Owned by the caller: tw_astro_one_done() frees it. */
struct tw_astro_one {
        enum tw_astro_step step;
        int error;                      /* 0, or the -errno where step stopped */
        struct tw_buf message;          /* a credential failure, for a person (no secret) */
        struct tw_inventory *inv;       /* NULL unless step is TW_ASTRO_COLLECTED */
        struct tw_transport *transport; /* kept for its statistics; NULL if none */
        int64_t credential_expiry;      /* TW_NO_TIME unless the credential loaded */
        char organization_id[128];      /* the credential's, "" unless it loaded */
};

/* Loads a's credential (its expiry checked against credential_now), makes
 * a's transport (cancel and deadline_ns as for tw_astro_transport_new_org())
 * and collects (now as the inventory's time).  0 with ret->inv, or the
 * -errno of the step that failed (ret->step, ret->error).  Never logs: the
 * caller decides how often a failure is worth a line.  ret is always
 * initialised, to be freed with tw_astro_one_done(). */
int tw_astro_collect_one(const struct tw_astro_config *a, int64_t credential_now, int64_t now,
                         volatile sig_atomic_t *cancel, int64_t deadline_ns,
                         struct tw_astro_one *ret);
void tw_astro_one_done(struct tw_astro_one *one);

#endif
