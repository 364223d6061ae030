#ifndef TW_TESTS_SIM_STORES_STORESIM_H
#define TW_TESTS_SIM_STORES_STORESIM_H

/*
 * tw-storesim: local fakes of the secret stores a token is delivered to,
 * after their public API references (docs in ../shared/delivery-apis.md),
 * errors and limits included: GitHub Actions secrets, GitLab CI/CD
 * variables, Vault KV version 2 and Kubernetes Secrets.  One server is one
 * kind.  Started in-process on 127.0.0.1 (port 0 picks a free one) or as
 * the tw-storesim binary (storesim_main.c).  What each kind implements,
 * and what it does not, is at the top of its file (storesim_github.c,
 * storesim_gitlab.c, storesim_vault.c, storesim_kubernetes.c).
 *
 * Credentials: `credential` may do everything, `read_credential` only read
 * (GitHub "Secrets: read", a Vault read policy, a Kubernetes get-only Role;
 * GitLab has no such role: a Developer's token, refused with 403 on every
 * variable call).  Anything else gets the kind's 401 (Vault: 403).
 *
 * Order of handling a request: rate limit, the first due fault, auth, the
 * route.  Rate limit: rate_limit requests per rate_window_ms per credential
 * (GitHub default 5000 an hour, answered 403 with x-ratelimit-remaining: 0
 * and the x-ratelimit-* headers on every response; others: none unless
 * set, answered 429 with Retry-After and the kind's headers).
 *
 * Faults: struct tw_sim_fault of sim.h (types status, hang, drop,
 * drop_after, malformed; a status fault's body has the kind's error shape
 * and retry_after becomes Retry-After).
 *
 * Locators name a secret for tw_storesim_put/get/remove ("by hand": to make
 * a copy stale or play someone else's write):
 *   github      repo:OWNER/REPO:NAME  env:OWNER/REPO:ENV:NAME  org:ORG:NAME
 *   gitlab      project:PATH:KEY[:SCOPE]  group:PATH:KEY[:SCOPE]  (SCOPE default "*")
 *   vault       [NAMESPACE@]MOUNT:PATH:KEY   (one key of the secret; a new version)
 *   kubernetes  NAMESPACE:NAME:KEY           (one key of data; a new resourceVersion)
 * With value NULL, put only creates the container (GitHub repository,
 * environment or organization, GitLab project or group, Vault mount):
 * requests to a container that does not exist get the kind's 404.
 *
 * Control routes (for the binary; no auth, loopback only):
 *   POST   /_store/put            {"at", "value" (null: container only), "attrs"}
 *   GET    /_store/value?at=LOC   text/plain value, 404 if none
 *   DELETE /_store/value?at=LOC
 *   POST   /_store/faults         fault objects as tw-astrosim's;  DELETE clears them
 *   GET    /_store/stats          {"requests", "writes", "status_429"}
 *   GET    /_store/requests       [{"method","path","auth","status","accept",
 *                                    "api_version","user_agent","content_type"}]
 *   POST   /_store/github/rotate-key?at=repo:O/R | env:O/R:ENV | org:O
 *   GET    /_store/gitlab/id?at=project:PATH | group:PATH   {"id": N}
 *
 * Thread-safety: every function may be called from any thread while the
 * server runs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_sim_fault;
struct tw_storesim;

enum tw_storesim_kind {
        TW_STORESIM_GITHUB,
        TW_STORESIM_GITLAB,
        TW_STORESIM_VAULT,
        TW_STORESIM_KUBERNETES,
};

struct tw_storesim_options {
        enum tw_storesim_kind kind;
        unsigned short port;         /* 0: any free port */
        const char *credential;      /* NULL: "storesim-credential" */
        const char *read_credential; /* NULL: none */
        int rate_limit;              /* requests per window per credential; 0: the
                                        kind's default (GitHub 5000), < 0: none */
        int64_t rate_window_ms;      /* 0: one hour */
        const char *tls_cert_file;   /* with tls_key_file: HTTPS */
        const char *tls_key_file;
};

/* "github", "gitlab", "vault", "kubernetes" to a kind; -EINVAL otherwise. */
int tw_storesim_kind_from_string(const char *s, enum tw_storesim_kind *ret);

/* Starts the server; NULL on failure. */
struct tw_storesim *tw_storesim_start(const struct tw_storesim_options *o);
void tw_storesim_stop(struct tw_storesim *s);
unsigned short tw_storesim_port(const struct tw_storesim *s);
/* "http://127.0.0.1:<port>" or https (owned by s). */
const char *tw_storesim_url(const struct tw_storesim *s);

/* By hand (see the locators above).  attrs: a JSON object of the kind's
 * attributes, or NULL: GitHub organization {"visibility",
 * "selected_repository_ids"}; GitLab {"masked", "hidden", "protected",
 * "raw", "variable_type", "description"}.  0, -EINVAL (bad locator),
 * -ENOENT (get/remove: nothing there), -ENOMEM. */
int tw_storesim_put(struct tw_storesim *s, const char *at, const char *value, const char *attrs);
/* The stored plaintext (the caller frees it).  GitHub: what the sealed box
 * opened to. */
int tw_storesim_get(struct tw_storesim *s, const char *at, char **ret_value);
int tw_storesim_remove(struct tw_storesim *s, const char *at);

/* GitHub: a new key pair for the container (repo:O/R, env:O/R:ENV, org:O):
 * values sealed to the old key are refused (422) from now on. */
int tw_storesim_github_rotate_key(struct tw_storesim *s, const char *at);
/* GitLab: the numeric id of project:PATH or group:PATH (created if new). */
long tw_storesim_gitlab_id(struct tw_storesim *s, const char *at);

int tw_storesim_add_fault(struct tw_storesim *s, const struct tw_sim_fault *f);
void tw_storesim_clear_faults(struct tw_storesim *s);

struct tw_storesim_stats {
        uint64_t requests;   /* API requests (control routes excluded) */
        uint64_t writes;     /* API writes that changed something */
        uint64_t status_429; /* 429s (and GitHub's rate-limit 403s) answered */
};
void tw_storesim_get_stats(const struct tw_storesim *s, struct tw_storesim_stats *ret);

/* One API request, logged when answered.  auth: "full", "read", "bad" or
 * "none" (never the credential); headers as sent, NULL if absent. */
struct tw_storesim_request {
        char *method, *path, *auth;
        int status; /* 0: dropped */
        char *accept, *api_version, *user_agent, *content_type;
};
int tw_storesim_get_requests(const struct tw_storesim *s, struct tw_storesim_request **ret,
                             size_t *ret_n);
void tw_storesim_requests_free(struct tw_storesim_request *r, size_t n);

#endif
