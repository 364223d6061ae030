#include "core/config/parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "core/config/values.h"
#include "core/events.h"
#include "core/roles.h"

/*
 * Every key of the fixed sections and of [webhook.NAME] is one row of a
 * table (name, type, offset, range, default), as in redis's config.c; each
 * type is one parser function in types[].  A new key is one row; a new kind
 * of value is one function and one types[] entry.  Defaults are parsed by
 * the same functions, so a default can never be a value the parser refuses.
 */
enum key_type {
        T_STRING,
        T_URL,
        T_URL_LIST, /* comma-separated URLs, stored comma-joined without spaces */
        T_BOOL,
        T_INT,
        T_DOUBLE,
        T_DURATION,
        T_DURATION_OFF,
        T_THRESHOLD,
        T_LOG_LEVEL,
        T_LOG_FORMAT,
        T_API_VERSION,
        T_ID,
        T_ID_LIST, /* "*" gives NULL; ids otherwise (count at offset + sizeof(char **)) */
        T_LISTEN,
        T_ROLE_ORG,
        T_ROLE_WORKSPACE,
        T_ROLE_DEPLOYMENT,
        T_SEVERITY,
        T_KINDS,
        T_SIZE,
        T_SCHEDULE,  /* a digest schedule (core/notify/schedule.h), or "off" */
        T_TEAMS,     /* owner teams, count at offset + sizeof(char **) */
        T_MATCH,     /* key=value owner matches, likewise */
        T_CHANGES,   /* token change event kinds: a mask, "all" or "none" */
        T_STAGES,    /* expiry lead times: struct tw_stages_config */
        T_AUTO_BOOL, /* auto, or a boolean: enum tw_auditlog_mode */
        _T_MAX,
};

struct key_def {
        const char *section;
        const char *name;
        enum key_type type;
        size_t offset;
        double min, max;  /* for numbers and durations; equal: no range */
        const char *dflt; /* parsed into a new config; NULL: zero */
};

/* Why a value was refused: static text, or text built in buf. */
struct why {
        const char *text;
        char buf[256];
};

/* Parses value into field (at the row's offset).  0, -EINVAL or -ERANGE
 * with why->text set, -ENOMEM. */
typedef int parse_fn(const struct key_def *def, void *field, const char *value, struct why *why);

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
        {"audit", "in_use_window", T_DURATION, C(audit.in_use_window), 60, 90 * DAY, "24h"},
        {"audit", "log_max_bytes", T_SIZE, C(audit.log_max_bytes), 4096, 1099511627776.0,
         "16777216"},
        {"audit", "log_files", T_INT, C(audit.log_files), 1, 100, "5"},
        {"audit", "enabled", T_AUTO_BOOL, C(audit.enabled), 0, 0, "auto"},
        /* 90 days is the retention of the audit logs. */
        {"audit", "backfill", T_DURATION, C(audit.backfill), 60, 90 * DAY, "30d"},
        /* At least 60 s: a fetch and its retries stay within 2 calls a minute. */
        {"audit", "interval", T_DURATION, C(audit.interval), 60, 7 * DAY, "15m"},
        {"audit", "metrics_sources", T_BOOL, C(audit.metrics_sources), 0, 0, NULL},
        {"web", "tls_cert_file", T_STRING, C(web.tls_cert_file), 0, 0, NULL},
        {"web", "tls_key_file", T_STRING, C(web.tls_key_file), 0, 0, NULL},
        {"web", "client_ca_file", T_STRING, C(web.client_ca_file), 0, 0, NULL},
        {"web", "status_page", T_BOOL, C(web.status_page), 0, 0, "true"},
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

/* [owners] keys and labels, for tw_config_key_at(): the section's rules
 * are free-form, so they are parsed in config_owners.c, not by the table. */
static const char *const owners_keys[] = {"keys", "labels"};

_Static_assert(sizeof(config_keys) / sizeof(config_keys[0]) <= TW_CONFIG_MAX_KEYS, "too many keys");
_Static_assert(sizeof(webhook_keys) / sizeof(webhook_keys[0]) <= TW_CONFIG_MAX_WEBHOOK_KEYS,
               "too many webhook keys");

const char *tw_config_key_at(size_t i, const char **ret_section)
{
        const size_t n_config = sizeof(config_keys) / sizeof(config_keys[0]);
        const size_t n_webhook = sizeof(webhook_keys) / sizeof(webhook_keys[0]);
        const struct key_def *k;

        if (i < n_config)
                k = &config_keys[i];
        else if (i < n_config + n_webhook)
                k = &webhook_keys[i - n_config];
        else if (i < n_config + n_webhook + 2) {
                *ret_section = "owners";
                return owners_keys[i - n_config - n_webhook];
        } else
                return NULL;
        *ret_section = k->section;
        return k->name;
}

static void verror(struct tw_config_parser *p, int line, const char *section, const char *key,
                   const char *fmt, va_list ap)
{
        struct tw_buf *b = p->errors;

        p->n_errors++;
        if (!b)
                return;
        if (line > 0)
                tw_buf_printf(b, "%s:%d: ", p->filename, line);
        else
                tw_buf_printf(b, "%s: ", p->filename);
        if (section && key)
                tw_buf_printf(b, "[%s] %s: ", section, key);
        else if (section)
                tw_buf_printf(b, "[%s]: ", section);
        else if (key)
                tw_buf_printf(b, "%s: ", key);
        tw_buf_vprintf(b, fmt, ap);
        tw_buf_addc(b, '\n');
}

void tw_config_error(struct tw_config_parser *p, const char *section, const char *key,
                     const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        verror(p, p->lineno, section, key, fmt, ap);
        va_end(ap);
}

void tw_config_error_at(struct tw_config_parser *p, int line, const char *section, const char *key,
                        const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        verror(p, line, section, key, fmt, ap);
        va_end(ap);
}

static int set_string(char **field, const char *value)
{
        char *s = strdup(value);

        if (!s)
                return -ENOMEM;
        free(*field);
        *field = s;
        return 0;
}

static int parse_string(const struct key_def *def, void *f, const char *value, struct why *why)
{
        (void)def;
        if (!*value) {
                why->text = "must not be empty";
                return -EINVAL;
        }
        return set_string(f, value);
}

static int parse_url(const struct key_def *def, void *f, const char *value, struct why *why)
{
        char *u = NULL;
        int r = tw_parse_url(value, &u, &why->text);

        (void)def;
        if (r < 0)
                return r;
        free(*(char **)f);
        *(char **)f = u;
        return 0;
}

/* An Alertmanager HA pair is "url = https://am1/,https://am2/": every
 * address is checked like a single url. */
static int parse_url_list(const struct key_def *def, void *f, const char *value, struct why *why)
{
        struct tw_buf out;
        const char *p = value;
        char **field = f;
        int r = 0;

        (void)def;
        tw_buf_init(&out, 64 * 1024);
        while (r == 0) {
                size_t n = strcspn(p, ",");
                char *item = strndup(p, n), *s, *e, *u = NULL;

                if (!item) {
                        r = -ENOMEM;
                        break;
                }
                for (s = item; *s == ' ' || *s == '\t'; s++)
                        ;
                for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
                        ;
                *e = '\0';
                r = tw_parse_url(s, &u, &why->text);
                free(item);
                if (r == 0)
                        r = tw_buf_printf(&out, "%s%s", out.len ? "," : "", u);
                free(u);
                if (!p[n])
                        break;
                p += n + 1;
        }
        if (r == 0) {
                free(*field);
                *field = tw_buf_steal(&out);
                r = *field ? 0 : -ENOMEM;
        }
        tw_buf_done(&out);
        return r;
}

static int parse_bool(const struct key_def *def, void *f, const char *value, struct why *why)
{
        (void)def;
        return tw_parse_bool(value, f, &why->text);
}

static int parse_int(const struct key_def *def, void *f, const char *value, struct why *why)
{
        long l;
        int r = tw_parse_int(value, (long)def->min, (long)def->max, &l, &why->text);

        if (r == 0)
                *(int *)f = (int)l;
        return r;
}

static int parse_size(const struct key_def *def, void *f, const char *value, struct why *why)
{
        long l;
        int r = tw_parse_int(value, (long)def->min, (long)def->max, &l, &why->text);

        if (r == 0)
                *(size_t *)f = (size_t)l;
        return r;
}

static int parse_double(const struct key_def *def, void *f, const char *value, struct why *why)
{
        return tw_parse_double(value, def->min, def->max, f, &why->text);
}

static int parse_duration(const struct key_def *def, void *f, const char *value, struct why *why)
{
        return tw_parse_duration(value, (int64_t)def->min, (int64_t)def->max,
                                 def->type == T_DURATION_OFF, f, &why->text);
}

static int parse_threshold(const struct key_def *def, void *f, const char *value, struct why *why)
{
        (void)def;
        return tw_parse_threshold(value, f, &why->text);
}

/* The index of value in names[n], or -1. */
static int name_index(const char *const *names, int n, const char *value)
{
        for (int i = 0; i < n; i++)
                if (strcmp(value, names[i]) == 0)
                        return i;
        return -1;
}

static int parse_log_level(const struct key_def *def, void *f, const char *value, struct why *why)
{
        static const char *const names[] = {"error", "warn", "info", "debug"};
        int i = name_index(names, 4, value);

        (void)def;
        if (i < 0) {
                why->text = "expected error, warn, info or debug";
                return -EINVAL;
        }
        *(enum tw_log_level *)f = (enum tw_log_level)i;
        return 0;
}

static int parse_log_format(const struct key_def *def, void *f, const char *value, struct why *why)
{
        static const char *const names[] = {"logfmt", "json"};
        int i = name_index(names, 2, value);

        (void)def;
        if (i < 0) {
                why->text = "expected logfmt or json";
                return -EINVAL;
        }
        *(enum tw_log_format *)f = i ? TW_LOG_JSON : TW_LOG_LOGFMT;
        return 0;
}

static int parse_api_version(const struct key_def *def, void *f, const char *value, struct why *why)
{
        (void)def;
        if (strcmp(value, "v1") != 0 && strcmp(value, "v1beta1") != 0) {
                why->text = "expected v1 or v1beta1";
                return -EINVAL;
        }
        return set_string(f, value);
}

static int parse_id(const struct key_def *def, void *f, const char *value, struct why *why)
{
        (void)def;
        if (!tw_is_valid_id(value)) {
                why->text = "expected an id (letters, digits, - and _)";
                return -EINVAL;
        }
        return set_string(f, value);
}

static int parse_id_list(const struct key_def *def, void *f, const char *value, struct why *why)
{
        char ***items = f;
        size_t *n = (size_t *)((char *)f + sizeof(char **));
        char **v = NULL;
        size_t nv = 0;
        int r;

        (void)def;
        if (strcmp(value, "*") != 0) {
                r = tw_parse_id_list(value, &v, &nv, &why->text);
                if (r < 0)
                        return r;
        }
        tw_strv_free(*items, *n);
        *items = v;
        *n = nv;
        return 0;
}

static int parse_listen(const struct key_def *def, void *f, const char *value, struct why *why)
{
        int r = tw_parse_listen(value, &why->text);

        (void)def;
        return r < 0 ? r : set_string(f, value);
}

/* A role of the row's level; the message lists the known ones (most
 * powerful first, from core/roles.c). */
static int parse_role(const struct key_def *def, void *f, const char *value, struct why *why)
{
        const char *level = def->type == T_ROLE_ORG         ? "ORGANIZATION"
                            : def->type == T_ROLE_WORKSPACE ? "WORKSPACE"
                                                            : "DEPLOYMENT";
        char names[200];

        if (tw_role_rank(level, value) < 0) {
                if (tw_role_names(level, names, sizeof(names)) < 0)
                        names[0] = '\0';
                snprintf(why->buf, sizeof(why->buf), "not a known role of this level (%s)", names);
                why->text = why->buf;
                return -EINVAL;
        }
        return set_string(f, value);
}

static int parse_severity(const struct key_def *def, void *f, const char *value, struct why *why)
{
        enum tw_severity s;

        (void)def;
        if (tw_severity_from_string(value, &s) < 0 || s == TW_SEVERITY_NONE) {
                why->text = "expected warning or critical";
                return -EINVAL;
        }
        *(enum tw_severity *)f = s;
        return 0;
}

/* A bit per name of a list, "*" or "all" for the n_all lowest bits, "none"
 * (when allowed) for none; from_name gives a name's bit, -1 if unknown. */
static int parse_mask(const char *value, unsigned n_all, bool allow_none,
                      int (*from_name)(const char *), const char *unknown, unsigned *ret,
                      struct why *why)
{
        char **items = NULL;
        size_t n = 0;
        unsigned mask = 0;
        int r;

        if (strcmp(value, "*") == 0 || strcasecmp(value, "all") == 0) {
                *ret = (1u << n_all) - 1;
                return 0;
        }
        if (allow_none && strcasecmp(value, "none") == 0) {
                *ret = 0;
                return 0;
        }
        r = tw_parse_id_list(value, &items, &n, &why->text);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                int k = from_name(items[i]);

                if (k < 0) {
                        why->text = unknown;
                        tw_strv_free(items, n);
                        return -EINVAL;
                }
                mask |= 1u << k;
        }
        tw_strv_free(items, n);
        *ret = mask;
        return 0;
}

static int finding_kind_bit(const char *name)
{
        enum tw_finding_kind k;

        return tw_finding_kind_from_string(name, &k) < 0 ? -1 : (int)k;
}

static int event_kind_bit(const char *name)
{
        enum tw_event_kind k;

        return tw_event_kind_from_string(name, &k) < 0 ? -1 : (int)k;
}

static int parse_kinds(const struct key_def *def, void *f, const char *value, struct why *why)
{
        (void)def;
        return parse_mask(value, _TW_FINDING_KIND_MAX, false, finding_kind_bit,
                          "unknown finding kind (expired, expiring, no_expiry, unused, never_used, "
                          "orphaned, over_privileged, new_source)",
                          f, why);
}

static int parse_schedule(const struct key_def *def, void *f, const char *value, struct why *why)
{
        struct tw_webhook_digest *d = f, nd = {.on = true};

        (void)def;
        if (strcasecmp(value, "off") == 0) {
                memset(d, 0, sizeof(*d));
                return 0;
        }
        if (tw_schedule_parse(value, &nd.schedule, &why->text) < 0)
                return -EINVAL;
        *d = nd;
        return 0;
}

/* [webhook.NAME] teams and match (core/config/owners.c). */
static int parse_teams(const struct key_def *def, void *f, const char *value, struct why *why)
{
        char ***items = f;
        size_t *n = (size_t *)((char *)f + sizeof(char **));
        char **v = NULL;
        size_t nv = 0;
        int r = tw_config_parse_teams(value, def->type == T_MATCH, &v, &nv, &why->text);

        if (r < 0)
                return r;
        tw_strv_free(*items, *n);
        *items = v;
        *n = nv;
        return 0;
}

/* "all", "none", or a list of token change event kinds (core/events.h). */
static int parse_changes(const struct key_def *def, void *f, const char *value, struct why *why)
{
        (void)def;
        return parse_mask(value, _TW_EVENT_KIND_MAX, true, event_kind_bit,
                          "unknown change (all, none, created, deleted, rotated, roles_changed, "
                          "renamed, description_changed, expired, creator_departed)",
                          f, why);
}

/* "off" (or empty: no stages) or lead times like "60d, 30d, 7d, 1d". */
static int parse_stages(const struct key_def *def, void *f, const char *value, struct why *why)
{
        struct tw_stages_config *c = f;
        struct tw_stages st = {0};
        int r = 0;

        (void)def;
        if (strcasecmp(value, "off") != 0 && strcasecmp(value, "none") != 0)
                r = tw_stages_parse(value, &st, &why->text);
        if (r < 0)
                return r;
        c->stages = st;
        c->set = true;
        return 0;
}

static int parse_auto_bool(const struct key_def *def, void *f, const char *value, struct why *why)
{
        bool b;

        (void)def;
        if (strcmp(value, "auto") == 0) {
                *(enum tw_auditlog_mode *)f = TW_AUDITLOG_AUTO;
                return 0;
        }
        if (tw_parse_bool(value, &b, &why->text) < 0) {
                why->text = "expected auto, true or false";
                return -EINVAL;
        }
        *(enum tw_auditlog_mode *)f = b ? TW_AUDITLOG_ON : TW_AUDITLOG_OFF;
        return 0;
}

static const struct {
        parse_fn *parse;
        bool seconds; /* its range is shown in seconds */
} types[] = {
        [T_STRING] = {parse_string, false},
        [T_URL] = {parse_url, false},
        [T_URL_LIST] = {parse_url_list, false},
        [T_BOOL] = {parse_bool, false},
        [T_INT] = {parse_int, false},
        [T_DOUBLE] = {parse_double, false},
        [T_DURATION] = {parse_duration, true},
        [T_DURATION_OFF] = {parse_duration, true},
        [T_THRESHOLD] = {parse_threshold, false},
        [T_LOG_LEVEL] = {parse_log_level, false},
        [T_LOG_FORMAT] = {parse_log_format, false},
        [T_API_VERSION] = {parse_api_version, false},
        [T_ID] = {parse_id, false},
        [T_ID_LIST] = {parse_id_list, false},
        [T_LISTEN] = {parse_listen, false},
        [T_ROLE_ORG] = {parse_role, false},
        [T_ROLE_WORKSPACE] = {parse_role, false},
        [T_ROLE_DEPLOYMENT] = {parse_role, false},
        [T_SEVERITY] = {parse_severity, false},
        [T_KINDS] = {parse_kinds, false},
        [T_SIZE] = {parse_size, false},
        [T_SCHEDULE] = {parse_schedule, false},
        [T_TEAMS] = {parse_teams, false},
        [T_MATCH] = {parse_teams, false},
        [T_CHANGES] = {parse_changes, false},
        [T_STAGES] = {parse_stages, false},
        [T_AUTO_BOOL] = {parse_auto_bool, false},
};

_Static_assert(sizeof(types) / sizeof(types[0]) == _T_MAX, "a parser for every key type");

/* Parses value into the field at base + def->offset. */
static int parse_value(const struct key_def *def, void *base, const char *value, struct why *why)
{
        why->text = NULL;
        return types[def->type].parse(def, (char *)base + def->offset, value, why);
}

/* Sets every key of table that has a default, through its parser. */
static int set_defaults(const struct key_def *table, size_t n, void *base)
{
        struct why why;

        for (size_t i = 0; i < n; i++) {
                int r = table[i].dflt ? parse_value(&table[i], base, table[i].dflt, &why) : 0;

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
        return types[def->type].seconds;
}

/* Applies one key of a table; reports unknown keys and bad values. */
static void apply_key(struct tw_config_parser *p, const struct key_def *table, size_t n,
                      const char *table_section, void *base, int *seen, const char *section,
                      const char *name, const char *value)
{
        struct why why;
        int r;

        for (size_t i = 0; i < n; i++) {
                if (strcmp(table[i].section, table_section) != 0 ||
                    strcmp(table[i].name, name) != 0)
                        continue;
                if (seen && seen[i]) {
                        tw_config_error(p, section, name, "given twice (first on line %d)",
                                        seen[i]);
                        return;
                }
                if (seen)
                        seen[i] = p->lineno;
                r = parse_value(&table[i], base, value, &why);
                if (r == -ENOMEM)
                        p->nomem = true;
                else if (r == -ERANGE && table[i].max > table[i].min)
                        tw_config_error(p, section, name, "out of range (%.15g%s to %.15g%s)",
                                        table[i].min, is_duration(&table[i]) ? "s" : "",
                                        table[i].max, is_duration(&table[i]) ? "s" : "");
                else if (r < 0)
                        tw_config_error(p, section, name, "%s",
                                        why.text ? why.text : "invalid value");
                return;
        }
        tw_config_error(p, section, name, "unknown key");
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

int tw_config_handler(void *user, const char *section, const char *name, const char *value)
{
        struct tw_config_parser *p = user;
        const size_t n_config_keys = sizeof(config_keys) / sizeof(config_keys[0]);

        if (p->nomem)
                return 1;
        if (!*section) {
                tw_config_error(p, NULL, name, "key outside of any section");
        } else if (strncmp(section, "astro.", 6) == 0 && tw_is_valid_id(section + 6)) {
                tw_config_add_org_key(p, section, name, value);
        } else if (strcmp(section, "astro") == 0 || strcmp(section, "agent") == 0 ||
                   strcmp(section, "policy") == 0 || strcmp(section, "web") == 0 ||
                   strcmp(section, "audit") == 0) {
                if (strcmp(section, "astro") == 0 && !p->astro_line)
                        p->astro_line = p->lineno;
                apply_key(p, config_keys, n_config_keys, section, p->cfg, p->seen, section, name,
                          value);
        } else if (strcmp(section, "suppress") == 0) {
                tw_config_add_suppression(p, name, value);
        } else if (strcmp(section, "owners") == 0) {
                tw_config_add_owner(p, name, value);
        } else if (strcmp(section, "web.basic_auth_users") == 0) {
                tw_config_add_web_user(p, name, value);
        } else if (strncmp(section, "webhook.", 8) == 0 && tw_is_valid_id(section + 8)) {
                struct tw_webhook_config *w = webhook_for(p, section + 8);

                if (!w)
                        p->nomem = true;
                else
                        apply_key(p, webhook_keys, sizeof(webhook_keys) / sizeof(webhook_keys[0]),
                                  "webhook", w, p->webhook_seen[w - p->cfg->webhooks], section,
                                  name, value);
        } else {
                tw_config_error(p, section, NULL,
                                "unknown section (expected astro, agent, policy, audit, suppress, "
                                "owners, web, web.basic_auth_users or webhook.NAME)");
        }
        return 1;
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
