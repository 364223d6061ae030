#ifndef TW_CORE_CONFIG_CONFIG_H
#define TW_CORE_CONFIG_CONFIG_H

/*
 * tokenwatch's configuration: an INI file read with inih.
 *
 * tw_config_load_*() parse and validate everything at once and collect every
 * error, each naming the file, the line and the key ("FILE:LINE: [section]
 * key: problem").  Secrets are never read here: the config holds file paths;
 * callers read the secret files when they need them (lib/secret.h).
 * A loaded config is immutable and may be shared between threads.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config/copies.h"
#include "core/evaluate/finding.h"
#include "core/owner.h"
#include "core/notify/schedule.h"
#include "core/notify/stages.h"
#include "lib/log.h"

struct tw_buf;
struct tw_inventory;

#define TW_CONFIG_DEFAULT_PATH "/etc/tokenwatch/tokenwatch.ini"
#define TW_OFF ((int64_t)-1) /* a duration rule switched off */

/* [audit_logs] enabled: whether the Astro audit logs are read. */
enum tw_auditlog_mode {
        TW_AUDITLOG_AUTO, /* on while the credential may read them (a 403 turns it off) */
        TW_AUDITLOG_ON,   /* on; a 403 is an error, retried each interval */
        TW_AUDITLOG_OFF,  /* never called */
};

/* An expiry threshold: a duration, a percentage of the token's lifetime, or off. */
struct tw_threshold {
        bool off;
        bool percent;
        int64_t seconds;   /* when !percent */
        double percentage; /* when percent: 0 < p <= 100 */
};

/* A list of expiry lead times (core/notify/stages.h) as a key holds it: set tells
 * whether the key was given (a sink's own setting overrides [policy]'s). */
struct tw_stages_config {
        struct tw_stages stages;
        bool set;
};

struct tw_policy {
        struct tw_threshold expiry_critical; /* default 7d */
        struct tw_threshold expiry_warning;  /* default 30d */
        bool require_expiry;                 /* default true */
        int64_t unused_after;                /* default 90d, TW_OFF */
        int64_t never_used_after;            /* default 14d, TW_OFF */
        char *max_organization_role;         /* default ORGANIZATION_BILLING_ADMIN */
        char *max_workspace_role;            /* default WORKSPACE_OPERATOR */
        char *max_deployment_role;           /* default DEPLOYMENT_ADMIN */
        /* Staged expiry notices: the default of every sink's
         * expiry_notify_at; empty (off) by default. */
        struct tw_stages_config expiry_notify_at;
        /* new_source: a source is new when the token's audit-log usage began
         * at least new_source_after before the source first appeared; the
         * finding stays active for new_source_for after that. */
        int64_t new_source_after; /* the learning period; default 7d, TW_OFF */
        int64_t new_source_for;   /* default 7d */
};

/* [suppress] <token_id>[.<kind>] = <YYYY-MM-DD> <reason> */
struct tw_suppression {
        char *token_id;
        bool all_kinds;
        enum tw_finding_kind kind; /* when !all_kinds */
        int64_t until;             /* end of the day given (UTC), exclusive */
        char *reason;
        int line;
};

/* [webhook.NAME] */
struct tw_webhook_config {
        char *name;
        char *url;      /* a secret: log its host only */
        char *url_file; /* or the file holding it */
        /* The sink format's name (NULL: generic).  core/ does not know the
         * formats: exporters/sinks/sinks.h checks it and the keys that depend
         * on it, naming the lines below (the section's first line if unset). */
        char *format;
        int format_line, url_line, secret_line, routing_key_line;
        /* the secret files' key lines (the section's first line if unset) */
        int url_file_line, secret_file_line, routing_key_file_line;
        enum tw_severity min_severity; /* default warning */
        unsigned kinds;                /* bit per enum tw_finding_kind; default all */
        char **workspaces;             /* NULL: every token */
        size_t n_workspaces;
        char **teams; /* owner teams; NULL: every team */
        size_t n_teams;
        char **match; /* "key=value" owner matches; NULL: none */
        size_t n_match;
        int64_t timeout;   /* default 10s */
        int max_retries;   /* default 10 */
        char *secret_file; /* generic: HMAC key file */
        char *secret;      /* or inline */
        char *routing_key; /* pagerduty */
        char *routing_key_file;
        int64_t repeat_interval; /* default 24h, 0 off */
        size_t queue_max;        /* default 10000 */
        /* digest = <schedule>: one message per period listing every
         * finding the sink routes; the zone is loaded (and checked) by
         * exporters/notify/digest_internal.h.  events = off: digests only. */
        struct tw_webhook_digest {
                bool on; /* false: no digest (default) */
                struct tw_schedule schedule;
        } digest;
        bool events; /* default true */
        int digest_line, events_line;
        /* Token change events (core/events.h) pushed: bit per enum
         * tw_event_kind; default all (only warning and critical ones are ever
         * pushed); 0: none. */
        unsigned changes;
        /* Staged expiry notices; unless set, [policy]'s (copied at load). */
        struct tw_stages_config expiry_notify_at;
        int expiry_notify_at_line; /* for the format's check */
};

/* [astro] or one [astro.NAME]: one organization to watch. */
struct tw_astro_config {
        char *name;            /* NAME; NULL for [astro] */
        char *display_name;    /* for people; NULL: none */
        int line;              /* the section's first key line; 0 for [astro] */
        char *api_url;         /* default https://api.astronomer.io */
        char *api_version;     /* v1 | v1beta1 */
        char *organization_id; /* NULL: from the credential */
        char *token_file;      /* NULL: token_env */
        char *token_env;       /* NULL: $ASTRO_API_TOKEN */
        /* the lines token_file and api_url are set on; 0: not in the file */
        int token_file_line, api_url_line;
        char **workspaces; /* NULL: "*" */
        size_t n_workspaces;
        bool include_organization_tokens;
        bool include_deployment_tokens;
        int64_t request_timeout; /* seconds, default 30 */
        int max_concurrency;     /* default 4 */
        double rate_limit;       /* requests/s, default 20 */
        int max_retries;         /* default 5 */
};

/* [rotation] strategy. */
enum tw_rotation_strategy {
        TW_ROTATION_REPLACE, /* create a twin, update every copy, then delete the old token */
        TW_ROTATION_ROTATE,  /* Astro's rotate in place: the old value dies at once */
};

/* [rotation]: renewing tokens before they expire (only tokens with at least
 * one [deliver.NAME] copy are ever renewed). */
struct tw_rotation_config {
        bool enabled;                       /* the daemon renews; default false */
        struct tw_threshold before;         /* before endAt: a duration or a % of the
                                               lifetime (never off); default 30d */
        enum tw_rotation_strategy strategy; /* default replace */
        int64_t retire_after;               /* replace: seconds the old token lives on
                                               once every copy holds the new value; 0: at
                                               once; default 1h */
        int expiry_days;  /* the new token's lifetime in days; 0 (default): the old
                             token's expiryPeriodInDays */
        char *token_file; /* a credential that may manage tokens; NULL: token_env */
        char *token_env;  /* NULL too: the organization's own credential */
        /* the lines token_file and token_env are set on; 0: not in the file */
        int token_file_line, token_env_line;
};

/* "replace" or "rotate". */
const char *tw_rotation_strategy_to_string(enum tw_rotation_strategy s);

/* [web.basic_auth_users] name = bcrypt hash */
struct tw_web_user {
        char *name;
        char *hash;
};

struct tw_config {
        char *path; /* the file it came from, or "<string>" */
        /* What loaded but should change (a key under its old name), one line
         * each like the errors ("FILE:LINE: [section] key: message\n");
         * NULL: nothing.  The caller shows them. */
        char *warnings;

        /* [astro]: the one organization of a single-organization config.
         * With [astro.NAME] sections, orgs[] holds them and astro keeps its
         * defaults; walk the organizations with tw_config_org(). */
        struct tw_astro_config astro;
        struct tw_astro_config *orgs; /* [astro.NAME], in file order */
        size_t n_orgs;

        struct {
                int64_t interval;      /* default 5m */
                int64_t cycle_timeout; /* seconds; 0: auto, tw_config_cycle_timeout() */
                char *state_dir;       /* default /var/lib/tokenwatch */
                enum tw_log_level log_level;
                enum tw_log_format log_format;
                char *listen;               /* default 127.0.0.1:9842 */
                bool metrics_creator_names; /* default false: ids only */
        } agent;

        struct tw_policy policy;

        /* [trail]: tokenwatch's own record of token changes in state_dir. */
        struct {
                int64_t in_use_window; /* default 24h: a token used this recently is in use */
                size_t max_bytes;      /* default 16 MiB: the trail file rotates past this */
                int files;             /* default 5: trail files kept, the live one included */
        } trail;

        /* [audit_logs]: Astro's audit logs (an Organization Owner credential). */
        struct {
                enum tw_auditlog_mode enabled; /* default auto */
                int64_t backfill;              /* seconds, default 30d, at most 90d */
                int64_t interval;              /* seconds, default 15m, at least 60s */
                bool metrics_sources;          /* default false: source IPs/agents are not labels */
        } auditlog;

        /* [owners]: description keys, label keys and rules.
         * Strings are owned by the config; see tw_config_owner_policy(). */
        struct {
                /* [owners] keys; NULL: core/owner.h's defaults */
                char **keys;
                size_t n_keys;
                char **labels; /* owner keys exported as metric labels; NULL: "team" */
                size_t n_labels;
                struct tw_owner_rule *rules; /* strings owned */
                int *rule_lines;
                size_t n_rules;
        } owners;

        struct tw_suppression *suppressions;
        size_t n_suppressions;

        struct {
                char *tls_cert_file;
                char *tls_key_file;
                char *client_ca_file;
                struct tw_web_user *users;
                size_t n_users;
                bool status_page; /* serve the status page at /; default true */
        } web;

        struct tw_webhook_config *webhooks;
        size_t n_webhooks;

        /* [deliver.NAME]: the copies of tokens in secret stores, in file
         * order (core/config/copies.h). */
        struct tw_copy_config *copies;
        size_t n_copies;
        /* [deliver]: how often each copy's store is read (default 1h). */
        struct {
                int64_t check_interval;
        } deliver;

        struct tw_rotation_config rotation;
};

/* Parses text as the file named filename.  On success *ret_config is a new
 * config; on failure every error is appended to errors (one per line) and
 * -EINVAL is returned.  -ENOMEM on allocation failure.  A config that
 * loads may carry warnings (cfg->warnings) for the caller to show. */
int tw_config_load_string(const char *text, const char *filename, struct tw_config **ret_config,
                          struct tw_buf *errors);
/* Reads and parses a file; -ENOENT etc. (with a message in errors) if unreadable. */
int tw_config_load_file(const char *path, struct tw_config **ret_config, struct tw_buf *errors);
/* A config with every default, as an empty file gives. */
/* The deadline of one collection, in seconds: [agent] cycle_timeout, or by
 * default half the interval but at least 60 s, so that a hung API cannot
 * stall the agent past its next cycle by much. */
int64_t tw_config_cycle_timeout(const struct tw_config *cfg);

/* The keys the parser knows, for documentation checks: the i-th key's name,
 * with its section in *ret_section ("webhook.NAME" sections as "webhook"),
 * or NULL past the last.  Free-form sections ([suppress],
 * [web.basic_auth_users]) have no fixed keys and are not listed; of
 * [owners], keys and labels are (its rules are free-form). */
const char *tw_config_key_at(size_t i, const char **ret_section);
/* The sections the parser knows, for documentation checks: the i-th
 * section's name, or NULL past the last; *ret_family when it is a family of
 * sections (name.NAME, e.g. webhook), *ret_renamed when its keys are old
 * names of keys that moved to other sections.  A name may come twice
 * ([astro] and [astro.NAME]). */
const char *tw_config_section_at(size_t i, bool *ret_family, bool *ret_renamed);

int tw_config_new_default(struct tw_config **ret_config);
/* The owner policy of cfg's [owners] section, borrowing cfg's strings (valid
 * while cfg lives), for tw_owner_resolve(). */
void tw_config_owner_policy(const struct tw_config *cfg, struct tw_owner_policy *ret);
/* Appends one line per [owners] rule naming a workspace id that inv does not
 * hold, once inv's workspaces were all listed ("FILE:LINE: [owners]
 * workspace ID: ..."): such a rule cannot be checked at load.  Returns how
 * many, or -ENOMEM. */
int tw_config_owner_unknown_workspaces(const struct tw_config *cfg, const struct tw_inventory *inv,
                                       struct tw_buf *out);
void tw_config_free(struct tw_config *cfg);

/* The base URL for one API family: "tokens"/"users" or "workspaces"/"deployments",
 * e.g. "https://api.astronomer.io/v1" or ".../iam/v1beta1".  Caller frees. */
char *tw_config_api_base(const struct tw_config *cfg, const char *resource);
char *tw_astro_api_base(const struct tw_astro_config *a, const char *resource);

/* The organizations to watch (core/config/orgs.c): [astro] alone, or every
 * [astro.NAME] in file order.  tw_config_org(cfg, i) for i below the count. */
size_t tw_config_org_count(const struct tw_config *cfg);
const struct tw_astro_config *tw_config_org(const struct tw_config *cfg, size_t i);
/* How logs and errors name an organization's section: "astro" or "astro.NAME". */
const char *tw_astro_section(const struct tw_astro_config *a, char *buf, size_t size);
/* The organization a name given on the command line means: a section NAME,
 * an organization_id or a display_name; NULL if none. */
const struct tw_astro_config *tw_config_org_find(const struct tw_config *cfg, const char *name);
void tw_astro_config_done(struct tw_astro_config *a);

#endif
