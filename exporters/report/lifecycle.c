/* Who created, updated, rotated or deleted each token, from the Astro audit
 * logs (the usage index's lifecycle events): the report's "changed_by" per
 * token, "lifecycle" at the top level, and the text every format shows. */
#include "exporters/report/usage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/usage/usage.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/timeutil.h"

/* A creation is matched to a token by name when it happened this close to
 * the token's createdAt (a creation's path has no token id). */
#define CREATION_SLACK 300

struct life_key {
        const char *key; /* the token id, or a creation's name */
        const struct tw_lifecycle_event *ev;
};

static int cmp_key(const void *a, const void *b)
{
        const struct life_key *x = a, *y = b;
        int c = strcmp(x->key, y->key);

        return c ? c : (x->ev < y->ev ? -1 : x->ev > y->ev);
}

int tw_report_lifecycle_init(const struct tw_snapshot *snap, struct tw_report_lifecycle *l)
{
        const struct tw_usage *u = snap->usage;

        *l = (struct tw_report_lifecycle){0};
        if (!u || u->n_lifecycle == 0)
                return 0;
        l->keys = calloc(u->n_lifecycle, sizeof(*l->keys));
        if (!l->keys)
                return -ENOMEM;
        for (size_t i = 0; i < u->n_lifecycle; i++) {
                const struct tw_lifecycle_event *e = &u->lifecycle[i];
                const char *key = e->token_id ? e->token_id : e->token_name;

                if (key)
                        l->keys[l->n++] = (struct life_key){key, e};
        }
        qsort(l->keys, l->n, sizeof(*l->keys), cmp_key);
        return 0;
}

void tw_report_lifecycle_done(struct tw_report_lifecycle *l)
{
        free(l->keys);
        *l = (struct tw_report_lifecycle){0};
}

/* The first index whose key is >= key. */
static size_t lower_bound(const struct tw_report_lifecycle *l, const char *key)
{
        size_t lo = 0, hi = l->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (strcmp(l->keys[mid].key, key) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static bool is_creation_of(const struct tw_lifecycle_event *e, const struct tw_token *t)
{
        int64_t at = e->at_ms / 1000;

        return !e->token_id && e->action == TW_LIFECYCLE_CREATED && t->created_at != TW_NO_TIME &&
               at >= t->created_at - CREATION_SLACK && at <= t->created_at + CREATION_SLACK;
}

size_t tw_report_lifecycle_token(const struct tw_report_lifecycle *l, const struct tw_token *t,
                                 const struct tw_lifecycle_event **out, size_t max)
{
        size_t n = 0;

        /* the creation (by name) first, then the id's events, oldest first */
        for (size_t i = t->name ? lower_bound(l, t->name) : l->n;
             i < l->n && n < max && strcmp(l->keys[i].key, t->name) == 0; i++)
                if (is_creation_of(l->keys[i].ev, t))
                        out[n++] = l->keys[i].ev;
        for (size_t i = t->id ? lower_bound(l, t->id) : l->n;
             i < l->n && n < max && strcmp(l->keys[i].key, t->id) == 0; i++)
                if (l->keys[i].ev->token_id)
                        out[n++] = l->keys[i].ev;
        return n;
}

const char *tw_report_actor_name(const struct tw_snapshot *snap, const struct tw_lifecycle_event *e)
{
        if (!e->actor_id)
                return NULL;
        if (e->actor_type == TW_AUDITLOG_SUBJECT_USER) {
                const struct tw_user *u = tw_inventory_user(snap->inv, e->actor_id);

                if (u && (u->username || u->full_name))
                        return u->username ? u->username : u->full_name;
        } else if (e->actor_type == TW_AUDITLOG_SUBJECT_SERVICEKEY) {
                const struct tw_token *t = tw_inventory_token(snap->inv, e->actor_id);

                if (t && t->name)
                        return t->name;
        }
        return NULL;
}

const char *tw_report_lifecycle_token_name(const struct tw_snapshot *snap,
                                           const struct tw_lifecycle_event *e)
{
        const struct tw_token *t;

        if (e->token_name || !e->token_id)
                return e->token_name;
        t = tw_inventory_token(snap->inv, e->token_id);
        return t ? t->name : NULL;
}

int tw_report_actor_text(const struct tw_snapshot *snap, const struct tw_lifecycle_event *e,
                         struct tw_buf *out)
{
        const char *name = tw_report_actor_name(snap, e);
        const char *what = e->actor_type == TW_AUDITLOG_SUBJECT_USER         ? "user "
                           : e->actor_type == TW_AUDITLOG_SUBJECT_SERVICEKEY ? "API token "
                                                                             : "";

        if (!e->actor_id)
                return tw_buf_adds(out, "unknown");
        if (name)
                return tw_buf_printf(out, "%s%s (%s)", what, name, e->actor_id);
        return tw_buf_printf(out, "%s%s", what, e->actor_id);
}

static bool add_event(const struct tw_snapshot *snap, cJSON *arr,
                      const struct tw_lifecycle_event *e)
{
        cJSON *o = cJSON_CreateObject();
        char ts[TW_RFC3339_LEN];

        if (!o || !cJSON_AddItemToArray(arr, o)) {
                cJSON_Delete(o);
                return false;
        }
        return tw_json_add_str(o, "at", tw_time_format(e->at_ms / 1000, ts)) &&
               tw_json_add_str(o, "action", tw_lifecycle_action_to_string(e->action)) &&
               tw_json_add_str(o, "token_id", e->token_id) &&
               tw_json_add_str(o, "token_name", e->token_name) &&
               tw_json_add_str(o, "actor_id", e->actor_id) &&
               tw_json_add_str(o, "actor_type",
                               e->actor_type == TW_AUDITLOG_SUBJECT_USER         ? "user"
                               : e->actor_type == TW_AUDITLOG_SUBJECT_SERVICEKEY ? "token"
                                                                                 : NULL) &&
               tw_json_add_str(o, "actor_name", tw_report_actor_name(snap, e)) &&
               tw_json_add_str(o, "source_ip", e->source_ip) &&
               tw_json_add_str(o, "user_agent", e->user_agent) &&
               (e->status < 0 ? cJSON_AddNullToObject(o, "status")
                              : cJSON_AddNumberToObject(o, "status", e->status)) != NULL;
}

int tw_report_lifecycle_token_json(const struct tw_snapshot *snap,
                                   const struct tw_report_lifecycle *l, const struct tw_token *t,
                                   cJSON *tok)
{
        const struct tw_lifecycle_event *evs[TW_REPORT_LIFECYCLE_PER_TOKEN];
        size_t n;
        cJSON *arr;

        if (!snap->usage)
                return cJSON_AddNullToObject(tok, "changed_by") ? 0 : -ENOMEM;
        n = tw_report_lifecycle_token(l, t, evs, TW_REPORT_LIFECYCLE_PER_TOKEN);
        arr = cJSON_AddArrayToObject(tok, "changed_by");
        for (size_t i = 0; arr && i < n; i++)
                if (!add_event(snap, arr, evs[i]))
                        return -ENOMEM;
        return arr ? 0 : -ENOMEM;
}

int tw_report_lifecycle_root_json(const struct tw_snapshot *snap, cJSON *root)
{
        const struct tw_usage *u = snap->usage;
        cJSON *arr;

        if (!u)
                return cJSON_AddNullToObject(root, "lifecycle") ? 0 : -ENOMEM;
        arr = cJSON_AddArrayToObject(root, "lifecycle");
        for (size_t i = 0; arr && i < u->n_lifecycle; i++)
                if (!add_event(snap, arr, &u->lifecycle[i]))
                        return -ENOMEM;
        return arr ? 0 : -ENOMEM;
}
