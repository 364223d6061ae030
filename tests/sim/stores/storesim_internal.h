#ifndef TW_TESTS_SIM_STORES_STORESIM_INTERNAL_H
#define TW_TESTS_SIM_STORES_STORESIM_INTERNAL_H

/*
 * Internals shared by the tw-storesim sources.  Not for tests: use
 * storesim.h.  s->lock guards the state, the faults, the rate windows,
 * the stats and the log; functions named *_locked and every kind's
 * handle/put/get/remove expect it held.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_internal.h"
#include "sim/stores/storesim.h"

struct cJSON;
struct MHD_Connection;

enum store_auth { STORE_AUTH_NONE, STORE_AUTH_BAD, STORE_AUTH_READ, STORE_AUTH_FULL };

#define STORE_MAX_HEADERS 8
#define STORE_RATE_SLOTS 16
#define STORE_MAX_LOG 100000

/* A request being answered.  path is the raw (still escaped) path. */
struct store_req {
        struct tw_storesim *s;
        struct MHD_Connection *conn;
        const char *method;
        const char *path;
        const char *body;
        size_t body_len;
        enum store_auth auth;
        uint64_t seq;
};

struct store_reply {
        int status;
        char *body; /* malloc'd or NULL */
        size_t body_len;
        const char *content_type; /* static; NULL: application/json */
        int retry_after;          /* < 0: none */
        bool drop;
        bool rate_limited; /* a rate-limit answer (counted with the 429s) */
        struct {
                char name[40];
                char value[64];
        } headers[STORE_MAX_HEADERS];
        size_t n_headers;
};

/* What makes one kind of store. */
struct store_kind {
        const char *name;
        /* The credential the request presents (its header), or NULL. */
        const char *(*credential)(struct MHD_Connection *conn);
        void (*handle)(struct store_req *rq, struct store_reply *rp);
        /* An error in the kind's shape. */
        void (*error)(struct store_req *rq, struct store_reply *rp, int status, const char *msg);
        /* Over the rate limit (reset: Unix seconds of the window's end). */
        void (*rate_limited)(struct store_req *rq, struct store_reply *rp, int limit,
                             int64_t reset);
        /* Headers every response carries (NULL: none). */
        void (*decorate)(struct store_reply *rp, int limit, int used, int64_t reset);
        int (*put)(struct tw_storesim *s, const char *at, const char *value,
                   const struct cJSON *attrs);
        int (*get)(struct tw_storesim *s, const char *at, char **ret_value);
        int (*remove)(struct tw_storesim *s, const char *at);
        int default_rate_limit; /* per hour; 0: none */
};

extern const struct store_kind store_github, store_gitlab, store_vault, store_kubernetes;

struct store_rate {
        uint64_t key;
        int64_t start_ms;
        int used;
};

struct tw_storesim {
        const struct store_kind *kind;
        struct MHD_Daemon *daemon;
        unsigned short port;
        char url[64];
        char *credential, *read_credential;
        char *tls_cert, *tls_key; /* PEM, for MHD */
        int rate_limit;
        int64_t rate_window_ms;

        pthread_mutex_t lock;
        pthread_cond_t stop_cond;
        bool stopping;

        struct cJSON *state; /* the kind's, an object */
        long next_id;        /* ids, key ids, resourceVersions */
        struct sim_fault_list faults;
        struct store_rate rates[STORE_RATE_SLOTS];
        size_t n_rates;
        struct tw_storesim_stats stats;
        struct tw_storesim_request *log;
        size_t log_len, log_cap;
        uint64_t seq;
};

/* storesim_util.c */
void store_reply_json(struct store_reply *rp, int status, struct cJSON *obj);
void store_reply_text(struct store_reply *rp, int status, const char *text);
void store_reply_empty(struct store_reply *rp, int status);
void store_add_header(struct store_reply *rp, const char *name, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Decodes %XX escapes of s (n bytes) into a new string; NULL on a bad
 * escape or no memory.  plus: '+' is a space (query values). */
char *store_unescape(const char *s, size_t n, bool plus);
/* The decoded value of query argument key (decoded names compared), or
 * NULL; the caller frees it. */
char *store_query(struct MHD_Connection *conn, const char *key);
/* Splits a raw path on '/' into at most max decoded segments (the caller
 * frees each); the count, or -1 if over max or badly escaped. */
int store_split(const char *path, char **segs, int max);
void store_segs_free(char **segs, int n);
/* Splits a locator on ':' into at most max parts, the last taking the rest;
 * the count.  buf receives the copy the parts point into. */
int store_locator(const char *at, char *buf, size_t size, char **parts, int max);
/* Now as RFC 3339 with seconds ("...Z") or nanoseconds (Vault). */
void store_time(char *buf, size_t size, bool nanos);
/* A member of obj, created as an empty object (or array) when absent. */
struct cJSON *store_obj(struct cJSON *obj, const char *key);
const char *store_str(const struct cJSON *obj, const char *key);
bool store_bool(const struct cJSON *obj, const char *key, bool def);
/* Base64 (standard alphabet, padded); the caller frees.  NULL on error. */
char *store_b64_encode(const char *data, size_t len);
/* Decodes base64 into a new NUL-terminated buffer; -EINVAL if malformed. */
int store_b64_decode(const char *b64, char **ret, size_t *ret_len);

/* storesim.c */
void store_sleep(struct tw_storesim *s, int ms);

/* storesim_control.c */
void store_control(struct tw_storesim *s, struct MHD_Connection *conn, const char *method,
                   const char *url, const char *body, size_t len, struct store_reply *rp);
void store_log_locked(struct tw_storesim *s, const struct store_req *rq, int status);

#endif
