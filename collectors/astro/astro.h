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

#endif
