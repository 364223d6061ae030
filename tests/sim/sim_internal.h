#ifndef TW_TESTS_SIM_SIM_INTERNAL_H
#define TW_TESTS_SIM_SIM_INTERNAL_H

/*
 * Internals shared by the tw-astrosim sources.  Not for tests: use sim.h.
 *
 * Locking: sim->lock guards the organization (org, workspaces, deployments,
 * users, tokens), the faults, the workspace credentials, the rate window and
 * the request log.  Functions named *_locked expect it held.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/buf.h"
#include "sim.h"

struct cJSON;
struct MHD_Daemon;
struct MHD_Connection;

#define SIM_MAX_WS_CREDENTIALS 64
#define SIM_MAX_FAULTS 64
#define SIM_MAX_LOG 200000
#define SIM_MAX_BODY ((size_t)1 << 20)

struct sim_fault {
        struct tw_sim_fault f; /* f.match, f.method owned */
        unsigned skip_left;
        unsigned count_left; /* when f.count > 0 */
};

/* The faults of one server, in the order added (the store fakes use it
 * too).  Guarded by the owner's lock. */
struct sim_fault_list {
        struct sim_fault faults[SIM_MAX_FAULTS];
        size_t n;
};

/* A value minted for a token (sim_jwt.c).  Entries are never freed before
 * the server stops, so a value handed out stays a valid string. */
struct sim_value {
        char *token_id;
        char *jwt;
        bool live;     /* false once rotated or deleted through the API */
        bool org_wide; /* reads like the organization credential */
        char *ws;      /* else: like a credential of this workspace */
};

/* Who a request authenticated as. */
struct sim_auth {
        int kind;             /* 0: nobody, 1: organization-wide, 2: one workspace */
        const char *ws;       /* kind 2: the workspace */
        const char *token_id; /* the token the value belongs to; NULL for the
                                 synthetic workspace credentials */
};

/* Per-credential write rate windows (POST, DELETE). */
#define SIM_WRITE_RATE_SLOTS 32
#define SIM_WRITE_RATE_MAX 64
struct sim_write_rate {
        uint64_t key; /* hash of method + Authorization header */
        int64_t starts[SIM_WRITE_RATE_MAX];
        size_t n;
};

/* An audit log entry: its time and its NDJSON line (owned). */
struct sim_audit_entry {
        int64_t t_ms;
        char *line;
};

#define SIM_AUDIT_MAX_CREDS 16
#define SIM_AUDIT_MAX_CALLS 64

/* The audit-log calls of one credential within the window. */
struct sim_audit_rate {
        uint64_t key; /* hash of the Authorization header */
        int64_t calls[SIM_AUDIT_MAX_CALLS];
        size_t n;
};

struct sim_ws_credential {
        char *workspace_id;
        char *jwt;
};

struct tw_sim {
        struct MHD_Daemon *daemon;
        unsigned short port;
        char url[64];
        int64_t base_time;
        int latency_ms;
        double rate_limit;
        bool rate_limit_retry_after;

        pthread_mutex_t lock;
        pthread_cond_t stop_cond;
        bool stopping;

        /* The organization (cJSON, times resolved). */
        struct cJSON *org;         /* {"id","name","createdAt","updatedAt"} */
        struct cJSON *workspaces;  /* array */
        struct cJSON *deployments; /* array */
        struct cJSON *users;       /* array */
        struct cJSON *tokens;      /* array of v1 ApiToken objects */
        char *credential_token_id; /* may be NULL */

        char *org_jwt; /* also in values[] */
        struct sim_ws_credential ws_creds[SIM_MAX_WS_CREDENTIALS];
        size_t n_ws_creds;
        struct sim_value *values;
        size_t n_values, values_cap;
        uint64_t mint_seq;

        /* Token writes (sim_write.c). */
        int64_t start_mono_ns; /* tw_sim_now() counts from here */
        bool rotate_keeps_end;
        double post_rate, delete_rate;
        struct sim_write_rate write_rates[SIM_WRITE_RATE_SLOTS];
        size_t n_write_rates;
        struct tw_sim_writes writes;

        /* Audit logs (sim_audit.c), sorted by time. */
        struct sim_audit_entry *audit;
        size_t n_audit, audit_cap;
        size_t audit_generate;
        bool audit_raw_gzip, audit_forbidden, audit_newest_first, audit_ignore_end_date;
        int audit_calls;         /* per credential within audit_window_ms */
        int64_t audit_window_ms; /* the rate window */
        struct sim_audit_rate audit_rates[SIM_AUDIT_MAX_CREDS];
        size_t n_audit_rates;

        struct sim_fault_list faults;

        /* Rate limiting: start times of the last accepted requests. */
        int64_t *window;
        size_t window_cap, window_len, window_head;

        /* Stats. */
        uint64_t n_requests, n_429, n_faulted;
        atomic_int in_flight;
        int max_in_flight;
        struct tw_sim_request *log;
        size_t log_len, log_cap;
        uint64_t request_seq;
};

/* A response under construction. */
struct sim_reply {
        int status;
        char *body; /* malloc'd, may be NULL */
        size_t body_len;
        int retry_after;   /* < 0: none */
        size_t huge_bytes; /* > 0: stream this many bytes instead of body */
        bool drop;         /* close the connection without answering */
        /* A body produced while sent (sim_audit.c), instead of body. */
        void *stream;
        ssize_t (*stream_read)(void *stream, uint64_t pos, char *buf, size_t max);
        void (*stream_free)(void *stream);
        const char *content_type;     /* static; NULL: application/json */
        const char *content_encoding; /* static; NULL: none */
};

/* sim_fixture.c */
int sim_fixture_load(struct tw_sim *sim, const char *path);
void sim_fixture_empty(struct tw_sim *sim);
/* Resolves "@+3d"-style times in every "...At" member of obj (recursively). */
int sim_resolve_times(struct cJSON *obj, int64_t base_time);
/* Fills the defaults of a token object (shortToken, kind, ...). */
void sim_token_fill(struct tw_sim *sim, struct cJSON *token);
struct cJSON *sim_find_by_id(struct cJSON *array, const char *id, int *ret_index);
const char *sim_str(const struct cJSON *obj, const char *key);
void sim_format_time(int64_t t, int millis, char *buf, size_t size);

/* sim_generate.c */
int sim_generate(struct tw_sim *sim, size_t n_tokens, size_t n_workspaces);

/* sim_jwt.c */
/* A JWT with payload {exp (unless TW_NO_TIME), iat, apiTokenId, permissions};
 * nonce makes values of equal payloads differ (in the signature part). */
int sim_jwt_make(const char *token_id, int64_t iat, int64_t exp, const char *org_id,
                 const char *workspace_id, uint64_t nonce, char **ret_jwt);
/* Mints the organization credential (sim->org_jwt). */
int sim_credential_init(struct tw_sim *sim);
/* Who bearer is (ret->kind 0: nobody). */
void sim_auth_locked(struct tw_sim *sim, const char *bearer, struct sim_auth *ret);
/* Mints a new value for the listed token (its previous one stops working);
 * the value is owned by the sim.  -ENOMEM. */
int sim_mint_locked(struct tw_sim *sim, const struct cJSON *token, const char **ret_jwt);
/* The live value of token_id, or NULL. */
const char *sim_live_value_locked(struct tw_sim *sim, const char *token_id);
/* Makes every value of token_id stop working. */
void sim_revoke_locked(struct tw_sim *sim, const char *token_id);
void sim_values_free(struct tw_sim *sim);

/* The query of one listing (sim_page.c collects it). */
#define SIM_MAX_SORTS 8
#define SIM_MAX_IDS 1024
struct sim_query {
        struct MHD_Connection *conn;
        const char *sorts[SIM_MAX_SORTS];
        size_t n_sorts;
        const char *ids[SIM_MAX_IDS]; /* workspaceIds, split on commas into idbuf */
        size_t n_ids;
        const char *ws, *dep;    /* ?workspaceId=, ?deploymentId= */
        bool only_org;           /* ?includeOnlyOrganizationTokens=true */
        const char *ws_deps[64]; /* deployments of ?workspaceId= */
        size_t n_ws_deps;
        char idbuf[8192];
        size_t idbuf_len;
        bool bad;
};

/* sim_page.c */
const char *sim_query_arg(const struct sim_query *q, const char *key);
/* Collects the repeated "sorts" and the "workspaceIds" values. */
void sim_query_collect(struct sim_query *q);
bool sim_in_ids(const struct sim_query *q, const char *id);
/* A v1beta1 copy of a v1 token: "type" for "scope", no "kind"/"lastRotatedAt". */
struct cJSON *sim_to_v1beta1(const struct cJSON *token);
/* Answers a page of the n matched items (sorted by ?sorts=) under key;
 * max_limit 0: no maximum. */
void sim_page(struct sim_reply *reply, struct sim_query *q, struct cJSON **items, size_t n,
              const char *key, long max_limit, bool beta_tokens, uint64_t seq);

/* sim_api.c: answers an authenticated API request. */
void sim_api_handle_locked(struct tw_sim *sim, struct MHD_Connection *conn, const char *url,
                           const char *auth_ws, uint64_t seq, struct sim_reply *reply);
void sim_reply_error(struct sim_reply *reply, int status, const char *message, uint64_t seq);
/* Queues reply on conn (sim_page.c); MHD_NO when dropped or on failure. */
int sim_reply_queue(struct MHD_Connection *conn, struct sim_reply *reply);
void sim_reply_json(struct sim_reply *reply, int status, struct cJSON *obj);

/* sim_faults.c */
/* Adds a copy of f (-EINVAL bad type, -E2BIG list full, -ENOMEM). */
int sim_faults_add(struct sim_fault_list *l, const struct tw_sim_fault *f);
void sim_faults_clear(struct sim_fault_list *l);
/* Picks the fault for this request (consuming its skip/count); false if
 * none.  ret->match and ret->method are set to NULL. */
bool sim_faults_pick(struct sim_fault_list *l, const char *method, const char *path,
                     struct tw_sim_fault *ret);
/* Applies a fault that rewrites a real 200 reply. */
void sim_fault_rewrite(const struct tw_sim_fault *f, struct sim_reply *reply);
int sim_fault_from_json(const struct cJSON *obj, struct tw_sim_fault *ret);
/* Sliding-window rate limit; true if the request may pass. */
bool sim_rate_allow_locked(struct tw_sim *sim, int64_t now_ns);
int sim_rate_init(struct tw_sim *sim);
/* The per-credential POST/DELETE limits; true if the request may pass. */
bool sim_write_rate_allow_locked(struct tw_sim *sim, const char *method, const char *auth_header,
                                 int64_t now_ns);

/* sim_write.c: a POST or DELETE under {p}/organizations/{org}/tokens. */
void sim_write_handle_locked(struct tw_sim *sim, const char *url, const char *method,
                             const char *body, size_t len, const struct sim_auth *auth,
                             uint64_t seq, struct sim_reply *reply);
/* The sim's clock. */
int64_t sim_now(const struct tw_sim *sim);

/* sim_write_access.c: whether the credential may manage a token of scope
 * in workspace ws (scope NULL: any token at all). */
bool sim_may_manage_locked(struct tw_sim *sim, const struct sim_auth *auth, const char *scope,
                           const char *ws);
/* The workspace of a scope's entity (NULL for ORGANIZATION or unknown). */
const char *sim_entity_workspace(struct tw_sim *sim, const char *scope, const char *entity);
/* The entity of a token's first role of its scope, or NULL. */
const char *sim_token_entity(const struct cJSON *token, const char *scope);

/* sim_control.c */
void sim_control_handle(struct tw_sim *sim, const char *method, const char *url, const char *body,
                        size_t body_len, struct sim_reply *reply);
void sim_log_add_locked(struct tw_sim *sim, const char *method, const char *path, const char *auth,
                        int status, int64_t start_ns);

/* sim_audit.c */
int sim_audit_load(struct tw_sim *sim, const char *path);
void sim_audit_free(struct tw_sim *sim);
/* GET {p}/organizations/{org}/audit-logs (auth_ws: a workspace credential). */
void sim_audit_handle_locked(struct tw_sim *sim, struct MHD_Connection *conn, const char *auth_ws,
                             uint64_t seq, struct sim_reply *reply);
/* The "truncated" fault on an audit-log body: half its entries, then the
 * connection is cut. */
void sim_audit_cut(struct sim_reply *reply);
/* POST /_sim/audit-logs. */
void sim_audit_control(struct tw_sim *sim, const char *body, size_t len, struct sim_reply *reply);

/* sim.c */
/* Sleeps ms milliseconds, returning early when the server stops. */
void sim_sleep(struct tw_sim *sim, int ms);

#endif
