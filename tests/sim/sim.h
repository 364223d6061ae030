#ifndef TW_TESTS_SIM_SIM_H
#define TW_TESTS_SIM_SIM_H

/*
 * tw-astrosim: a test Astro API server (libmicrohttpd) serving fixture
 * organizations in both API generations, for integration tests, the demo and
 * the benchmarks.  Started in-process on 127.0.0.1 (port 0 picks a free one)
 * or as the tw-astrosim binary.
 *
 * Routes (prefix /v1, or /iam/v1beta1 for tokens and users and
 * /platform/v1beta1 for organizations, workspaces and deployments):
 *   GET {p}/organizations
 *   GET {p}/organizations/{org}/tokens      ?workspaceId ?deploymentId
 *                                           ?includeOnlyOrganizationTokens ?offset ?limit ?sorts
 *   GET {p}/organizations/{org}/tokens/{id}       404 when gone
 *   GET {p}/organizations/{org}/users       ?workspaceId ?offset ?limit
 *   GET {p}/organizations/{org}/users/{id}
 *   GET {p}/organizations/{org}/workspaces  ?workspaceIds ?offset ?limit
 *   GET {p}/organizations/{org}/deployments ?workspaceIds ?offset ?limit
 *   GET {p}/organizations/{org}/audit-logs  ?startDate ?endDate  (v1 and platform)
 *       gzipped NDJSON of the entries in [startDate, endDate), streamed;
 *       403 for a workspace credential; 2 calls a minute per credential
 *       (see struct tw_sim_options and sim_audit.c)
 * Token writes (v1 and /iam/v1beta1; see sim_write.c for every rule):
 *   POST   {p}/organizations/{org}/tokens              create: {name, description, role,
 *          scope (v1beta1: type), entityId, tokenExpiryPeriodInDays}: 200, the token
 *          object with "token", its value, this once
 *   POST   {p}/organizations/{org}/tokens/{id}/rotate  200, the object with the new "token";
 *          the old value is refused (401) at once; lastRotatedAt, startAt, shortToken and
 *          (unless rotate_keeps_end) endAt change
 *   POST   {p}/organizations/{org}/tokens/{id}/roles   {"roles": [...]} replaces the roles
 *   POST   {p}/organizations/{org}/tokens/{id}         {name?, description?}
 *   DELETE {p}/organizations/{org}/tokens/{id}         204; its value is refused from then on
 * Values are JWTs (payload apiTokenId, iat, exp, permissions "organizationId:<org>") that
 * authenticate as their token: an ORGANIZATION token reads organization-wide, a
 * WORKSPACE (or DEPLOYMENT) token like a workspace credential of its workspace.
 * Managing tokens needs ORGANIZATION_OWNER (WORKSPACE_OWNER of the workspace for
 * that workspace's WORKSPACE and DEPLOYMENT tokens); anything else is a 403.  POSTs
 * are limited to post_rate a second and DELETEs to delete_rate a second per
 * credential (429, with Retry-After: 1 when rate_limit_retry_after).  Times in
 * the objects and iat/exp in the values come from the sim's clock
 * (tw_sim_now()).
 *
 * Paging as documented: offset default 0, limit default 20, limit > 1000 is
 * a 400 (tokens, users, workspaces).  Errors carry {"message","requestId",
 * "statusCode"}.  v1beta1 tokens carry "type" instead of "scope" and no "kind".
 *
 * Filters: tokens ?workspaceId=W lists tokens holding a WORKSPACE role on W
 * or a DEPLOYMENT role on one of W's deployments (so an organization token
 * added to W is included); ?deploymentId=D, a DEPLOYMENT role on D;
 * ?includeOnlyOrganizationTokens=true, scope ORGANIZATION.  Filters combine
 * with AND.  workspaceIds (workspaces, deployments) is comma-separated
 * and/or repeated.  sorts: name, description, createdAt, updatedAt,
 * tokenStartAt with :asc/:desc (anything else is a 400).  Default order: the
 * fixture's.
 *
 * Auth: Authorization: Bearer <credential>.  Unknown or missing: 401.  A
 * workspace credential may list tokens only with ?workspaceId= of its own
 * workspace; anything organization-wide is a 403.
 * (Also: a workspace credential may list users ?workspaceId= and
 * workspaces/deployments ?workspaceIds= of its own workspace only, and
 * GET {p}/organizations; an organization id other than the sim's is a 403
 * for any credential; a method other than GET, POST or DELETE is a 405.)
 *
 * Order of handling an API request: rate limit (429), then latency_ms, then
 * the first due fault, then auth (401/403), then the route.
 *
 * Control (for the binary and for shell tests; no auth, loopback only):
 *   POST /_sim/faults        body: JSON array of fault objects (see struct tw_sim_fault)
 *   DELETE /_sim/faults      clears faults
 *   DELETE /_sim/tokens/{id} removes a token
 *   PUT /_sim/tokens/{id}    body: a token object replacing (or adding) it
 *   GET /_sim/stats          JSON of struct tw_sim_stats (plus "tokens": the count)
 *   DELETE /_sim/stats       tw_sim_reset_stats()
 *   GET /_sim/requests       the request log: [{"path","auth","status","start_ns"}]
 *   POST /_sim/audit-logs    body: NDJSON audit entries to add ({"added": n})
 *   GET /_sim/writes         JSON of struct tw_sim_writes (committed token writes)
 *   GET /_sim/tokens         the listed tokens (never a value), each with "live_value":
 *                            whether a minted value of it authenticates
 *   POST /_sim/tokens/{id}/credential   text/plain: the token's current value
 *                            (minted if it has none), for shell tests
 * Fault objects: {"type": "status"|"hang"|"malformed"|"truncated"|"wrong_type"|
 * "missing_field"|"huge"|"drop"|"drop_after", "match", "method", "status" (default 500),
 * "retry_after" (default -1: none), "hang_ms", "huge_bytes", "count", "skip"};
 * POST also takes a single object.  Bodies are capped at 1 MiB.
 *
 * Fixtures: the JSON format is documented at the top of sim_fixture.c:
 *   {"organization": {"id","name"}, "credential_token_id": "<token id>",
 *    "workspaces": [...], "deployments": [...], "users": [...],
 *    "tokens": [v1 ApiToken objects]}
 * Members named "...At" may be relative to base_time: "@-100d", "@+3d",
 * "@-2h", "@+0s" (optionally "@-2h.118" for milliseconds); a relative
 * "lastUsedAt" is served with ".123Z".  tests/fixtures/demo-org.json is the
 * demo organization (org id cm9r8jgormxbek92l8s8wppie, credential token
 * cl6657ttnfefw2oilj7qlpiho "tokenwatch-agent", expiring base_time + 60 d).
 *
 * Thread-safety: every function may be called from any thread while the
 * server runs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_sim;

struct tw_sim_options {
        const char *fixture_path;    /* JSON fixture; NULL: empty organization */
        int64_t base_time;           /* resolves "@+3d"-style times in the fixture; 0: now */
        unsigned short port;         /* 0: any free port */
        int latency_ms;              /* added to every API response */
        double rate_limit;           /* > 0: answer 429 above this many requests/s */
        bool rate_limit_retry_after; /* send Retry-After with those 429s */
        /* Generated organization (added to the fixture): n tokens spread over
         * n_workspaces workspaces (with one deployment each), users, and a
         * mix of scopes, expiries and creators.  Deterministic.  n_workspaces
         * 0: n / 20.  Without a credential_token_id in the fixture, generated
         * token 0 ("tokenwatch-agent", ORGANIZATION_MEMBER, expiring in 60 d)
         * is the credential's, so the org holds exactly n tokens.  With
         * neither fixture nor generation the org is empty and the credential
         * names a token that is not listed. */
        size_t generate_tokens;
        size_t generate_workspaces;
        /* Audit logs (GET {p}/organizations/{org}/audit-logs, /v1 and
         * /platform/v1beta1): an NDJSON fixture of entries (NULL: none;
         * "timestamp" may be relative, "@-3d"), generated entries spread
         * evenly over the 90 days before base_time (for benchmarks), a raw
         * gzip body without Content-Encoding, 403 for every credential, and
         * the per-credential rate: audit_calls (0: the documented 2) per
         * audit_window_ms (0: 60000), 429 with Retry-After above it.
         * The entries of a window come oldest first, or newest first with
         * audit_newest_first (the order is not documented).  A "truncated"
         * fault cuts an audit-log body after half its entries (the
         * connection closes without the end of the chunked body).
         * audit_ignore_end_date serves entries after endDate too, as a
         * server that does not honour it would. */
        const char *audit_fixture_path;
        size_t audit_generate;
        bool audit_raw_gzip;
        bool audit_forbidden;
        bool audit_newest_first;
        bool audit_ignore_end_date;
        int audit_calls;
        int64_t audit_window_ms;
        /* Token writes: rotate keeps endAt (the reference does not say
         * whether it restarts), and the write limits per credential
         * (0: the documented POST 10/s and DELETE 5/s; < 0: none). */
        bool rotate_keeps_end;
        double post_rate;
        double delete_rate;
};

/* A fault injected into requests whose path+query contains match (NULL or
 * "" matches every API request).  It applies to the next `count` matching
 * requests (0: forever), after `skip` matching requests pass untouched. */
enum tw_sim_fault_type {
        TW_SIM_FAULT_STATUS,        /* answer `status` with an error body */
        TW_SIM_FAULT_HANG,          /* sleep hang_ms, then answer normally */
        TW_SIM_FAULT_MALFORMED,     /* 200 with a body that is not JSON */
        TW_SIM_FAULT_TRUNCATED,     /* 200 with the real body cut in half */
        TW_SIM_FAULT_WRONG_TYPE,    /* 200 with a token whose "name" is a number */
        TW_SIM_FAULT_MISSING_FIELD, /* 200 with a token lacking "id" */
        TW_SIM_FAULT_HUGE,          /* 200 with a body of huge_bytes bytes (0: 80 MiB) */
        TW_SIM_FAULT_DROP,          /* close the connection without answering */
        TW_SIM_FAULT_DROP_AFTER,    /* handle the request (a write commits), then close
                                       the connection without answering */
};

/* Note: retry_after 0 sends "Retry-After: 0"; set -1 for no header. */
struct tw_sim_fault {
        enum tw_sim_fault_type type;
        const char *match;
        const char *method; /* "POST", ...: only requests of this method; NULL: any */
        int status;         /* TW_SIM_FAULT_STATUS */
        int retry_after;    /* seconds, < 0: no Retry-After header */
        int hang_ms;
        size_t huge_bytes;
        unsigned count;
        unsigned skip;
};

struct tw_sim_stats {
        uint64_t requests;   /* API requests (control routes excluded) */
        uint64_t status_429; /* 429s answered (faults and rate limit) */
        uint64_t faults;     /* requests a fault was applied to (a hang: from its start) */
        int max_in_flight;   /* most API requests being served at once */
        double max_rate_1s;  /* most API requests started within any 1 s window */
};

/* One recorded API request, logged when answered (so in answer order;
 * start_ns is its arrival).  Dropped connections have status 0. */
struct tw_sim_request {
        char *method;
        char *path; /* path and query, e.g. "/v1/organizations/o/tokens?limit=1000" */
        char *auth; /* "bearer-ok", "bearer-bad" or "none": never the credential */
        int status;
        int64_t start_ns; /* CLOCK_MONOTONIC */
};

/* Faults are examined in the order added; each matching fault counts the
 * request against its skip; the first one due is applied (WRONG_TYPE,
 * MISSING_FIELD change the first listed item, or the single object; they and
 * TRUNCATED apply only to what would have been a 200). */

/* Starts the server; NULL on failure (fixture errors go to stderr). */
struct tw_sim *tw_sim_start(const struct tw_sim_options *opts);
void tw_sim_stop(struct tw_sim *sim);
unsigned short tw_sim_port(const struct tw_sim *sim);
/* "http://127.0.0.1:<port>" (owned by sim). */
const char *tw_sim_url(const struct tw_sim *sim);
const char *tw_sim_organization_id(const struct tw_sim *sim);

/* The organization credential: a JWT whose payload carries exp, iat,
 * apiTokenId and permissions ["organizationId:<org>"]  (owned by sim). */
const char *tw_sim_org_credential(const struct tw_sim *sim);
/* Mints a workspace credential for workspace_id (owned by sim). */
const char *tw_sim_workspace_credential(struct tw_sim *sim, const char *workspace_id);
/* Writes the organization credential to path with mode 0600. */
int tw_sim_write_credential(const struct tw_sim *sim, const char *path);

int tw_sim_add_fault(struct tw_sim *sim, const struct tw_sim_fault *fault);
void tw_sim_clear_faults(struct tw_sim *sim);
int tw_sim_remove_token(struct tw_sim *sim, const char *token_id);
/* Adds or replaces a token from a v1 token JSON object (times may be "@+3d"). */
int tw_sim_put_token(struct tw_sim *sim, const char *token_json);
size_t tw_sim_token_count(const struct tw_sim *sim);

/* Adds NDJSON audit entries (relative timestamps resolved; a line that is
 * not an object with a timestamp is kept and served verbatim). */
int tw_sim_add_auditlog_entries(struct tw_sim *sim, const char *ndjson, size_t len);
size_t tw_sim_auditlog_count(const struct tw_sim *sim);

void tw_sim_get_stats(const struct tw_sim *sim, struct tw_sim_stats *ret);
/* Copies the request log; free with tw_sim_requests_free. */
int tw_sim_get_requests(const struct tw_sim *sim, struct tw_sim_request **ret, size_t *ret_n);
void tw_sim_requests_free(struct tw_sim_request *reqs, size_t n);
void tw_sim_reset_stats(struct tw_sim *sim);

/* Token writes that committed (answered 2xx, or dropped after commit). */
struct tw_sim_writes {
        uint64_t created, rotated, roles_set, updated, deleted;
};
void tw_sim_get_writes(const struct tw_sim *sim, struct tw_sim_writes *ret);

/* The sim's clock: base_time plus the time since start (Unix seconds). */
int64_t tw_sim_now(const struct tw_sim *sim);
/* The current value of a listed token, minted if it has none, as a copy
 * the caller wipes and frees (tw_secret_free).  -ENOENT if not listed. */
int tw_sim_token_credential(struct tw_sim *sim, const char *token_id, char **ret_value);
/* The listed tokens as a JSON array (never a value), each with
 * "live_value": true when a minted value of it authenticates.  The caller
 * frees it; NULL on allocation failure. */
char *tw_sim_tokens_json(const struct tw_sim *sim);

#endif
