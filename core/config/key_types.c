/* One parser per type of value of the key tables (core/config/keys.c). */
#include "core/config/keys_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config/config.h"
#include "core/config/values.h"
#include "core/events.h"
#include "core/roles.h"
#include "lib/buf.h"

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
        char kinds[200];
        int r;

        (void)def;
        tw_finding_kind_list(kinds, sizeof(kinds));
        r = parse_mask(value, _TW_FINDING_KIND_MAX, false, finding_kind_bit, NULL, f, why);
        if (r == -EINVAL && !why->text) {
                snprintf(why->buf, sizeof(why->buf), "unknown finding kind (%s)", kinds);
                why->text = why->buf;
        }
        return r;
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

/* Parses value into field (at the row's offset).  0, -EINVAL or -ERANGE
 * with why->text set, -ENOMEM. */
typedef int parse_fn(const struct key_def *def, void *field, const char *value, struct why *why);

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
        [T_LEAD] = {tw_config_parse_lead, false},
        [T_STRATEGY] = {tw_config_parse_strategy, false},
        [T_DAYS] = {tw_config_parse_days, false},
};

_Static_assert(sizeof(types) / sizeof(types[0]) == _T_MAX, "a parser for every key type");

int tw_config_parse_value(const struct key_def *def, void *base, const char *value, struct why *why)
{
        why->text = NULL;
        return types[def->type].parse(def, (char *)base + def->offset, value, why);
}

bool tw_config_type_in_seconds(enum key_type type)
{
        return types[type].seconds;
}
