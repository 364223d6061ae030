#ifndef TW_CORE_USAGE_USAGE_H
#define TW_CORE_USAGE_USAGE_H

/*
 * What Astro audit log entries mean for tokenwatch:
 *
 * - lifecycle actors: who created, updated, rotated or deleted a token,
 *   from which source IP and user agent, read from the token paths of the
 *   REST API (old /v1alpha1/organizations/{org}[/workspaces/{ws}]/api-tokens
 *   and /v1/organizations/{org}/tokens, ids as placeholders);
 * - usage per token: entries with subjectType SERVICEKEY whose subjectId is
 *   a known token id (the caller names the listed tokens): first and last
 *   seen, calls, distinct source IPs and user agents with counts, the
 *   operations called (method + path template; only calls not refused with
 *   a 4xx/5xx, as evidence of the permissions needed), image pushes.
 *
 * The index is bounded (struct tw_usage_limits): when a token's sources or
 * operations are full, the least recently seen one is replaced and the drop
 * counted; when the lifecycle list is full, the oldest event goes.  It is
 * persisted as compact JSON (tw_usage_to_json / tw_usage_from_json), and
 * loading treats the text as untrusted.
 *
 * Pure: no I/O, no clock (times come from the entries), no logging.  An
 * index is used by one thread at a time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/usage/auditlog_entry.h"
#include "lib/strmap.h"

struct cJSON;
struct tw_buf;

/* Every string the index keeps from an entry is cut to this many bytes
 * (on a UTF-8 character boundary, ending in "..."): far below what the
 * loader accepts, so that what is stored always loads back. */
#define TW_USAGE_VALUE_MAX 512

struct tw_usage_limits {
        size_t max_tokens;     /* tokens with usage kept; default 10000 */
        size_t max_sources;    /* source IPs, and user agents, per token; default 16 */
        size_t max_operations; /* operations per token; default 32 */
        size_t max_lifecycle;  /* lifecycle events kept; default 1000 */
};

/* A source IP or user agent of one token. */
struct tw_usage_source {
        char *value;
        uint64_t count;
        int64_t first_ms, last_ms;
};

/* An operation: "GET /v1/organizations/{organizationId}/deployments", or
 * "GRAPHQL <operationName>", "IMAGE_PUSH registry", "AIRFLOW_UI". */
struct tw_usage_op {
        char *op;
        uint64_t count;
        int64_t last_ms;
};

struct tw_token_usage {
        char *token_id;
        int64_t first_ms, last_ms;
        uint64_t calls;
        uint64_t image_pushes;
        int64_t last_push_ms; /* TW_NO_TIME if none */
        struct tw_usage_source *ips, *agents;
        size_t n_ips, n_agents;
        uint64_t ips_dropped, agents_dropped;
        struct tw_usage_op *ops;
        size_t n_ops;
        uint64_t ops_dropped;
};

enum tw_lifecycle_action {
        TW_LIFECYCLE_CREATED,
        TW_LIFECYCLE_UPDATED, /* name, description or roles */
        TW_LIFECYCLE_ROTATED,
        TW_LIFECYCLE_DELETED,
        _TW_LIFECYCLE_MAX,
};

/* "created", "updated", "rotated", "deleted". */
const char *tw_lifecycle_action_to_string(enum tw_lifecycle_action a);

struct tw_lifecycle_event {
        int64_t at_ms;
        enum tw_lifecycle_action action;
        char *token_id;   /* NULL for a creation (the id is not in the path) */
        char *token_name; /* requestBody "name", or NULL */
        char *actor_id;   /* a user id, or a token id when actor_type is SERVICEKEY */
        enum tw_auditlog_subject actor_type;
        char *source_ip, *user_agent; /* may be NULL */
        int status;                   /* HTTP status, -1 unknown: a failed attempt is kept */
};

struct tw_usage {
        struct tw_usage_limits lim;
        struct tw_token_usage *tokens; /* in order of first appearance */
        size_t n_tokens, cap_tokens;
        struct tw_strmap by_id;               /* token_id -> index in tokens */
        struct tw_lifecycle_event *lifecycle; /* oldest first */
        size_t n_lifecycle, cap_lifecycle;
        uint64_t entries;        /* entries added */
        uint64_t unlinked;       /* SERVICEKEY entries whose subject is no known token */
        uint64_t tokens_dropped; /* entries of tokens over max_tokens */
        char **known;            /* known token ids (copies) */
        size_t n_known;
        struct tw_strmap known_map;
};

/* A new empty index; lim NULL or zero fields: the defaults.  0 or -ENOMEM. */
int tw_usage_new(const struct tw_usage_limits *lim, struct tw_usage **ret);
void tw_usage_free(struct tw_usage *u);

/* Sets the ids of the listed tokens (copied; replaces the previous set).
 * Before a set is given no entry links to a token.  0 or -ENOMEM. */
int tw_usage_set_known_tokens(struct tw_usage *u, const char *const *ids, size_t n);

/* Accounts one entry.  0 or -ENOMEM (the index stays consistent). */
int tw_usage_add(struct tw_usage *u, const struct tw_auditlog_entry *e);

/* The usage of a token, or NULL if none was seen. */
const struct tw_token_usage *tw_usage_find(const struct tw_usage *u, const char *token_id);

/* Points out[0..k) at the k sources with the highest counts (ties: the most
 * recent first); returns how many were written (<= n, <= k). */
size_t tw_usage_top(const struct tw_usage_source *src, size_t n, const struct tw_usage_source **out,
                    size_t k);

/* The lowest role of the token's entity type (scope "ORGANIZATION",
 * "WORKSPACE" or "DEPLOYMENT") that allows every operation it performed,
 * from core/usage/permissions.c; NULL (no suggestion) when it performed none or
 * one of them is not in the table. */
const char *tw_usage_lowest_role(const struct tw_token_usage *t, const char *scope);

/* The path with its query dropped and ids replaced by placeholders named
 * after the collection before them ("/organizations/{organizationId}/...").
 * Always NUL-terminates buf; a path longer than size ends in "...". */
void tw_usage_path_template(const char *path, char *buf, size_t size);

/* Whether method + path is a token lifecycle call; if so *ret_action and
 * the token id from the path (NUL-terminated in id_buf, "" for a creation). */
bool tw_usage_lifecycle_match(const char *method, const char *path,
                              enum tw_lifecycle_action *ret_action, char *id_buf, size_t id_size);

/* Copies (core/usage/usage_copy.c), the known set aside.  copy makes a new
 * deep copy of u with u's limits: 0 or -ENOMEM.  merge adds copies of
 * from's tokens, lifecycle events (the newest within into's limit, in time
 * order) and counters to into; a token id into holds already, or one over
 * its max_tokens, counts in tokens_dropped.  0 or -ENOMEM (into stays
 * consistent and freeable). */
int tw_usage_copy(const struct tw_usage *u, struct tw_usage **ret);
int tw_usage_merge(struct tw_usage *into, const struct tw_usage *from);

/* Persistence (core/usage/usage_json.c).  The known set is not saved.
 * to_json appends compact JSON to out: 0, -ENOMEM or -E2BIG (out's max).
 * from_json builds a new index from untrusted text: 0, -EBADMSG (not the
 * format, a number out of range, more items than lim allows, a duplicate
 * token), or -ENOMEM.  A string over 4096 bytes (never written since
 * TW_USAGE_VALUE_MAX) loses its field alone: a source or operation is
 * counted as dropped, a token id counts in tokens_dropped, an event string
 * reads as absent.  Never crashes on any input. */
int tw_usage_to_json(const struct tw_usage *u, struct tw_buf *out);
int tw_usage_from_json(const char *text, size_t len, const struct tw_usage_limits *lim,
                       struct tw_usage **ret);
/* The same on cJSON trees, for callers embedding the index in a document. */
int tw_usage_to_cjson(const struct tw_usage *u, struct cJSON **ret);
int tw_usage_from_cjson(const struct cJSON *root, const struct tw_usage_limits *lim,
                        struct tw_usage **ret);

#endif
