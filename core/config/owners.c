/* [owners]: the description keys, the keys exported as labels,
 * and the rules "token GLOB = team[, contact]" / "workspace ID = team[,
 * contact]", kept in config order. */
#include "core/config/config_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config/values.h"
#include "core/inventory.h"
#include "lib/buf.h"
#include "lib/suggest.h"

#define SECTION "owners"

/* Label names an owner key may not take: the fixed labels of
 * astro_token_owner_info and of the Alertmanager alerts, and the organization
 * label other series carry. */
static const char *const reserved_labels[] = {
        "token_id", "token_name", "source",       "alertname",
        "finding",  "severity",   "organization", "organization_id",
};

static bool listed(char *const *v, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(v[i], s) == 0)
                        return true;
        return false;
}

/* keys = k1, k2, ... and labels = k1, ...: one list each, given once. */
static void set_list(struct tw_config_parser *p, const char *name, const char *value, char ***field,
                     size_t *n_field, int *seen_line)
{
        char **items = NULL;
        size_t n = 0;
        const char *why = NULL;

        if (*seen_line) {
                tw_config_error(p, SECTION, name, "given twice (first on line %d)", *seen_line);
                return;
        }
        *seen_line = p->lineno;
        if (tw_config_split_list(value, &items, &n) < 0) {
                p->nomem = true;
                return;
        }
        if (tw_owner_keys_check((const char *const *)items, n, &why) < 0) {
                tw_config_error(p, SECTION, name, "%s", why);
                tw_strv_free(items, n);
                return;
        }
        tw_strv_free(*field, *n_field);
        *field = items;
        *n_field = n;
}

/* Appends rule (taking its strings on every path). */
static void add_rule(struct tw_config_parser *p, const char *name, struct tw_owner_rule *rule)
{
        struct tw_config *cfg = p->cfg;
        struct tw_owner_rule *rules;
        int *lines;
        const char *why = NULL;

        if (tw_owner_rule_check(rule, &why) < 0) {
                tw_config_error(p, SECTION, name, "%s", why);
                goto fail;
        }
        for (size_t i = 0; i < cfg->owners.n_rules; i++) {
                const struct tw_owner_rule *o = &cfg->owners.rules[i];

                if ((rule->name_glob && o->name_glob &&
                     strcmp(rule->name_glob, o->name_glob) == 0) ||
                    (rule->workspace_id && o->workspace_id &&
                     strcmp(rule->workspace_id, o->workspace_id) == 0)) {
                        tw_config_error(p, SECTION, name,
                                        "never matches: line %d has the same pattern and wins",
                                        cfg->owners.rule_lines[i]);
                        goto fail;
                }
        }
        rules = realloc(cfg->owners.rules, (cfg->owners.n_rules + 1) * sizeof(*rules));
        if (rules)
                cfg->owners.rules = rules;
        lines = realloc(cfg->owners.rule_lines, (cfg->owners.n_rules + 1) * sizeof(*lines));
        if (lines)
                cfg->owners.rule_lines = lines;
        if (!rules || !lines) {
                p->nomem = true;
                goto fail;
        }
        cfg->owners.rules[cfg->owners.n_rules] = *rule;
        cfg->owners.rule_lines[cfg->owners.n_rules++] = p->lineno;
        return;
fail:
        free((char *)rule->name_glob);
        free((char *)rule->workspace_id);
        free((char *)rule->team);
        free((char *)rule->contact);
}

/* "token GLOB" or "workspace ID" = team[, contact] */
static void parse_rule(struct tw_config_parser *p, const char *name, const char *value)
{
        struct tw_owner_rule rule = {0};
        size_t word = strcspn(name, " \t");
        const char *arg = name + word + strspn(name + word, " \t");
        const char *comma = strchr(value, ',');
        char *pattern = tw_config_trimmed(arg, arg + strlen(arg));

        rule.team = comma ? tw_config_trimmed(value, comma)
                          : tw_config_trimmed(value, value + strlen(value));
        rule.contact = comma ? tw_config_trimmed(comma + 1, comma + 1 + strlen(comma + 1)) : NULL;
        if (word == 5 && strncmp(name, "token", 5) == 0)
                rule.name_glob = pattern;
        else
                rule.workspace_id = pattern;
        if (!pattern || !rule.team || (comma && !rule.contact)) {
                p->nomem = true;
                free(pattern);
                free((char *)rule.team);
                free((char *)rule.contact);
                return;
        }
        if (rule.contact && strchr(rule.contact, ',')) {
                tw_config_error(p, SECTION, name, "expected team[, contact]");
                free(pattern);
                free((char *)rule.team);
                free((char *)rule.contact);
                return;
        }
        add_rule(p, name, &rule);
}

/* An [owners] key that is none of its forms, with the nearest form. */
static void unknown_key(struct tw_config_parser *p, const char *name)
{
        static const char *const forms[] = {"keys", "labels", "token", "workspace"};
        size_t word = strcspn(name, " \t");
        char head[TW_SUGGEST_MAX_LEN + 1];
        struct tw_suggest near;

        /* a rule's first word ("tokn GLOB"), or the whole key */
        snprintf(head, sizeof(head), "%.*s", (int)(word < sizeof(head) ? word : 0), name);
        tw_suggest_init(&near, head);
        for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
                tw_suggest_add(&near, forms[i]);
        tw_config_error(p, SECTION, name,
                        "unknown key%s%s%s (expected keys, labels, token GLOB = team[, contact] "
                        "or workspace ID = team[, contact])",
                        tw_suggest_best(&near) ? ", did you mean " : "",
                        tw_suggest_best(&near) ? tw_suggest_best(&near) : "",
                        tw_suggest_best(&near) ? "?" : "");
}

void tw_config_add_owner(struct tw_config_parser *p, const char *section, const char *name,
                         const char *value)
{
        size_t word = strcspn(name, " \t");

        (void)section;
        if (strcmp(name, "keys") == 0)
                set_list(p, name, value, &p->cfg->owners.keys, &p->cfg->owners.n_keys,
                         &p->owners_keys_line);
        else if (strcmp(name, "labels") == 0)
                set_list(p, name, value, &p->cfg->owners.labels, &p->cfg->owners.n_labels,
                         &p->owners_labels_line);
        else if (name[word] && ((word == 5 && strncmp(name, "token", 5) == 0) ||
                                (word == 9 && strncmp(name, "workspace", 9) == 0)))
                parse_rule(p, name, value);
        else
                unknown_key(p, name);
}

/* Whether key is one an owner has: a configured (or default) key, or "team". */
static bool owner_key_known(const struct tw_config *cfg, const char *key)
{
        static char *const defaults[] = {"owner", "team", "pipeline", "repo", "contact"};

        if (strcasecmp(key, "team") == 0)
                return true;
        if (cfg->owners.keys)
                return listed(cfg->owners.keys, cfg->owners.n_keys, key);
        return listed(defaults, sizeof(defaults) / sizeof(defaults[0]), key);
}

/* [webhook.NAME] match = key=value: the key must be one an owner has. */
static void check_match(struct tw_config_parser *p, const struct tw_webhook_config *w, long i)
{
        char section[80];

        snprintf(section, sizeof(section), "webhook.%s", w->name);
        for (size_t j = 0; j < w->n_match; j++) {
                const char *eq = strchr(w->match[j], '=');
                char key[TW_OWNER_VALUE_MAX + 1];
                size_t kl = eq ? (size_t)(eq - w->match[j]) : 0;

                if (kl == 0 || kl > TW_OWNER_VALUE_MAX)
                        continue; /* refused when parsed */
                memcpy(key, w->match[j], kl);
                key[kl] = '\0';
                if (!owner_key_known(p->cfg, key))
                        tw_config_error_at(p, tw_config_key_line(p, section, "match", i), section,
                                           "match",
                                           "'%s' is not an owner key (team, or one of [owners] "
                                           "keys)",
                                           key);
        }
}

void tw_config_validate_owners(struct tw_config_parser *p)
{
        const struct tw_config *cfg = p->cfg;

        for (size_t i = 0; i < cfg->owners.n_labels; i++) {
                const char *l = cfg->owners.labels[i];
                bool reserved = strncmp(l, "__", 2) == 0;

                for (size_t j = 0; j < sizeof(reserved_labels) / sizeof(reserved_labels[0]); j++)
                        reserved |= strcasecmp(l, reserved_labels[j]) == 0;
                if (reserved)
                        tw_config_error_at(p, p->owners_labels_line, SECTION, "labels",
                                           "'%s' is a label tokenwatch sets itself", l);
                else if (!owner_key_known(cfg, l))
                        tw_config_error_at(p, p->owners_labels_line, SECTION, "labels",
                                           "'%s' is not one of keys (or team)", l);
        }
        for (size_t i = 0; i < cfg->n_webhooks; i++)
                check_match(p, &cfg->webhooks[i], (long)i);
}

int tw_config_owner_unknown_workspaces(const struct tw_config *cfg, const struct tw_inventory *inv,
                                       struct tw_buf *out)
{
        int n = 0;

        if (!cfg || !inv || !inv->listed[TW_LISTING_WORKSPACES])
                return 0;
        for (size_t i = 0; i < cfg->owners.n_rules; i++) {
                const char *id = cfg->owners.rules[i].workspace_id;

                if (!id || tw_inventory_workspace(inv, id))
                        continue;
                n++;
                if (tw_buf_printf(out,
                                  "%s:%d: [owners] workspace %s: no such workspace among those "
                                  "listed; the rule never matches\n",
                                  cfg->path ? cfg->path : "<config>", cfg->owners.rule_lines[i],
                                  id) < 0)
                        return -ENOMEM;
        }
        return n;
}
