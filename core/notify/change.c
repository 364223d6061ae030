/* Token change events to sinks: routing and keys (core/notify/change.h). */
#include "core/notify/change.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "core/inventory.h"
#include "lib/idkey.h"

static bool listed(const struct tw_notify_filter *flt, const char *s)
{
        for (size_t i = 0; s && i < flt->n_workspaces; i++)
                if (flt->workspaces[i] && strcmp(flt->workspaces[i], s) == 0)
                        return true;
        return false;
}

static bool ws_listed(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                      const char *id)
{
        const struct tw_workspace *w = inv && id ? tw_inventory_workspace(inv, id) : NULL;

        return listed(flt, id) || (w && listed(flt, w->name));
}

/* A deleted token's roles, "ENTITY_TYPE:entity_id=ROLE, ...": in a listed workspace? */
static bool roles_in_workspaces(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                                const char *roles)
{
        const char *p = roles;

        while (p && *p) {
                char item[512], *colon, *eq;
                size_t n = strcspn(p, ",");
                const struct tw_deployment *d;

                if (n < sizeof(item)) {
                        memcpy(item, p, n);
                        item[n] = '\0';
                        colon = strchr(item, ':');
                        eq = colon ? strchr(colon, '=') : NULL;
                        if (colon && eq) {
                                char *type = item;

                                *colon = *eq = '\0';
                                while (*type == ' ')
                                        type++;
                                if (strcmp(type, "WORKSPACE") == 0 &&
                                    ws_listed(flt, inv, colon + 1))
                                        return true;
                                d = strcmp(type, "DEPLOYMENT") == 0 && inv
                                            ? tw_inventory_deployment(inv, colon + 1)
                                            : NULL;
                                if (d && ws_listed(flt, inv, d->workspace_id))
                                        return true;
                        }
                }
                p += n;
                if (*p == ',')
                        p++;
        }
        return false;
}

bool tw_notify_change_routes(const struct tw_notify_filter *flt, unsigned changes,
                             const struct tw_inventory *inv, const struct tw_event *e)
{
        const struct tw_token *t;

        if (!flt || !e || !tw_event_pushed(e) ||
            (e->severity != TW_SEVERITY_NONE && e->severity < flt->min_severity))
                return false;
        if ((unsigned)e->kind >= _TW_EVENT_KIND_MAX || !(changes & (1u << e->kind)))
                return false;
        t = inv && e->token_id ? tw_inventory_token(inv, e->token_id) : NULL;
        if (t) {
                /* the finding filter, kinds aside: workspaces and whatever
                 * else a sink routes tokens by */
                struct tw_notify_filter any = *flt;
                struct tw_finding f = {.token = (size_t)(t - inv->tokens),
                                       .kind = TW_FINDING_EXPIRING,
                                       .severity = e->severity};

                any.kinds = 0;
                any.min_severity = TW_SEVERITY_WARNING;
                return tw_notify_filter_routes(&any, inv, &f);
        }
        if (!flt->n_workspaces)
                return true;
        return e->kind == TW_EVENT_DELETED && roles_in_workspaces(flt, inv, e->before);
}

void tw_notify_change_key(const char *sink, const struct tw_event *e, char ret[40])
{
        tw_idkey(ret, "change\n%s\n%s\n%s\n%" PRId64, sink ? sink : "",
                 e->token_id ? e->token_id : "", tw_event_kind_to_string(e->kind), e->observed_at);
}
