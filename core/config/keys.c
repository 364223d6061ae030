/* The key tables of the fixed sections, of [webhook.NAME] and of
 * [astro.NAME], and applying one key of them. */
#include "core/config/keys_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config_internal.h"
#include "lib/suggest.h"

#define C(field) offsetof(struct tw_config, field)
#define W(field) offsetof(struct tw_webhook_config, field)
#define DAY (86400.0)

static const struct key_def config_keys[] = {
        {"astro", "api_url", T_URL, C(astro.api_url), 0, 0, "https://api.astronomer.io"},
        {"astro", "api_version", T_API_VERSION, C(astro.api_version), 0, 0, "v1"},
        {"astro", "organization_id", T_ID, C(astro.organization_id), 0, 0, NULL},
        {"astro", "token_file", T_STRING, C(astro.token_file), 0, 0, NULL},
        {"astro", "token_env", T_ID, C(astro.token_env), 0, 0, NULL},
        {"astro", "display_name", T_STRING, C(astro.display_name), 0, 0, NULL},
        {"astro", "workspaces", T_ID_LIST, C(astro.workspaces), 0, 0, NULL},
        {"astro", "include_organization_tokens", T_BOOL, C(astro.include_organization_tokens), 0, 0,
         "true"},
        {"astro", "include_deployment_tokens", T_BOOL, C(astro.include_deployment_tokens), 0, 0,
         "true"},
        {"astro", "request_timeout", T_DURATION, C(astro.request_timeout), 1, 600, "30s"},
        {"astro", "max_concurrency", T_INT, C(astro.max_concurrency), 1, 64, "4"},
        {"astro", "rate_limit", T_DOUBLE, C(astro.rate_limit), 0.1, 1000, "20"},
        {"astro", "max_retries", T_INT, C(astro.max_retries), 0, 20, "5"},
        {"agent", "interval", T_DURATION, C(agent.interval), 1, 7 * DAY, "5m"},
        {"agent", "cycle_timeout", T_DURATION, C(agent.cycle_timeout), 1, 7 * DAY, NULL},
        {"agent", "state_dir", T_STRING, C(agent.state_dir), 0, 0, "/var/lib/tokenwatch"},
        {"agent", "log_level", T_LOG_LEVEL, C(agent.log_level), 0, 0, "info"},
        {"agent", "log_format", T_LOG_FORMAT, C(agent.log_format), 0, 0, "logfmt"},
        {"agent", "listen", T_LISTEN, C(agent.listen), 0, 0, "127.0.0.1:9842"},
        {"agent", "metrics_creator_names", T_BOOL, C(agent.metrics_creator_names), 0, 0, NULL},
        {"policy", "expiry_critical", T_THRESHOLD, C(policy.expiry_critical), 0, 0, "7d"},
        {"policy", "expiry_warning", T_THRESHOLD, C(policy.expiry_warning), 0, 0, "30d"},
        {"policy", "require_expiry", T_BOOL, C(policy.require_expiry), 0, 0, "true"},
        {"policy", "unused_after", T_DURATION_OFF, C(policy.unused_after), 1, 3650 * DAY, "90d"},
        {"policy", "never_used_after", T_DURATION_OFF, C(policy.never_used_after), 1, 3650 * DAY,
         "14d"},
        {"policy", "max_organization_role", T_ROLE_ORG, C(policy.max_organization_role), 0, 0,
         "ORGANIZATION_BILLING_ADMIN"},
        {"policy", "max_workspace_role", T_ROLE_WORKSPACE, C(policy.max_workspace_role), 0, 0,
         "WORKSPACE_OPERATOR"},
        {"policy", "max_deployment_role", T_ROLE_DEPLOYMENT, C(policy.max_deployment_role), 0, 0,
         "DEPLOYMENT_ADMIN"},
        {"policy", "expiry_notify_at", T_STAGES, C(policy.expiry_notify_at), 0, 0, NULL},
        /* The learning period: short, so that a fresh install (30 days of
         * backfill) can tell a new source. */
        {"policy", "new_source_after", T_DURATION_OFF, C(policy.new_source_after), DAY, 3650 * DAY,
         "7d"},
        {"policy", "new_source_for", T_DURATION, C(policy.new_source_for), 3600, 365 * DAY, "7d"},
        {"trail", "in_use_window", T_DURATION, C(trail.in_use_window), 60, 90 * DAY, "24h"},
        {"trail", "max_bytes", T_SIZE, C(trail.max_bytes), 4096, 1099511627776.0, "16777216"},
        {"trail", "files", T_INT, C(trail.files), 1, 100, "5"},
        {"audit_logs", "enabled", T_AUTO_BOOL, C(auditlog.enabled), 0, 0, "auto"},
        /* 90 days is the retention of the audit logs. */
        {"audit_logs", "backfill", T_DURATION, C(auditlog.backfill), 60, 90 * DAY, "30d"},
        /* At least 60 s: a fetch and its retries stay within 2 calls a minute. */
        {"audit_logs", "interval", T_DURATION, C(auditlog.interval), 60, 7 * DAY, "15m"},
        {"audit_logs", "metrics_sources", T_BOOL, C(auditlog.metrics_sources), 0, 0, NULL},
        {"web", "tls_cert_file", T_STRING, C(web.tls_cert_file), 0, 0, NULL},
        {"web", "tls_key_file", T_STRING, C(web.tls_key_file), 0, 0, NULL},
        {"web", "client_ca_file", T_STRING, C(web.client_ca_file), 0, 0, NULL},
        {"web", "status_page", T_BOOL, C(web.status_page), 0, 0, "true"},
        /* At least a minute: every check is a call to each copy's store. */
        {"deliver", "check_interval", T_DURATION, C(deliver.check_interval), 60, 7 * DAY, "1h"},
        {"rotation", "enabled", T_BOOL, C(rotation.enabled), 0, 0, NULL},
        {"rotation", "before", T_LEAD, C(rotation.before), 0, 0, "30d"},
        {"rotation", "strategy", T_STRATEGY, C(rotation.strategy), 0, 0, "replace"},
        {"rotation", "retire_after", T_DURATION, C(rotation.retire_after), 0, 30 * DAY, "1h"},
        /* Astro takes 1 to 3650 days (tokenExpiryPeriodInDays). */
        {"rotation", "expiry", T_DAYS, C(rotation.expiry_days), 1, 3650, NULL},
        {"rotation", "token_file", T_STRING, C(rotation.token_file), 0, 0, NULL},
        {"rotation", "token_env", T_ID, C(rotation.token_env), 0, 0, NULL},
};

static const struct key_def webhook_keys[] = {
        {"webhook", "url", T_URL_LIST, W(url), 0, 0, NULL},
        {"webhook", "url_file", T_STRING, W(url_file), 0, 0, NULL},
        {"webhook", "format", T_STRING, W(format), 0, 0, NULL},
        {"webhook", "min_severity", T_SEVERITY, W(min_severity), 0, 0, "warning"},
        {"webhook", "kinds", T_KINDS, W(kinds), 0, 0, "*"},
        {"webhook", "workspaces", T_ID_LIST, W(workspaces), 0, 0, NULL},
        {"webhook", "teams", T_TEAMS, W(teams), 0, 0, NULL},
        {"webhook", "match", T_MATCH, W(match), 0, 0, NULL},
        {"webhook", "timeout", T_DURATION, W(timeout), 1, 300, "10s"},
        {"webhook", "max_retries", T_INT, W(max_retries), 0, 1000, "10"},
        {"webhook", "secret", T_STRING, W(secret), 0, 0, NULL},
        {"webhook", "secret_file", T_STRING, W(secret_file), 0, 0, NULL},
        {"webhook", "routing_key", T_STRING, W(routing_key), 0, 0, NULL},
        {"webhook", "routing_key_file", T_STRING, W(routing_key_file), 0, 0, NULL},
        {"webhook", "repeat_interval", T_DURATION, W(repeat_interval), 0, 365 * DAY, "24h"},
        {"webhook", "queue_max", T_SIZE, W(queue_max), 1, 1000000, "10000"},
        {"webhook", "digest", T_SCHEDULE, W(digest), 0, 0, NULL},
        {"webhook", "events", T_BOOL, W(events), 0, 0, "on"},
        {"webhook", "changes", T_CHANGES, W(changes), 0, 0, "all"},
        {"webhook", "expiry_notify_at", T_STAGES, W(expiry_notify_at), 0, 0, NULL},
};

/* Keys under their old names.  [audit] held the keys of two systems, the
 * trail of token changes and the Astro audit logs; each key still works
 * there, with a warning naming its new section and key. */
static const struct {
        const char *section, *name, *new_section, *new_name;
} renamed[] = {
        {"audit", "in_use_window", "trail", "in_use_window"},
        {"audit", "log_max_bytes", "trail", "max_bytes"},
        {"audit", "log_files", "trail", "files"},
        {"audit", "enabled", "audit_logs", "enabled"},
        {"audit", "backfill", "audit_logs", "backfill"},
        {"audit", "interval", "audit_logs", "interval"},
        {"audit", "metrics_sources", "audit_logs", "metrics_sources"},
};

/* [owners] keys and labels, for tw_config_key_at(): the section's rules
 * are free-form, so they are parsed in owners.c, not by the table. */
static const char *const owners_keys[] = {"keys", "labels"};

_Static_assert(sizeof(config_keys) / sizeof(config_keys[0]) <= TW_CONFIG_MAX_KEYS, "too many keys");
_Static_assert(sizeof(webhook_keys) / sizeof(webhook_keys[0]) <= TW_CONFIG_MAX_WEBHOOK_KEYS,
               "too many webhook keys");

const char *tw_config_key_at(size_t i, const char **ret_section)
{
        const size_t n_config = sizeof(config_keys) / sizeof(config_keys[0]);
        const size_t n_webhook = sizeof(webhook_keys) / sizeof(webhook_keys[0]);
        const struct key_def *k;
        const char *name;

        if (i < n_config)
                k = &config_keys[i];
        else if (i < n_config + n_webhook)
                k = &webhook_keys[i - n_config];
        else if (i < n_config + n_webhook + 2) {
                *ret_section = "owners";
                return owners_keys[i - n_config - n_webhook];
        } else {
                name = tw_config_copy_key_at(i - n_config - n_webhook - 2);
                if (name)
                        *ret_section = "deliver.NAME";
                return name;
        }
        *ret_section = k->section;
        return k->name;
}

/* Sets every key of table that has a default, through its parser. */
static int set_defaults(const struct key_def *table, size_t n, void *base)
{
        struct why why;

        for (size_t i = 0; i < n; i++) {
                int r = table[i].dflt ? tw_config_parse_value(&table[i], base, table[i].dflt, &why)
                                      : 0;

                if (r < 0)
                        return r == -ENOMEM ? r : -EINVAL; /* a bad row: the test catches it */
        }
        return 0;
}

int tw_config_set_defaults(struct tw_config *cfg)
{
        return set_defaults(config_keys, sizeof(config_keys) / sizeof(config_keys[0]), cfg);
}

int tw_config_webhook_set_defaults(struct tw_webhook_config *w)
{
        return set_defaults(webhook_keys, sizeof(webhook_keys) / sizeof(webhook_keys[0]), w);
}

static bool is_duration(const struct key_def *def)
{
        return tw_config_type_in_seconds(def->type);
}

/* Applies row i of a table, as written under [section] name. */
static void apply_row(struct tw_config_parser *p, const struct key_def *row, void *base, int *seen,
                      const char *section, const char *name, const char *value)
{
        struct why why;
        int r;

        if (seen && *seen) {
                tw_config_error(p, section, name, "given twice (first on line %d)", *seen);
                return;
        }
        if (seen)
                *seen = p->lineno;
        r = tw_config_parse_value(row, base, value, &why);
        if (r == -ENOMEM)
                p->nomem = true;
        else if (r == -ERANGE && row->max > row->min)
                tw_config_error(p, section, name, "out of range (%.15g%s to %.15g%s)", row->min,
                                is_duration(row) ? "s" : "", row->max, is_duration(row) ? "s" : "");
        else if (r < 0)
                tw_config_error(p, section, name, "%s", why.text ? why.text : "invalid value");
}

/* The row of table_section's key name, or -1. */
static long find_row(const struct key_def *table, size_t n, const char *table_section,
                     const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].section, table_section) == 0 &&
                    strcmp(table[i].name, name) == 0)
                        return (long)i;
        return -1;
}

/* Applies one key of a table; reports unknown keys and bad values. */
static void apply_key(struct tw_config_parser *p, const struct key_def *table, size_t n,
                      const char *table_section, void *base, int *seen, const char *section,
                      const char *name, const char *value)
{
        long i = find_row(table, n, table_section, name);

        if (i < 0) {
                struct tw_suggest near;

                tw_suggest_init(&near, name);
                for (size_t k = 0; k < n; k++)
                        if (strcmp(table[k].section, table_section) == 0)
                                tw_suggest_add(&near, table[k].name);
                tw_config_unknown_key(p, section, name, tw_suggest_best(&near));
        } else
                apply_row(p, &table[i], base, seen ? &seen[i] : NULL, section, name, value);
}

static struct tw_webhook_config *webhook_for(struct tw_config_parser *p, const char *name)
{
        struct tw_config *cfg = p->cfg;
        struct tw_webhook_config *w;
        int(*seen)[TW_CONFIG_MAX_WEBHOOK_KEYS];

        for (size_t i = 0; i < cfg->n_webhooks; i++)
                if (strcmp(cfg->webhooks[i].name, name) == 0)
                        return &cfg->webhooks[i];
        seen = realloc(p->webhook_seen, (cfg->n_webhooks + 1) * sizeof(*seen));
        if (!seen)
                return NULL;
        p->webhook_seen = seen;
        memset(seen[cfg->n_webhooks], 0, sizeof(seen[0]));
        w = realloc(cfg->webhooks, (cfg->n_webhooks + 1) * sizeof(*w));
        if (!w)
                return NULL;
        cfg->webhooks = w;
        w = &cfg->webhooks[cfg->n_webhooks];
        memset(w, 0, sizeof(*w));
        w->name = strdup(name);
        if (!w->name)
                return NULL;
        cfg->n_webhooks++;
        return tw_config_webhook_set_defaults(w) < 0 ? NULL : w;
}

void tw_config_add_fixed_key(struct tw_config_parser *p, const char *section, const char *name,
                             const char *value)
{
        if (strcmp(section, "astro") == 0 && !p->astro_line)
                p->astro_line = p->lineno;
        apply_key(p, config_keys, sizeof(config_keys) / sizeof(config_keys[0]), section, p->cfg,
                  p->seen, section, name, value);
}

void tw_config_add_webhook_key(struct tw_config_parser *p, const char *section, const char *name,
                               const char *value)
{
        struct tw_webhook_config *w = webhook_for(p, section + strlen("webhook."));

        if (!w)
                p->nomem = true;
        else
                apply_key(p, webhook_keys, sizeof(webhook_keys) / sizeof(webhook_keys[0]),
                          "webhook", w, p->webhook_seen[w - p->cfg->webhooks], section, name,
                          value);
}

/* The [astro] rows, re-based onto a struct tw_astro_config: row i of
 * astro_rows() is config_keys[first + i] with its offset inside the struct. */
static size_t astro_rows(struct key_def *rows, size_t max)
{
        const size_t n_config = sizeof(config_keys) / sizeof(config_keys[0]);
        size_t n = 0;

        for (size_t i = 0; i < n_config && n < max; i++)
                if (strcmp(config_keys[i].section, "astro") == 0) {
                        rows[n] = config_keys[i];
                        rows[n++].offset -= C(astro);
                }
        return n;
}

int tw_config_astro_set_defaults(struct tw_astro_config *a)
{
        struct key_def rows[TW_CONFIG_MAX_ORG_KEYS];

        return set_defaults(rows, astro_rows(rows, TW_CONFIG_MAX_ORG_KEYS), a);
}

void tw_config_apply_astro_key(struct tw_config_parser *p, struct tw_astro_config *a, int *seen,
                               const char *section, const char *name, const char *value)
{
        struct key_def rows[TW_CONFIG_MAX_ORG_KEYS];

        apply_key(p, rows, astro_rows(rows, TW_CONFIG_MAX_ORG_KEYS), "astro", a, seen, section,
                  name, value);
}

int tw_config_astro_key_line(const int *seen, const char *name)
{
        struct key_def rows[TW_CONFIG_MAX_ORG_KEYS];
        size_t n = astro_rows(rows, TW_CONFIG_MAX_ORG_KEYS);

        for (size_t i = 0; i < n; i++)
                if (strcmp(rows[i].name, name) == 0)
                        return seen[i];
        return 0;
}

int tw_config_key_line(const struct tw_config_parser *p, const char *section, const char *name,
                       long webhook)
{
        const size_t n_config = sizeof(config_keys) / sizeof(config_keys[0]);
        const size_t n_webhook = sizeof(webhook_keys) / sizeof(webhook_keys[0]);
        int first = 0;

        if (webhook < 0) {
                for (size_t i = 0; i < n_config; i++)
                        if (strcmp(config_keys[i].section, section) == 0 &&
                            strcmp(config_keys[i].name, name) == 0)
                                return p->seen[i];
                return 0;
        }
        for (size_t i = 0; i < n_webhook; i++) {
                int line = p->webhook_seen[webhook][i];

                if (strcmp(webhook_keys[i].name, name) == 0 && line)
                        return line;
                if (line && (!first || line < first))
                        first = line;
        }
        return first;
}

void tw_config_add_renamed_key(struct tw_config_parser *p, const char *section, const char *name,
                               const char *value)
{
        const size_t n_config = sizeof(config_keys) / sizeof(config_keys[0]);
        struct tw_suggest near;

        for (size_t k = 0; k < sizeof(renamed) / sizeof(renamed[0]); k++) {
                long i;

                if (strcmp(renamed[k].section, section) != 0 || strcmp(renamed[k].name, name) != 0)
                        continue;
                i = find_row(config_keys, n_config, renamed[k].new_section, renamed[k].new_name);
                if (i < 0)
                        break; /* a bad row of renamed[]: unit_config_audit catches it */
                tw_config_warn(p, section, name, "renamed to [%s] %s; the old name still works",
                               renamed[k].new_section, renamed[k].new_name);
                /* the same slot: old and new name together are a key given twice */
                apply_row(p, &config_keys[i], p->cfg, &p->seen[i], section, name, value);
                return;
        }
        tw_suggest_init(&near, name);
        for (size_t k = 0; k < sizeof(renamed) / sizeof(renamed[0]); k++)
                if (strcmp(renamed[k].section, section) == 0)
                        tw_suggest_add(&near, renamed[k].name);
        tw_config_unknown_key(p, section, name, tw_suggest_best(&near));
}
