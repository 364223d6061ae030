#ifndef TW_CORE_CONFIG_CONFIG_INTERNAL_H
#define TW_CORE_CONFIG_CONFIG_INTERNAL_H

/* Internal to core/config: the parser's state, and what the registry of
 * sections (parse.c), the section parsers and the checks share. */

#include <stdbool.h>
#include <stddef.h>

#include "core/config/config.h"
#include "lib/buf.h"

#define TW_CONFIG_MAX_KEYS 64
#define TW_CONFIG_MAX_WEBHOOK_KEYS 32
#define TW_CONFIG_MAX_ORG_KEYS 16

struct tw_config_parser {
        struct tw_config *cfg;
        const char *filename;
        struct tw_buf *errors;
        size_t n_errors;
        struct tw_buf warnings; /* lines like the errors', for cfg->warnings */
        bool nomem;
        /* reader state */
        const char *cursor;
        int lineno;
        bool at_line_start;
        /* the line each fixed key was first set on, to refuse duplicates */
        int seen[TW_CONFIG_MAX_KEYS];
        int seen_workspaces_line;
        int owners_keys_line, owners_labels_line; /* [owners] keys, labels */
        /* the same per [webhook.NAME], parallel to cfg->webhooks; freed by the loader */
        int (*webhook_seen)[TW_CONFIG_MAX_WEBHOOK_KEYS];
        /* the same per [astro.NAME], parallel to cfg->orgs; freed by the loader */
        int (*org_seen)[TW_CONFIG_MAX_ORG_KEYS];
        int astro_line; /* the first line of [astro], 0 if absent */
};

/* Sets every key's default from the key tables (the values an empty file
 * gives).  0, -ENOMEM, or -EINVAL if a table default does not parse. */
int tw_config_set_defaults(struct tw_config *cfg);
int tw_config_webhook_set_defaults(struct tw_webhook_config *w);

/* The section parsers the registry (parse.c) calls, one key at a time:
 * section is the section's name as written. */
/* [astro], [agent], [policy], [web], [trail], [audit_logs]: the key table
 * (keys.c) */
void tw_config_add_fixed_key(struct tw_config_parser *p, const char *section, const char *name,
                             const char *value);
/* [audit]: keys under their old names, each applied as its new name with a
 * warning (keys.c) */
void tw_config_add_renamed_key(struct tw_config_parser *p, const char *section, const char *name,
                               const char *value);
/* [webhook.NAME]: the webhook key table (keys.c) */
void tw_config_add_webhook_key(struct tw_config_parser *p, const char *section, const char *name,
                               const char *value);
/* [suppress] <token_id>[.<kind>] = <YYYY-MM-DD> <reason> (sections.c) */
void tw_config_add_suppression(struct tw_config_parser *p, const char *section, const char *name,
                               const char *value);
/* [web.basic_auth_users] name = bcrypt hash (sections.c) */
void tw_config_add_web_user(struct tw_config_parser *p, const char *section, const char *name,
                            const char *value);
/* [owners] keys, labels and rules (owners.c) */
void tw_config_add_owner(struct tw_config_parser *p, const char *section, const char *name,
                         const char *value);
/* The checks of [owners] labels and [webhook.NAME] match once the file is read. */
void tw_config_validate_owners(struct tw_config_parser *p);
/* [astro] keys for one [astro.NAME] (keys.c): the [astro] rows applied to
 * a, with seen[] indexed like those rows. */
int tw_config_astro_set_defaults(struct tw_astro_config *a);
void tw_config_apply_astro_key(struct tw_config_parser *p, struct tw_astro_config *a, int *seen,
                               const char *section, const char *name, const char *value);
/* The line of key name in seen[] (0: not set). */
int tw_config_astro_key_line(const int *seen, const char *name);
/* [astro.NAME] (orgs.c): the section's org, made on first sight. */
void tw_config_add_org_key(struct tw_config_parser *p, const char *section, const char *name,
                           const char *value);
/* Checks across organizations: duplicate organization_id, [astro] mixed in. */
void tw_config_validate_orgs(struct tw_config_parser *p);

/* [deliver.NAME] (copies.c): one key of the section's copy, made on first
 * sight; and the checks of every copy once the file is read
 * (copies_check.c). */
void tw_config_add_copy_key(struct tw_config_parser *p, const char *section, const char *name,
                            const char *value);
void tw_config_validate_copies(struct tw_config_parser *p);
/* The i-th key of [deliver.NAME] (token, astro, adopt, type, then every
 * store key of every type once), or NULL past the last. */
const char *tw_config_copy_key_at(size_t i);

/* inih's handler: the registry of sections (parse.c). */
int tw_config_handler(void *user, const char *section, const char *name, const char *value);
/* The checks that span keys, once the file is read (validate.c). */
void tw_config_validate(struct tw_config_parser *p);
/* The line a key was set on, for errors that span keys: for a webhook key
 * (webhook >= 0) the key's line, else its section's first key line; 0 if the
 * key (and, for webhooks, the section) was never set. */
int tw_config_key_line(const struct tw_config_parser *p, const char *section, const char *name,
                       long webhook);

/* Appends "FILE:LINE: [section] key: message" (section/key may be NULL)
 * (parse_common.c). */
void tw_config_error(struct tw_config_parser *p, const char *section, const char *key,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void tw_config_error_at(struct tw_config_parser *p, int line, const char *section, const char *key,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "unknown key", and "did you mean NEAR?" when near is not NULL (the
 * nearest known key of the section, lib/suggest.h). */
void tw_config_unknown_key(struct tw_config_parser *p, const char *section, const char *key,
                           const char *near);
/* The same as a warning: the file still loads, and the caller shows
 * cfg->warnings (tw_config_load_*()). */
void tw_config_warn(struct tw_config_parser *p, const char *section, const char *key,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
