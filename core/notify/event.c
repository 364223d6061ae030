/* Notification events: names, keys, and the copies they carry
 * (core/notify/event.h). */
#include "core/notify/event.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/inventory.h"
#include "core/token_json.h"
#include "lib/buf.h"
#include "lib/idkey.h"
#include "lib/timeutil.h"

static const char *const event_names[_TW_NOTIFY_EVENT_MAX] = {
        [TW_NOTIFY_FIRING] = "firing",     [TW_NOTIFY_ESCALATED] = "escalated",
        [TW_NOTIFY_RESOLVED] = "resolved", [TW_NOTIFY_REMINDER] = "reminder",
        [TW_NOTIFY_CHANGED] = "changed",   [TW_NOTIFY_ACTIVE] = "active",
        [TW_NOTIFY_STAGE] = "stage",
};

const char *tw_notify_event_to_string(enum tw_notify_event_type t)
{
        return (unsigned)t < _TW_NOTIFY_EVENT_MAX ? event_names[t] : "unknown";
}

bool tw_notify_event_notifies(enum tw_notify_event_type t)
{
        return t == TW_NOTIFY_FIRING || t == TW_NOTIFY_ESCALATED || t == TW_NOTIFY_RESOLVED ||
               t == TW_NOTIFY_REMINDER || t == TW_NOTIFY_STAGE;
}

enum tw_finding_kind tw_notify_family(enum tw_finding_kind k)
{
        return k == TW_FINDING_EXPIRED ? TW_FINDING_EXPIRING : k;
}

/* Fills the idempotency key: hex of SHA-256(sink, token, kind, event, at), cut to 32. */
void tw_notify_event_key(struct tw_notify_event *ev, const char *sink)
{
        tw_idkey(ev->idempotency_key, "%s\n%s\n%s\n%s\n%" PRId64, sink, ev->token_id,
                 tw_finding_kind_to_string(ev->kind), tw_notify_event_to_string(ev->type), ev->at);
}

static const char *ws_name(const struct tw_inventory *inv, const char *id)
{
        const struct tw_workspace *w = inv && id ? tw_inventory_workspace(inv, id) : NULL;

        return w && w->name ? w->name : id;
}

const char *tw_notify_token_workspace(const struct tw_inventory *inv, const struct tw_token *t)
{
        for (size_t i = 0; t && i < t->n_roles; i++) {
                const struct tw_role *r = &t->roles[i];
                const struct tw_deployment *d;

                if (!r->entity_type || !r->entity_id)
                        continue;
                if (strcmp(r->entity_type, "WORKSPACE") == 0)
                        return ws_name(inv, r->entity_id);
                if (strcmp(r->entity_type, "DEPLOYMENT") == 0 && inv) {
                        d = tw_inventory_deployment(inv, r->entity_id);
                        if (d && d->workspace_id)
                                return ws_name(inv, d->workspace_id);
                }
        }
        return NULL;
}

int tw_notify_event_set_token(struct tw_notify_event *ev, const struct tw_inventory *inv,
                              const struct tw_token *t, bool json)
{
        ev->listed = true;
        ev->organization = tw_token_organization_id(inv, t);
        ev->scope = t->scope;
        ev->workspace = tw_notify_token_workspace(inv, t);
        ev->creator = t->created_by ? tw_subject_name(t->created_by) : NULL;
        ev->expires_at = t->end_at;
        ev->token_json = json ? tw_token_json(inv, t) : NULL;
        return !json || ev->token_json ? 0 : -ENOMEM;
}

int tw_notify_events_push(struct tw_notify_events *evs, const struct tw_notify_event *ev)
{
        struct tw_arena *a = &evs->arena;
        struct tw_notify_event e = *ev;
        int failed = 0;

        if (tw_array_reserve((void **)&evs->events, evs->n, &evs->cap, sizeof(e)) < 0) {
                cJSON_Delete(e.token_json);
                return -ENOMEM;
        }
        e.token_id = tw_arena_strdup(a, ev->token_id ? ev->token_id : "", &failed);
        e.token_name = tw_arena_strdup(a, ev->token_name ? ev->token_name : "", &failed);
        e.message = tw_arena_strdup(a, ev->message ? ev->message : "", &failed);
        e.fix = tw_arena_strdup(a, ev->fix ? ev->fix : "", &failed);
        e.owner = tw_arena_strdup(a, ev->owner ? ev->owner : "", &failed);
        e.organization = tw_arena_strdup(a, ev->organization ? ev->organization : "", &failed);
        e.scope = tw_arena_intern(a, ev->scope, &failed);
        e.workspace = tw_arena_intern(a, ev->workspace, &failed);
        e.creator = tw_arena_intern(a, ev->creator, &failed);
        if (failed) {
                cJSON_Delete(e.token_json);
                return -ENOMEM;
        }
        evs->events[evs->n++] = e;
        return 0;
}

void tw_notify_events_done(struct tw_notify_events *evs)
{
        if (!evs)
                return;
        for (size_t i = 0; i < evs->n; i++)
                cJSON_Delete(evs->events[i].token_json);
        free(evs->events);
        tw_arena_done(&evs->arena);
        memset(evs, 0, sizeof(*evs));
}
