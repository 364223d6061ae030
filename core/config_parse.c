#include "core/config_parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "core/bcrypt.h"
#include "core/config_values.h"
#include "lib/timeutil.h"

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
        T_WEBHOOK_FORMAT,
        T_SEVERITY,
        T_KINDS,
        T_SIZE,
};

struct key_def {
        const char *section;
        const char *name;
        enum key_type type;
        size_t offset;
        double min, max;
};

#define C(field) offsetof(struct tw_config, field)
#define W(field) offsetof(struct tw_webhook_config, field)
#define DAY (86400.0)

static const struct key_def config_keys[] = {
        {"astro", "api_url", T_URL, C(astro.api_url), 0, 0},
        {"astro", "api_version", T_API_VERSION, C(astro.api_version), 0, 0},
        {"astro", "organization_id", T_ID, C(astro.organization_id), 0, 0},
        {"astro", "token_file", T_STRING, C(astro.token_file), 0, 0},
        {"astro", "workspaces", T_ID_LIST, C(astro.workspaces), 0, 0},
        {"astro", "include_organization_tokens", T_BOOL, C(astro.include_organization_tokens), 0,
         0},
        {"astro", "include_deployment_tokens", T_BOOL, C(astro.include_deployment_tokens), 0, 0},
        {"astro", "request_timeout", T_DURATION, C(astro.request_timeout), 1, 600},
        {"astro", "max_concurrency", T_INT, C(astro.max_concurrency), 1, 64},
        {"astro", "rate_limit", T_DOUBLE, C(astro.rate_limit), 0.1, 1000},
        {"astro", "max_retries", T_INT, C(astro.max_retries), 0, 20},
        {"agent", "interval", T_DURATION, C(agent.interval), 1, 7 * DAY},
        {"agent", "state_dir", T_STRING, C(agent.state_dir), 0, 0},
        {"agent", "log_level", T_LOG_LEVEL, C(agent.log_level), 0, 0},
        {"agent", "log_format", T_LOG_FORMAT, C(agent.log_format), 0, 0},
        {"agent", "listen", T_LISTEN, C(agent.listen), 0, 0},
        {"agent", "metrics_creator_names", T_BOOL, C(agent.metrics_creator_names), 0, 0},
        {"policy", "expiry_critical", T_THRESHOLD, C(policy.expiry_critical), 0, 0},
        {"policy", "expiry_warning", T_THRESHOLD, C(policy.expiry_warning), 0, 0},
        {"policy", "require_expiry", T_BOOL, C(policy.require_expiry), 0, 0},
        {"policy", "unused_after", T_DURATION_OFF, C(policy.unused_after), 1, 3650 * DAY},
        {"policy", "never_used_after", T_DURATION_OFF, C(policy.never_used_after), 1, 3650 * DAY},
        {"policy", "max_organization_role", T_ROLE_ORG, C(policy.max_organization_role), 0, 0},
        {"policy", "max_workspace_role", T_ROLE_WORKSPACE, C(policy.max_workspace_role), 0, 0},
        {"policy", "max_deployment_role", T_ROLE_DEPLOYMENT, C(policy.max_deployment_role), 0, 0},
        {"web", "tls_cert_file", T_STRING, C(web.tls_cert_file), 0, 0},
        {"web", "tls_key_file", T_STRING, C(web.tls_key_file), 0, 0},
        {"web", "client_ca_file", T_STRING, C(web.client_ca_file), 0, 0},
};

static const struct key_def webhook_keys[] = {
        {"webhook", "url", T_URL_LIST, W(url), 0, 0},
        {"webhook", "url_file", T_STRING, W(url_file), 0, 0},
        {"webhook", "format", T_WEBHOOK_FORMAT, W(format), 0, 0},
        {"webhook", "min_severity", T_SEVERITY, W(min_severity), 0, 0},
        {"webhook", "kinds", T_KINDS, W(kinds), 0, 0},
        {"webhook", "workspaces", T_ID_LIST, W(workspaces), 0, 0},
        {"webhook", "timeout", T_DURATION, W(timeout), 1, 300},
        {"webhook", "max_retries", T_INT, W(max_retries), 0, 1000},
        {"webhook", "secret", T_STRING, W(secret), 0, 0},
        {"webhook", "secret_file", T_STRING, W(secret_file), 0, 0},
        {"webhook", "routing_key", T_STRING, W(routing_key), 0, 0},
        {"webhook", "routing_key_file", T_STRING, W(routing_key_file), 0, 0},
        {"webhook", "repeat_interval", T_DURATION, W(repeat_interval), 0, 365 * DAY},
        {"webhook", "queue_max", T_SIZE, W(queue_max), 1, 1000000},
};

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
        else
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

static int parse_role(const char *value, const char *entity_type, char **field, const char **why)
{
        const char *et = tw_role_entity_type(value);

        if (!et || strcmp(et, entity_type) != 0) {
                /* most powerful first, as in the Astro documentation */
                if (strcmp(entity_type, "ORGANIZATION") == 0)
                        *why = "not a known role of this level (ORGANIZATION_OWNER, "
                               "ORGANIZATION_BILLING_ADMIN, ORGANIZATION_OBSERVE_ADMIN, "
                               "ORGANIZATION_OBSERVE_MEMBER, ORGANIZATION_MEMBER)";
                else if (strcmp(entity_type, "WORKSPACE") == 0)
                        *why = "not a known role of this level (WORKSPACE_OWNER, "
                               "WORKSPACE_OPERATOR, WORKSPACE_AUTHOR, WORKSPACE_MEMBER, "
                               "WORKSPACE_ACCESSOR)";
                else
                        *why = "not a known role of this level (DEPLOYMENT_ADMIN)";
                return -EINVAL;
        }
        return set_string(field, value);
}

static int parse_kinds(const char *value, unsigned *ret, const char **why)
{
        char **items = NULL;
        size_t n = 0;
        unsigned mask = 0;
        int r;

        if (strcmp(value, "*") == 0 || strcasecmp(value, "all") == 0) {
                *ret = (1u << _TW_FINDING_KIND_MAX) - 1;
                return 0;
        }
        r = tw_parse_id_list(value, &items, &n, why);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                enum tw_finding_kind k;

                if (tw_finding_kind_from_string(items[i], &k) < 0) {
                        *why = "unknown finding kind (expired, expiring, no_expiry, unused, "
                               "never_used, orphaned, over_privileged)";
                        tw_strv_free(items, n);
                        return -EINVAL;
                }
                mask |= 1u << k;
        }
        tw_strv_free(items, n);
        *ret = mask;
        return 0;
}

/* An Alertmanager HA pair is "url = https://am1/,https://am2/": every
 * address is checked like a single url. */
static int parse_url_list(const char *value, char **field, const char **why)
{
        struct tw_buf out;
        const char *p = value;
        int r = 0;

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
                r = tw_parse_url(s, &u, why);
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

/* Parses value into the field at base + def->offset. */
static int parse_value(const struct key_def *def, void *base, const char *value, const char **why)
{
        void *f = (char *)base + def->offset;
        long l;
        int r;

        switch (def->type) {
        case T_STRING:
                if (!*value) {
                        *why = "must not be empty";
                        return -EINVAL;
                }
                return set_string(f, value);
        case T_URL: {
                char *u = NULL;

                r = tw_parse_url(value, &u, why);
                if (r < 0)
                        return r;
                free(*(char **)f);
                *(char **)f = u;
                return 0;
        }
        case T_URL_LIST:
                return parse_url_list(value, f, why);
        case T_BOOL:
                return tw_parse_bool(value, f, why);
        case T_INT:
                r = tw_parse_int(value, (long)def->min, (long)def->max, &l, why);
                if (r == 0)
                        *(int *)f = (int)l;
                return r;
        case T_SIZE:
                r = tw_parse_int(value, (long)def->min, (long)def->max, &l, why);
                if (r == 0)
                        *(size_t *)f = (size_t)l;
                return r;
        case T_DOUBLE:
                return tw_parse_double(value, def->min, def->max, f, why);
        case T_DURATION:
        case T_DURATION_OFF:
                return tw_parse_duration(value, (int64_t)def->min, (int64_t)def->max,
                                         def->type == T_DURATION_OFF, f, why);
        case T_THRESHOLD:
                return tw_parse_threshold(value, f, why);
        case T_LOG_LEVEL: {
                static const char *const names[] = {"error", "warn", "info", "debug"};

                for (int i = 0; i < 4; i++)
                        if (strcmp(value, names[i]) == 0) {
                                *(enum tw_log_level *)f = (enum tw_log_level)i;
                                return 0;
                        }
                *why = "expected error, warn, info or debug";
                return -EINVAL;
        }
        case T_LOG_FORMAT:
                if (strcmp(value, "logfmt") == 0 || strcmp(value, "json") == 0) {
                        *(enum tw_log_format *)f = value[0] == 'j' ? TW_LOG_JSON : TW_LOG_LOGFMT;
                        return 0;
                }
                *why = "expected logfmt or json";
                return -EINVAL;
        case T_API_VERSION:
                if (strcmp(value, "v1") != 0 && strcmp(value, "v1beta1") != 0) {
                        *why = "expected v1 or v1beta1";
                        return -EINVAL;
                }
                return set_string(f, value);
        case T_ID:
                if (!tw_is_valid_id(value)) {
                        *why = "expected an id (letters, digits, - and _)";
                        return -EINVAL;
                }
                return set_string(f, value);
        case T_ID_LIST: {
                char ***items = f;
                size_t *n = (size_t *)((char *)f + sizeof(char **));
                char **v = NULL;
                size_t nv = 0;

                if (strcmp(value, "*") == 0) {
                        tw_strv_free(*items, *n);
                        *items = NULL;
                        *n = 0;
                        return 0;
                }
                r = tw_parse_id_list(value, &v, &nv, why);
                if (r < 0)
                        return r;
                tw_strv_free(*items, *n);
                *items = v;
                *n = nv;
                return 0;
        }
        case T_LISTEN:
                r = tw_parse_listen(value, why);
                return r < 0 ? r : set_string(f, value);
        case T_ROLE_ORG:
                return parse_role(value, "ORGANIZATION", f, why);
        case T_ROLE_WORKSPACE:
                return parse_role(value, "WORKSPACE", f, why);
        case T_ROLE_DEPLOYMENT:
                return parse_role(value, "DEPLOYMENT", f, why);
        case T_WEBHOOK_FORMAT: {
                static const char *const names[] = {"generic", "slack", "teams", "pagerduty",
                                                    "alertmanager"};

                for (int i = 0; i < 5; i++)
                        if (strcmp(value, names[i]) == 0) {
                                *(enum tw_webhook_format *)f = (enum tw_webhook_format)i;
                                return 0;
                        }
                *why = "expected generic, slack, teams, pagerduty or alertmanager";
                return -EINVAL;
        }
        case T_SEVERITY:
                if (tw_severity_from_string(value, f) < 0 ||
                    *(enum tw_severity *)f == TW_SEVERITY_NONE) {
                        *why = "expected warning or critical";
                        return -EINVAL;
                }
                return 0;
        case T_KINDS:
                return parse_kinds(value, f, why);
        }
        *why = "internal error: unknown key type";
        return -EINVAL;
}

static bool is_duration(const struct key_def *def)
{
        return def->type == T_DURATION || def->type == T_DURATION_OFF;
}

/* Applies one key of a table; reports unknown keys and bad values. */
static void apply_key(struct tw_config_parser *p, const struct key_def *table, size_t n,
                      const char *table_section, void *base, int *seen, const char *section,
                      const char *name, const char *value)
{
        const char *why = NULL;
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
                        tw_config_error(p, section, name, "out of range (%g%s to %g%s)",
                                        table[i].min, is_duration(&table[i]) ? "s" : "",
                                        table[i].max, is_duration(&table[i]) ? "s" : "");
                else if (r < 0)
                        tw_config_error(p, section, name, "%s", why ? why : "invalid value");
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
        w->format = TW_WEBHOOK_GENERIC;
        w->min_severity = TW_SEVERITY_WARNING;
        w->kinds = (1u << _TW_FINDING_KIND_MAX) - 1;
        w->timeout = 10;
        w->max_retries = 10;
        w->repeat_interval = 86400;
        w->queue_max = 10000;
        return w;
}

/* [suppress] <token_id>[.<kind>] = <YYYY-MM-DD> <reason> */
static void add_suppression(struct tw_config_parser *p, const char *name, const char *value)
{
        struct tw_config *cfg = p->cfg;
        struct tw_suppression s = {0}, *tmp;
        const char *dot = strchr(name, '.'), *why = NULL;
        char date[16];
        size_t dlen = strcspn(value, " \t");

        s.all_kinds = true;
        s.line = p->lineno;
        s.token_id = dot ? strndup(name, (size_t)(dot - name)) : strdup(name);
        if (!s.token_id) {
                p->nomem = true;
                return;
        }
        if (!tw_is_valid_id(s.token_id)) {
                tw_config_error(p, "suppress", name, "expected <token_id> or <token_id>.<kind>");
                goto fail;
        }
        if (dot) {
                s.all_kinds = false;
                if (tw_finding_kind_from_string(dot + 1, &s.kind) < 0) {
                        tw_config_error(p, "suppress", name,
                                        "unknown finding kind '%s' (expired, expiring, no_expiry, "
                                        "unused, never_used, orphaned, over_privileged)",
                                        dot + 1);
                        goto fail;
                }
        }
        if (dlen < sizeof(date)) {
                memcpy(date, value, dlen);
                date[dlen] = '\0'; /* strncpy would leave it unterminated */
        }
        if (dlen >= sizeof(date) || tw_parse_date(date, &s.until, &why) < 0) {
                tw_config_error(p, "suppress", name,
                                "expected '<YYYY-MM-DD> <reason>', e.g. '2027-03-31 reviewed "
                                "in SEC-123'");
                goto fail;
        }
        s.until += 86400; /* through the end of the day given */
        value += dlen;
        value += strspn(value, " \t");
        if (!*value) {
                tw_config_error(p, "suppress", name,
                                "a reason is required after the date (who accepted the risk, why)");
                goto fail;
        }
        s.reason = strdup(value);
        tmp = realloc(cfg->suppressions, (cfg->n_suppressions + 1) * sizeof(*tmp));
        if (!s.reason || !tmp) {
                if (tmp)
                        cfg->suppressions = tmp;
                p->nomem = true;
                goto fail;
        }
        cfg->suppressions = tmp;
        cfg->suppressions[cfg->n_suppressions++] = s;
        return;
fail:
        free(s.token_id);
        free(s.reason);
}

static void add_web_user(struct tw_config_parser *p, const char *name, const char *value)
{
        struct tw_config *cfg = p->cfg;
        const char *why = tw_bcrypt_hash_problem(value);
        struct tw_web_user *tmp;

        if (why) {
                tw_config_error(p, "web.basic_auth_users", name, "%s", why);
                return;
        }
        for (size_t i = 0; i < cfg->web.n_users; i++)
                if (strcmp(cfg->web.users[i].name, name) == 0) {
                        tw_config_error(p, "web.basic_auth_users", name, "given twice");
                        return;
                }
        tmp = realloc(cfg->web.users, (cfg->web.n_users + 1) * sizeof(*tmp));
        if (!tmp) {
                p->nomem = true;
                return;
        }
        cfg->web.users = tmp;
        tmp[cfg->web.n_users].name = strdup(name);
        tmp[cfg->web.n_users].hash = strdup(value);
        if (!tmp[cfg->web.n_users].name || !tmp[cfg->web.n_users].hash) {
                free(tmp[cfg->web.n_users].name);
                free(tmp[cfg->web.n_users].hash);
                p->nomem = true;
                return;
        }
        cfg->web.n_users++;
}

int tw_config_handler(void *user, const char *section, const char *name, const char *value)
{
        struct tw_config_parser *p = user;
        const size_t n_config_keys = sizeof(config_keys) / sizeof(config_keys[0]);

        if (p->nomem)
                return 1;
        if (!*section) {
                tw_config_error(p, NULL, name, "key outside of any section");
        } else if (strcmp(section, "astro") == 0 || strcmp(section, "agent") == 0 ||
                   strcmp(section, "policy") == 0 || strcmp(section, "web") == 0) {
                apply_key(p, config_keys, n_config_keys, section, p->cfg, p->seen, section, name,
                          value);
        } else if (strcmp(section, "suppress") == 0) {
                add_suppression(p, name, value);
        } else if (strcmp(section, "web.basic_auth_users") == 0) {
                add_web_user(p, name, value);
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
                                "unknown section (expected astro, agent, policy, suppress, web, "
                                "web.basic_auth_users or webhook.NAME)");
        }
        return 1;
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
