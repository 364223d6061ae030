/* What a notification sink routes: its kinds, severity and workspaces,
 * and its owner routing ([webhook.NAME] teams and match, applied to the
 * token's resolved owner). */
#include "core/notify/state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/inventory.h"
#include "core/owner.h"

static bool name_listed(const struct tw_notify_filter *flt, const char *s)
{
        for (size_t i = 0; s && i < flt->n_workspaces; i++)
                if (flt->workspaces[i] && strcmp(flt->workspaces[i], s) == 0)
                        return true;
        return false;
}

/* Whether the workspace (by id) is one the sink routes, by id or name. */
static bool workspace_listed(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                             const char *ws_id)
{
        const struct tw_workspace *w;

        if (name_listed(flt, ws_id))
                return true;
        w = ws_id ? tw_inventory_workspace(inv, ws_id) : NULL;
        return w && name_listed(flt, w->name);
}

static bool token_in_workspaces(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                                const struct tw_token *t)
{
        for (size_t i = 0; i < t->n_roles; i++) {
                const struct tw_role *r = &t->roles[i];
                const struct tw_deployment *d;

                if (!r->entity_type || !r->entity_id)
                        continue;
                if (strcmp(r->entity_type, "WORKSPACE") == 0 &&
                    workspace_listed(flt, inv, r->entity_id))
                        return true;
                if (strcmp(r->entity_type, "DEPLOYMENT") == 0) {
                        d = tw_inventory_deployment(inv, r->entity_id);
                        if (d && workspace_listed(flt, inv, d->workspace_id))
                                return true;
                }
        }
        return false;
}

static bool counts(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                   const struct tw_finding *f)
{
        if (f->suppressed || f->token >= inv->n_tokens)
                return false;
        if (flt->kinds && !(flt->kinds & (1u << f->kind)))
                return false;
        if (f->severity < flt->min_severity || f->severity == TW_SEVERITY_NONE)
                return false;
        if (flt->n_workspaces && !token_in_workspaces(flt, inv, &inv->tokens[f->token]))
                return false;
        return tw_notify_filter_routes_owner(flt, inv, &inv->tokens[f->token]);
}

bool tw_notify_filter_routes(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                             const struct tw_finding *f)
{
        return flt && inv && f && counts(flt, inv, f);
}

/* The owner's value for key ("" when it has none). */
static const char *owner_value(const struct tw_owner *o, const char *key, size_t klen)
{
        if (klen == 4 && strncasecmp(key, "team", 4) == 0)
                return o->team;
        if (klen == 7 && strncasecmp(key, "contact", 7) == 0)
                return o->contact;
        for (size_t i = 0; i < o->n_pairs; i++)
                if (strlen(o->pairs[i].key) == klen && strncasecmp(o->pairs[i].key, key, klen) == 0)
                        return o->pairs[i].value;
        return "";
}

/* Whether some match item with the key of item `at` holds for o. */
static bool key_matches(const struct tw_notify_filter *flt, size_t at, const struct tw_owner *o)
{
        const char *eq = strchr(flt->match[at], '=');
        size_t klen = eq ? (size_t)(eq - flt->match[at]) : 0;
        const char *have = owner_value(o, flt->match[at], klen);

        if (!eq || !*have)
                return false;
        for (size_t i = at; i < flt->n_match; i++) {
                const char *m = flt->match[i];

                if (m && strncasecmp(m, flt->match[at], klen) == 0 && m[klen] == '=' &&
                    strcasecmp(m + klen + 1, have) == 0)
                        return true;
        }
        return false;
}

/* Whether an item before `at` has the same key (it was decided then). */
static bool key_seen(const struct tw_notify_filter *flt, size_t at)
{
        const char *eq = strchr(flt->match[at], '=');
        size_t klen = eq ? (size_t)(eq - flt->match[at]) : strlen(flt->match[at]);

        for (size_t i = 0; i < at; i++)
                if (flt->match[i] && strncasecmp(flt->match[i], flt->match[at], klen) == 0 &&
                    flt->match[i][klen] == '=')
                        return true;
        return false;
}

bool tw_notify_filter_routes_owner(const struct tw_notify_filter *flt,
                                   const struct tw_inventory *inv, const struct tw_token *t)
{
        static const struct tw_owner_policy defaults;
        struct tw_owner o;
        bool team_ok = false;

        if (!flt->n_teams && !flt->n_match)
                return true;
        if (tw_owner_resolve(inv, t, flt->owners ? flt->owners : &defaults, &o) < 0)
                return false;
        for (size_t i = 0; i < flt->n_teams && !team_ok; i++)
                team_ok = flt->teams[i] && o.team[0] && strcasecmp(flt->teams[i], o.team) == 0;
        if (flt->n_teams && !team_ok)
                return false;
        for (size_t i = 0; i < flt->n_match; i++) {
                if (!flt->match[i] || key_seen(flt, i))
                        continue;
                if (!key_matches(flt, i, &o))
                        return false;
        }
        return true;
}

int tw_notify_owner_labels(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                           const struct tw_token *t, char **ret)
{
        static const struct tw_owner_policy defaults;
        /* team + up to TW_OWNER_KEYS_MAX labels, each "key=value\n" */
        char buf[(TW_OWNER_KEYS_MAX + 1) * (2 * TW_OWNER_VALUE_MAX + 3) + 1];
        size_t len = 0;
        struct tw_owner o;

        buf[0] = '\0';
        if (t && tw_owner_resolve(inv, t, flt->owners ? flt->owners : &defaults, &o) == 0) {
                if (o.team[0])
                        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "team=%s\n", o.team);
                for (size_t i = 0; i < flt->n_owner_labels && i < TW_OWNER_KEYS_MAX; i++) {
                        const char *k = flt->owner_labels[i];
                        size_t klen = k ? strlen(k) : 0;
                        const char *v;

                        if (!k || klen > TW_OWNER_VALUE_MAX || strcasecmp(k, "team") == 0)
                                continue;
                        v = owner_value(&o, k, klen);
                        if (*v)
                                len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s=%s\n", k,
                                                        v);
                }
        }
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}
