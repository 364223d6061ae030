#ifndef TW_CORE_COPIES_H
#define TW_CORE_COPIES_H

/*
 * The copies of tokens' values ([deliver.NAME]) as their stores last said
 * they were: the input of the evaluator's copy rules (stale_copy,
 * missing_copy), as the usage index is the input of new_source.  The agent
 * checks the stores (exporters/deliver) and fills the states; everything
 * here is pure and thread-safe on data nobody writes.
 *
 * Which token a copy holds is its [deliver.NAME] token, looked up in the
 * inventory: an id first, else the one token of that exact name in the
 * copy's organization (tw_copy_resolve()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_buf;
struct tw_copy_config;
struct tw_inventory;
struct tw_token;

#define TW_COPY_ID_MAX 64
#define TW_COPY_ERROR_MAX 256

/* Clocks of two systems (a store's, Astro's) and a value minted a moment
 * before its rotation is recorded: a copy is stale only when it predates
 * the token's current value by more than this many seconds. */
#define TW_COPY_SKEW 5

enum tw_copy_status {
        TW_COPY_STATE_UNCHECKED, /* not checked yet, or cannot be (type exec) */
        TW_COPY_STATE_CHECKED,   /* the last check read the store */
        TW_COPY_STATE_FAILED,    /* the last check failed: error and message say why */
};

/* One copy as last checked (safe to log and keep: never the value).  What
 * the store said is kept from the last check that read it (known): a
 * failed check after it changes status, not the facts, so that one outage
 * does not make a finding come and go. */
struct tw_copy_state {
        enum tw_copy_status status;
        int64_t checked_at; /* the last check, good or failed; TW_NO_TIME: never */
        bool known;         /* the facts below are from a check at known_at */
        int64_t known_at;
        bool exists;                       /* the secret (and its key) is there */
        int64_t updated_at;                /* the store's time of its last change; TW_NO_TIME */
        bool readable;                     /* the value was read back (and wiped) */
        bool holds_jwt;                    /* ... and its payload parsed */
        char api_token_id[TW_COPY_ID_MAX]; /* the payload's apiTokenId; "" */
        int64_t iat;                       /* the payload's; TW_NO_TIME */
        int error;                         /* FAILED: the negative errno */
        char message[TW_COPY_ERROR_MAX];   /* FAILED: why, for people */
        uint64_t failures;                 /* checks that failed, since the agent started */
};

/* Every copy: configs[i] (the config's [deliver.NAME], borrowed) was last
 * seen as states[i]. */
struct tw_copies {
        const struct tw_copy_config *configs;
        const struct tw_copy_state *states;
        size_t n;
};

void tw_copy_state_init(struct tw_copy_state *s);

/* The time the token's current value was issued: the latest of its
 * lastRotatedAt, createdAt and startAt (a startAt after now is not an
 * issue yet), or TW_NO_TIME when none is known. */
int64_t tw_token_issued_at(const struct tw_token *t, int64_t now);

/*
 * The token copy c holds, in inv: *ret_token its index.  A copy whose
 * organization ([deliver.NAME] astro) is not among inv's organizations is
 * -ESRCH (not collected here: nothing to judge).  -ENOENT: no token has
 * that id or name in the organization; -ENOTUNIQ: several share the name.
 * Both append why to why (with the nearest name, or the ids sharing it),
 * a sentence for people naming no secret.
 */
int tw_copy_resolve(const struct tw_inventory *inv, const struct tw_copy_config *c,
                    size_t *ret_token, struct tw_buf *why);

/* Appends where copy c lives, for people: "GitHub secret ASTRO_API_TOKEN
 * of repository acme/dags", "Vault secret secret/ci/astro, key token",
 * "file /var/lib/runner/token".  0, -ENOMEM or -E2BIG. */
int tw_copy_describe(const struct tw_copy_config *c, struct tw_buf *out);
/* Appends the command that writes a new value into copy c, reading it from
 * standard input ("gh secret set ASTRO_API_TOKEN --repo acme/dags"); the
 * words of the config are shell-quoted.  -ENOENT (nothing appended) for a
 * type no command writes (exec).  0, -ENOMEM, -E2BIG. */
int tw_copy_fix_command(const struct tw_copy_config *c, struct tw_buf *out);

#endif
