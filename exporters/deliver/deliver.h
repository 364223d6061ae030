#ifndef TW_EXPORTERS_DELIVER_DELIVER_H
#define TW_EXPORTERS_DELIVER_DELIVER_H

/*
 * The secret stores that hold copies of an Astro token's value: checking a
 * copy (does it exist, when did it change, which token and which issue of
 * it does it hold) and writing a new value into it.  One file per store
 * type (github.c, gitlab.c, vault.c, kubernetes.c, file.c, exec.c), found by
 * type name in the registry (tw_deliver_ops_find), sharing
 * deliver_common.c.
 *
 * A copy is described by a struct tw_deliver_target: plain data, one field
 * per key of a [deliver.NAME] section, filled with tw_deliver_target_set()
 * and checked with tw_deliver_target_validate().
 *
 * Using a store, for rotation:
 *   1. check() the copy; keep the state: its `version` is the store's
 *      concurrency token (Vault's version, Kubernetes' resourceVersion,
 *      GitHub's updated_at, a fingerprint for GitLab and files).
 *   2. write() the new value with that state as `expect`: a copy that
 *      changed since (someone else wrote it) is -EBUSY and is never
 *      overwritten; Vault and Kubernetes enforce it server-side (cas,
 *      resourceVersion), the others compare just before writing.  Writing
 *      the value a copy already holds changes nothing (state.written
 *      false): a write may be repeated after a crash.
 *   3. check() again, or compare the state write() returns: a readable
 *      copy's api_token_id, iat and fingerprint say what it holds
 *      (tw_deliver_state_holds()).
 *
 * Secrets: values and store credentials never reach an error message, a
 * log or argv; a value read back is parsed for its JWT payload and
 * fingerprint, then wiped (lib/secret's tw_wipe).  Credentials are read
 * from credential_file at every call (a rotated file is picked up) and
 * wiped after.  TLS verification is always on.
 *
 * Errors (negative errno; a message naming the copy is appended to err):
 *   -EINVAL   a target that does not validate; several GitLab variables
 *             share the key (set environment_scope)
 *   -EACCES   the store refused the credential (401), or it cannot be read
 *   -EPERM    the credential may not do this (403): the message names what
 *             is missing
 *   -ENOENT   the repository / environment / organization / project / group
 *             / mount does not exist or the credential cannot see it (a
 *             missing copy is not an error: state.exists is false)
 *   -EBUSY    the copy changed since `expect` (someone else wrote it)
 *   -EAGAIN   rate limited for longer than max_wait_s, or still after the
 *             retries: tw_deliver_retry_after() says when to try again
 *   -EPROTO   an answer the store should not give (5xx after retries, an
 *             unexpected status); -EBADMSG one that does not parse
 *   -ETIMEDOUT, -ECONNREFUSED, -EKEYREJECTED (untrusted certificate),
 *   -ECANCELED, -ENOMEM from the transport;
 *   -ELOOP    file: the path is a symbolic link
 *   -EOPNOTSUPP  exec: a copy behind a program cannot be checked
 *
 * Thread-safety: a context is used by one thread at a time; targets and
 * the registry are read-only.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_buf;
struct tw_deliver_ctx;

/* One copy: the keys of a [deliver.NAME] section (the section's `token` and
 * `astro` name the Astro token and are the caller's).  Strings are owned
 * (tw_deliver_target_done frees them); NULL: not set. */
struct tw_deliver_target {
        char *name;            /* NAME, for messages */
        char *type;            /* github | gitlab | vault | kubernetes | file | exec */
        char *api_url;         /* the store's API root; NULL: the type's default */
        char *credential_file; /* the store credential (kubernetes: default the
                                  service-account token) */
        char *ca_file;         /* a CA bundle for the store's TLS (kubernetes: default
                                  the service account's ca.crt) */
        int64_t timeout_ms;    /* per request, or the exec program's limit; 0: 30 s */
        /* github */
        char *repository;              /* owner/repo */
        char *environment;             /* with repository: an environment secret */
        char *github_org;              /* an organization secret */
        char *visibility;              /* organization secret created new: all | private |
                                          selected (default private); an existing one's is kept */
        char *selected_repository_ids; /* with visibility selected: "1,2,3" */
        char *secret;                  /* github: the secret name; kubernetes: the Secret */
        /* gitlab */
        char *project;           /* numeric id or path "group/project" */
        char *group;             /* numeric id or path */
        char *variable;          /* the variable's key */
        char *environment_scope; /* NULL: the only variable of that key ("*" usually) */
        /* vault (KV version 2) */
        char *mount;     /* default "secret" */
        char *path;      /* vault: the secret's path; file: the file */
        char *key;       /* vault: the key in the secret; kubernetes: the key in data */
        char *namespace; /* vault: X-Vault-Namespace; kubernetes: the namespace
                            (default the service account's) */
        /* exec */
        char *command; /* run by /bin/sh -c; the value on its standard input */
};

/* Sets target key `key` (a [deliver.NAME] key) to a copy of value: "type",
 * "api_url", "credential_file", "ca_file", "timeout" (a duration: "30s",
 * "2m"), "repository", "environment", "github_org", "visibility",
 * "selected_repository_ids", "secret", "project", "group", "variable",
 * "environment_scope", "mount", "path", "key", "namespace", "command".
 * -ENOENT for any other key, -EINVAL for a bad timeout, -ENOMEM. */
int tw_deliver_target_set(struct tw_deliver_target *t, const char *key, const char *value);
/* Checks t for its type: a known type, the keys it needs, no key it does not
 * take, URLs (https, or http to loopback).  0, or -EINVAL with a message
 * naming the section and key appended to err. */
int tw_deliver_target_validate(const struct tw_deliver_target *t, struct tw_buf *err);
/* Frees the strings; NULL-safe. */
void tw_deliver_target_done(struct tw_deliver_target *t);

#define TW_DELIVER_ID_MAX 64
#define TW_DELIVER_FINGERPRINT_LEN 64 /* hex SHA-256 */

/* What a check found (all of it safe to log and keep: never the value). */
struct tw_deliver_state {
        bool exists;        /* the secret (and its key) is there */
        bool written;       /* write(): this call changed the store */
        int64_t updated_at; /* the store's time of the copy's last change; TW_NO_TIME */
        char version[TW_DELIVER_ID_MAX];                  /* the concurrency token; "" if none */
        bool readable;                                    /* the value was read back (and wiped) */
        bool holds_jwt;                                   /* ... and its payload parsed */
        char api_token_id[TW_DELIVER_ID_MAX];             /* the payload's apiTokenId, "" if none */
        int64_t iat, exp;                                 /* the payload's, TW_NO_TIME if none */
        char fingerprint[TW_DELIVER_FINGERPRINT_LEN + 1]; /* SHA-256 of the value, "" */
        char managed_token_id[TW_DELIVER_ID_MAX];         /* the token id tokenwatch noted in the
                                                             store (Vault custom_metadata, a
                                                             Kubernetes annotation); "" if none */
        char detail[128]; /* for a person, e.g. "visibility selected, 2 repositories" */
};

/* The fingerprint of a value (surrounding whitespace trimmed, as stores
 * and files keep a trailing newline): hex SHA-256.  0 or -ENOMEM. */
int tw_deliver_fingerprint(const char *value, char out[TW_DELIVER_FINGERPRINT_LEN + 1]);
/* An empty state: nothing exists, every time TW_NO_TIME. */
void tw_deliver_state_init(struct tw_deliver_state *s);
/* Whether a readable copy holds exactly value. */
bool tw_deliver_state_holds(const struct tw_deliver_state *s, const char *value);

struct tw_deliver_write {
        const char *value;    /* the token's value (the caller owns and wipes it) */
        const char *token_id; /* its Astro id: noted where the store keeps notes */
        /* The state a check found: the copy must still be in it (-EBUSY
         * otherwise).  NULL: no precondition. */
        const struct tw_deliver_state *expect;
};

struct tw_deliver_ops {
        const char *type;
        const char *const *keys; /* the target keys the type takes, NULL-ended */
        bool readable;           /* check() reads the value back */
        /* Type-specific checks after the generic ones (pure). */
        int (*validate)(const struct tw_deliver_target *t, struct tw_buf *err);
        int (*check)(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                     struct tw_deliver_state *ret, struct tw_buf *err);
        int (*write)(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                     const struct tw_deliver_write *w, struct tw_deliver_state *ret_after,
                     struct tw_buf *err);
        /* The calls a write makes, one line each, for a dry run (pure). */
        void (*plan)(const struct tw_deliver_target *t, struct tw_buf *out);
};

/* The ops of a type name, or NULL. */
const struct tw_deliver_ops *tw_deliver_ops_find(const char *type);

struct tw_deliver_options {
        int64_t timeout_ms;            /* per request; <= 0: 30 s */
        int max_retries;               /* 429, 5xx, timeouts, connection failures;
                                          0: 3, < 0: none */
        int64_t backoff_base_ms;       /* <= 0: 500 */
        int64_t backoff_max_ms;        /* <= 0: 8000 */
        int64_t max_wait_s;            /* longest Retry-After (or rate-limit reset)
                                          waited for in place; <= 0: 60 */
        volatile sig_atomic_t *cancel; /* non-zero: stop soon, -ECANCELED */
        const char *user_agent;        /* default "tokenwatch/<version>" */
        uint64_t seed;                 /* backoff jitter */
};

/* A context: the HTTP client and the retry policy.  0 or -ENOMEM. */
int tw_deliver_ctx_new(const struct tw_deliver_options *o, struct tw_deliver_ctx **ret);
void tw_deliver_ctx_free(struct tw_deliver_ctx *c);
/* After -EAGAIN: seconds until the store will take requests again (its
 * Retry-After or rate-limit reset; a backoff guess without one). */
int64_t tw_deliver_retry_after(const struct tw_deliver_ctx *c);

#endif
