#include "core/owner.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/config/values.h"
#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "lib/utf8.h"

static const char *const default_keys[] = {"owner", "team", "pipeline", "repo", "contact"};

static const char *const source_names[_TW_OWNER_SOURCE_MAX] = {
        [TW_OWNER_NONE] = "none",       [TW_OWNER_DESCRIPTION] = "description",
        [TW_OWNER_RULE] = "rule",       [TW_OWNER_WORKSPACE] = "workspace",
        [TW_OWNER_CREATOR] = "creator",
};

const char *tw_owner_source_name(enum tw_owner_source s)
{
        return (unsigned)s < _TW_OWNER_SOURCE_MAX ? source_names[s] : NULL;
}

static bool streq(const char *a, const char *b)
{
        return a && b && strcmp(a, b) == 0;
}

/* The length of the valid, non-control UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_char(const char *p, size_t n)
{
        uint32_t cp;
        size_t len = tw_utf8_decode(p, n, &cp);

        if (len == 0 || tw_utf8_is_control(cp))
                return 0;
        return len;
}

/* Whether the n bytes at s are a usable owner value. */
static bool value_ok(const char *s, size_t n)
{
        if (n == 0 || n > TW_OWNER_VALUE_MAX)
                return false;
        for (size_t i = 0, len; i < n; i += len) {
                if (strchr("\"\\<>&`", s[i]))
                        return false;
                len = utf8_char(s + i, n - i);
                if (len == 0)
                        return false;
        }
        return true;
}

bool tw_owner_value_ok(const char *s)
{
        return s && value_ok(s, strlen(s));
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* Trims blanks from [*b, *e). */
static void trim(const char **b, const char **e)
{
        while (*b < *e && is_blank(**b))
                (*b)++;
        while (*e > *b && is_blank((*e)[-1]))
                (*e)--;
}

/* Copies n bytes (n <= TW_OWNER_VALUE_MAX) as a C string. */
static void copy_value(char dst[TW_OWNER_VALUE_MAX + 1], const char *s, size_t n)
{
        memcpy(dst, s, n);
        dst[n] = '\0';
}

static bool have_pair(const struct tw_owner *o, const char *key)
{
        for (size_t i = 0; i < o->n_pairs; i++)
                if (strcmp(o->pairs[i].key, key) == 0)
                        return true;
        return false;
}

/* Adds the pair of one segment [b, e) if its key is configured and its value usable. */
static void parse_segment(const char *b, const char *e, const char *const *keys, size_t n_keys,
                          struct tw_owner *o)
{
        const char *sep = b, *kb = b, *ke, *vb, *ve = e;

        while (sep < e && *sep != '=' && *sep != ':')
                sep++;
        if (sep == e)
                return;
        ke = sep;
        vb = sep + 1;
        trim(&kb, &ke);
        trim(&vb, &ve);
        for (size_t i = 0; i < n_keys; i++) {
                size_t klen = strlen(keys[i]);

                if ((size_t)(ke - kb) != klen || strncasecmp(kb, keys[i], klen) != 0)
                        continue;
                if (have_pair(o, keys[i]) || !value_ok(vb, (size_t)(ve - vb)) ||
                    o->n_pairs >= TW_OWNER_KEYS_MAX || klen > TW_OWNER_VALUE_MAX)
                        return;
                copy_value(o->pairs[o->n_pairs].key, keys[i], klen);
                copy_value(o->pairs[o->n_pairs].value, vb, (size_t)(ve - vb));
                o->n_pairs++;
                return;
        }
}

static void parse_description(const char *d, const char *const *keys, size_t n_keys,
                              struct tw_owner *o)
{
        const char *b = d;

        if (!d)
                return;
        for (const char *p = d;; p++) {
                if (*p == '\0' || strchr(";,\n\r", *p)) {
                        parse_segment(b, p, keys, n_keys, o);
                        b = p + 1;
                }
                if (*p == '\0')
                        break;
        }
}

static const char *pair_value(const struct tw_owner *o, const char *key)
{
        for (size_t i = 0; i < o->n_pairs; i++)
                if (strcasecmp(o->pairs[i].key, key) == 0)
                        return o->pairs[i].value;
        return NULL;
}

/* The workspace t belongs to: its first WORKSPACE role, else its first deployment's. */
static const char *token_workspace(const struct tw_inventory *inv, const struct tw_token *t)
{
        const char *ws = tw_token_workspace_id(t), *dep = tw_token_deployment_id(t);
        const struct tw_deployment *d;

        if (ws || !dep || !inv)
                return ws;
        d = tw_inventory_deployment(inv, dep);
        return d ? d->workspace_id : NULL;
}

static const struct tw_owner_rule *match_rule(const struct tw_owner_policy *p,
                                              const struct tw_token *t, const char *ws)
{
        for (size_t i = 0; i < p->n_rules; i++) {
                const struct tw_owner_rule *r = &p->rules[i];

                if (!tw_owner_value_ok(r->team))
                        continue;
                if (r->name_glob && t->name && fnmatch(r->name_glob, t->name, 0) == 0)
                        return r;
                if (r->workspace_id && streq(r->workspace_id, ws))
                        return r;
        }
        return NULL;
}

/* The still-active creator's name (a member of t's own organization), or NULL. */
static const char *active_creator(const struct tw_inventory *inv, const struct tw_token *t)
{
        const struct tw_subject *s = t->created_by;
        const struct tw_user *u;

        if (!inv || !s || !s->id)
                return NULL;
        if (streq(s->subject_type, "USER")) {
                if (!inv->listed[TW_LISTING_USERS])
                        return NULL;
                u = tw_inventory_org_user(inv, t, s->id);
                if (!u || streq(u->status, "INACTIVE") || streq(u->status, "BANNED"))
                        return NULL;
        } else if (streq(s->subject_type, "SERVICEKEY")) {
                if (!inv->listed[TW_LISTING_TOKENS] || !tw_inventory_token(inv, s->id))
                        return NULL;
        } else {
                return NULL;
        }
        return tw_subject_name(s);
}

static void answer(struct tw_owner *o, enum tw_owner_source src, const char *team)
{
        o->source = src;
        copy_value(o->team, team, strlen(team));
}

int tw_owner_resolve(const struct tw_inventory *inv, const struct tw_token *t,
                     const struct tw_owner_policy *policy, struct tw_owner *ret)
{
        const char *const *keys = default_keys;
        size_t n_keys = sizeof(default_keys) / sizeof(default_keys[0]);
        const struct tw_owner_rule *rule;
        const struct tw_workspace *w;
        const char *ws, *v;
        struct tw_owner o = {0};

        if (!t || !policy || !ret || policy->n_keys > TW_OWNER_KEYS_MAX)
                return -EINVAL;
        if (policy->keys)
                keys = policy->keys, n_keys = policy->n_keys;

        parse_description(t->description, keys, n_keys, &o);
        ws = token_workspace(inv, t);
        /* The administrator's rules first: a description is written by
         * whoever can create a token, and must not route it away. */
        if ((rule = match_rule(policy, t, ws))) {
                answer(&o, TW_OWNER_RULE, rule->team);
                if (tw_owner_value_ok(rule->contact))
                        copy_value(o.contact, rule->contact, strlen(rule->contact));
        } else if ((v = pair_value(&o, "team")) || (v = pair_value(&o, "owner"))) {
                answer(&o, TW_OWNER_DESCRIPTION, v);
        } else if (inv && ws && (streq(t->scope, "WORKSPACE") || streq(t->scope, "DEPLOYMENT")) &&
                   (w = tw_inventory_workspace(inv, ws)) && tw_owner_value_ok(w->name)) {
                answer(&o, TW_OWNER_WORKSPACE, w->name);
        } else if ((v = active_creator(inv, t)) && tw_owner_value_ok(v)) {
                answer(&o, TW_OWNER_CREATOR, v);
        }
        if (!o.contact[0] && (v = pair_value(&o, "contact")))
                copy_value(o.contact, v, strlen(v)); /* fills in, never overrides a rule's */
        *ret = o;
        return 0;
}

/* Whether every '[' of glob g opens a bracket expression that closes, and no '\' ends it. */
static bool glob_well_formed(const char *g)
{
        for (const char *p = g; *p; p++) {
                if (*p == '\\') {
                        if (!*++p)
                                return false;
                } else if (*p == '[') {
                        const char *q = p + 1;

                        if (*q == '!' || *q == '^')
                                q++;
                        if (*q == ']') /* a leading ']' is a member */
                                q++;
                        while (*q && *q != ']')
                                q++;
                        if (!*q)
                                return false;
                        p = q;
                }
        }
        return true;
}

int tw_owner_rule_check(const struct tw_owner_rule *rule, const char **ret_why)
{
        const char *why = NULL;

        if (!rule)
                why = "no rule";
        else if (!!rule->name_glob == !!rule->workspace_id)
                why = "a rule needs exactly one of a token-name glob and a workspace id";
        else if (rule->name_glob && !*rule->name_glob)
                why = "an empty glob matches no token name";
        else if (rule->name_glob && !glob_well_formed(rule->name_glob))
                why = "the glob has an unterminated '[' or a trailing '\\'";
        else if (rule->workspace_id && !tw_is_valid_id(rule->workspace_id))
                why = "not a valid workspace id";
        else if (!tw_owner_value_ok(rule->team))
                why = "the team is missing, too long, or has a control or \" \\ < > & ` character";
        else if (rule->contact && !tw_owner_value_ok(rule->contact))
                why = "the contact is empty, too long, or has a control or \" \\ < > & ` character";
        if (!why)
                return 0;
        if (ret_why)
                *ret_why = why;
        return -EINVAL;
}

static bool key_ok(const char *k)
{
        size_t n = k ? strlen(k) : 0;

        if (n == 0 || n > TW_OWNER_VALUE_MAX || (k[0] >= '0' && k[0] <= '9'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
                      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
                        return false;
        return true;
}

int tw_owner_keys_check(const char *const *keys, size_t n_keys, const char **ret_why)
{
        const char *why = NULL;

        if (!keys || n_keys == 0 || n_keys > TW_OWNER_KEYS_MAX)
                why = "between 1 and 16 owner keys";
        for (size_t i = 0; !why && i < n_keys; i++) {
                if (!key_ok(keys[i]))
                        why = "an owner key is letters, digits and '_', not starting with a digit";
                for (size_t j = 0; !why && j < i; j++)
                        if (strcasecmp(keys[i], keys[j]) == 0)
                                why = "an owner key is listed twice";
        }
        if (!why)
                return 0;
        if (ret_why)
                *ret_why = why;
        return -EINVAL;
}
