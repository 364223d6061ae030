#ifndef TW_CORE_OWNER_H
#define TW_CORE_OWNER_H

/*
 * Who owns a token.  Four sources are asked in order and the first
 * that answers with a team wins; the result names that source.  The
 * administrator's rules come first: a description is written by whoever can
 * create a token, and must not route its findings away from a team.
 *
 *   1. TW_OWNER_RULE: the first rule (config order) whose glob matches the
 *      token's name (fnmatch(3), no flags) or whose workspace id is the
 *      token's workspace (its first WORKSPACE role, else the workspace of its
 *      first DEPLOYMENT role).
 *   2. TW_OWNER_DESCRIPTION: "key=value" or "key: value" pairs in the token's
 *      description for the policy's keys (default owner, team, pipeline, repo,
 *      contact), separated by ';', ',', '\n' or '\r'; keys match
 *      case-insensitively, keys and values are trimmed of blanks, the first
 *      occurrence of a key wins.  The team is the "team" value, else the
 *      "owner" value; without either (or with neither key configured) the
 *      description does not answer.  Its pairs are returned whichever source
 *      answered.
 *   3. TW_OWNER_WORKSPACE: the name of that workspace, for tokens of scope
 *      WORKSPACE or DEPLOYMENT.
 *   4. TW_OWNER_CREATOR: tw_subject_name() of the creator while it is still
 *      active: a user listed in the token's own organization and not INACTIVE
 *      or BANNED there (the evaluator's test),
 *      or an API token still in the inventory.  Needs the users (or tokens)
 *      listing to have succeeded: an unknown state does not answer.
 *
 * The contact is the winning rule's contact when it has one, else the
 * description's "contact" value when usable, else empty.
 *
 * Hostile input.  Every value, whichever source it comes from, is usable only
 * if tw_owner_value_ok(): 1..TW_OWNER_VALUE_MAX bytes of valid UTF-8 with no
 * control character (C0, DEL, C1) and none of  " \ < > & `  .  An unusable
 * value is dropped, never truncated or rewritten: that key is absent, and a
 * source whose team is unusable does not answer.  So a resolved value can be a
 * Prometheus label value or sit in a JSON string, a table cell, Slack or
 * Markdown text without escaping ('\\', '"' and '\n' never occur, nor chat
 * link/mention syntax); the exporters still escape as they do for any string,
 * which stays correct and costs nothing.
 *
 * Pure: no I/O, no allocation, no clock.  Thread-safe on distinct results;
 * the inventory and policy are only read.
 */

#include <stdbool.h>
#include <stddef.h>

struct tw_inventory;
struct tw_token;

#define TW_OWNER_VALUE_MAX 128 /* bytes of a usable value (and of a key) */
#define TW_OWNER_KEYS_MAX 16   /* configured keys, and pairs in a result */

enum tw_owner_source {
        TW_OWNER_NONE, /* no source answered: team is "" */
        TW_OWNER_DESCRIPTION,
        TW_OWNER_RULE,
        TW_OWNER_WORKSPACE,
        TW_OWNER_CREATOR,
        _TW_OWNER_SOURCE_MAX,
};

/* "none", "description", "rule", "workspace", "creator"; NULL if out of range. */
const char *tw_owner_source_name(enum tw_owner_source s);

/* One [owners] rule: exactly one of name_glob and workspace_id is set. */
struct tw_owner_rule {
        const char *name_glob;    /* fnmatch(3) pattern on the token's name */
        const char *workspace_id; /* or a workspace id */
        const char *team;
        const char *contact; /* optional (NULL) */
};

/* Borrowed by tw_owner_resolve for the call only. */
struct tw_owner_policy {
        const char *const *keys; /* NULL: the defaults */
        size_t n_keys;           /* at most TW_OWNER_KEYS_MAX */
        const struct tw_owner_rule *rules;
        size_t n_rules;
};

struct tw_owner_pair {
        char key[TW_OWNER_VALUE_MAX + 1]; /* as configured (policy spelling) */
        char value[TW_OWNER_VALUE_MAX + 1];
};

/* Self-contained (no pointers): copy it, keep it, free nothing. */
struct tw_owner {
        enum tw_owner_source source;
        char team[TW_OWNER_VALUE_MAX + 1];    /* "" when source is NONE */
        char contact[TW_OWNER_VALUE_MAX + 1]; /* "" when none */
        struct tw_owner_pair
                pairs[TW_OWNER_KEYS_MAX]; /* description pairs, key order of the description */
        size_t n_pairs;
};

/* Whether s (NULL: no) may be an owner value; see above. */
bool tw_owner_value_ok(const char *s);

/* Resolves t's owner into *ret.  inv may be NULL (sources 3 and 4 then do
 * not answer).  -EINVAL for a NULL t, policy or ret, or a policy with more
 * than TW_OWNER_KEYS_MAX keys; *ret is written on success only. */
int tw_owner_resolve(const struct tw_inventory *inv, const struct tw_token *t,
                     const struct tw_owner_policy *policy, struct tw_owner *ret);

/* Checks one rule for the config parser: -EINVAL with *ret_why (a static
 * string) when it can never match or is unusable: both or neither of glob and
 * workspace id, an empty glob, a glob with an unterminated '[' bracket or a
 * trailing lone '\', a workspace id that fails tw_is_valid_id(), a team or
 * contact that fails tw_owner_value_ok() (team required).  Whether the
 * workspace exists is the caller's (the inventory is not known at load). */
int tw_owner_rule_check(const struct tw_owner_rule *rule, const char **ret_why);

/* Checks a key list: 1..TW_OWNER_KEYS_MAX keys, each 1..TW_OWNER_VALUE_MAX
 * bytes of [A-Za-z0-9_] not starting with a digit (so a key can be a
 * Prometheus label name), no duplicates (case-insensitive).  -EINVAL with
 * *ret_why otherwise. */
int tw_owner_keys_check(const char *const *keys, size_t n_keys, const char **ret_why);

#endif
