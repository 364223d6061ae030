/* The audit command's Part 2 in JSON: "usage" and "lifecycle" arrays.
 * See exporters/report/changes.h. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "exporters/report/report_internal.h"
#include "exporters/report/usage_view_internal.h"
#include "lib/json.h"

/* The token's name from the last listing, or NULL. */
const char *tw_usage_view_name_of(const struct tw_audit_view *v, const char *id)
{
        const struct tw_listing *l = v->listing;
        size_t lo = 0, hi = l && id ? l->n_tokens : 0;

        while (lo < hi) { /* the listing is sorted by id */
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(id, l->tokens[mid].id);

                if (c == 0)
                        return l->tokens[mid].name;
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}

bool tw_usage_view_token_shown(const struct tw_audit_view *v, const struct tw_token_usage *t)
{
        return (!v->token_id || strcmp(v->token_id, t->token_id) == 0) &&
               (v->since == TW_NO_TIME || t->last_ms >= v->since * 1000);
}

bool tw_usage_view_event_shown(const struct tw_audit_view *v, const struct tw_lifecycle_event *e)
{
        return (!v->token_id || (e->token_id && strcmp(v->token_id, e->token_id) == 0)) &&
               (v->since == TW_NO_TIME || e->at_ms >= v->since * 1000);
}

const char *tw_usage_view_actor_type(const struct tw_lifecycle_event *e)
{
        return e->actor_type == TW_AUDITLOG_SUBJECT_USER         ? "user"
               : e->actor_type == TW_AUDITLOG_SUBJECT_SERVICEKEY ? "token"
                                                                 : "unknown";
}

/* Seconds, from the index's milliseconds. */
char *tw_usage_view_when(int64_t ms, char buf[TW_RFC3339_LEN])
{
        if (ms == TW_NO_TIME) {
                strcpy(buf, "-");
                return buf;
        }
        return tw_time_format(ms / 1000, buf);
}

/* ---- JSON ---- */

static cJSON *sources_json(const struct tw_usage_source *s, size_t n)
{
        const struct tw_usage_source **top = calloc(n ? n : 1, sizeof(*top));
        cJSON *arr = cJSON_CreateArray();
        char ts[TW_RFC3339_LEN];
        size_t k = top ? tw_usage_top(s, n, top, n) : 0;

        for (size_t i = 0; arr && i < k; i++) {
                cJSON *o = cJSON_CreateObject();

                if (!cJSON_AddItemToArray(arr, o) ||
                    !cJSON_AddStringToObject(o, "value", top[i]->value) ||
                    !cJSON_AddNumberToObject(o, "count", (double)top[i]->count) ||
                    !cJSON_AddStringToObject(o, "first_seen",
                                             tw_usage_view_when(top[i]->first_ms, ts)) ||
                    !cJSON_AddStringToObject(o, "last_seen",
                                             tw_usage_view_when(top[i]->last_ms, ts))) {
                        cJSON_Delete(arr);
                        arr = NULL;
                }
        }
        if (!top) {
                cJSON_Delete(arr);
                arr = NULL;
        }
        free(top);
        return arr;
}

static cJSON *token_json(const struct tw_audit_view *v, const struct tw_token_usage *t)
{
        cJSON *o = cJSON_CreateObject(), *ops;
        const char *name = tw_usage_view_name_of(v, t->token_id);
        char ts[TW_RFC3339_LEN];

        if (!o || !cJSON_AddStringToObject(o, "token_id", t->token_id) ||
            !tw_json_add_str(o, "token_name", name) ||
            !cJSON_AddStringToObject(o, "first_seen", tw_usage_view_when(t->first_ms, ts)) ||
            !cJSON_AddStringToObject(o, "last_seen", tw_usage_view_when(t->last_ms, ts)) ||
            !cJSON_AddNumberToObject(o, "calls", (double)t->calls) ||
            !cJSON_AddNumberToObject(o, "image_pushes", (double)t->image_pushes) ||
            !(t->last_push_ms == TW_NO_TIME
                      ? cJSON_AddNullToObject(o, "last_push")
                      : cJSON_AddStringToObject(o, "last_push",
                                                tw_usage_view_when(t->last_push_ms, ts))) ||
            !cJSON_AddItemToObject(o, "source_ips", sources_json(t->ips, t->n_ips)) ||
            !cJSON_AddItemToObject(o, "user_agents", sources_json(t->agents, t->n_agents)) ||
            !(ops = cJSON_AddArrayToObject(o, "operations")))
                goto fail;
        for (size_t i = 0; i < t->n_ops; i++) {
                cJSON *op = cJSON_CreateObject();

                if (!cJSON_AddItemToArray(ops, op) ||
                    !cJSON_AddStringToObject(op, "operation", t->ops[i].op) ||
                    !cJSON_AddNumberToObject(op, "count", (double)t->ops[i].count) ||
                    !cJSON_AddStringToObject(op, "last_seen",
                                             tw_usage_view_when(t->ops[i].last_ms, ts)))
                        goto fail;
        }
        return o;
fail:
        cJSON_Delete(o);
        return NULL;
}

static cJSON *event_json(const struct tw_audit_view *v, const struct tw_lifecycle_event *e)
{
        cJSON *o = cJSON_CreateObject();
        const char *name = e->token_name ? e->token_name : tw_usage_view_name_of(v, e->token_id);
        const char *actor_name = e->actor_type == TW_AUDITLOG_SUBJECT_SERVICEKEY
                                         ? tw_usage_view_name_of(v, e->actor_id)
                                         : NULL;
        char ts[TW_RFC3339_LEN];

        if (!o || !cJSON_AddStringToObject(o, "at", tw_usage_view_when(e->at_ms, ts)) ||
            !cJSON_AddStringToObject(o, "action", tw_lifecycle_action_to_string(e->action)) ||
            !tw_json_add_str(o, "token_id", e->token_id) ||
            !tw_json_add_str(o, "token_name", name) ||
            !cJSON_AddStringToObject(o, "actor_type", tw_usage_view_actor_type(e)) ||
            !tw_json_add_str(o, "actor_id", e->actor_id) ||
            !tw_json_add_str(o, "actor_name", actor_name) ||
            !tw_json_add_str(o, "source_ip", e->source_ip) ||
            !tw_json_add_str(o, "user_agent", e->user_agent) ||
            !(e->status < 0 ? cJSON_AddNullToObject(o, "status")
                            : cJSON_AddNumberToObject(o, "status", e->status))) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

int tw_usage_view_json(const struct tw_audit_view *v, struct cJSON *root)
{
        cJSON *usage, *life;

        if (tw_report_usage_source_json(v->origins, v->n_origins, root) < 0)
                return -ENOMEM;
        if (!v->usage)
                return 0;
        if (!(usage = cJSON_AddArrayToObject(root, "usage")) ||
            !(life = cJSON_AddArrayToObject(root, "lifecycle")))
                return -ENOMEM;
        for (size_t i = 0; i < v->usage->n_tokens; i++)
                if (tw_usage_view_token_shown(v, &v->usage->tokens[i]) &&
                    !cJSON_AddItemToArray(usage, token_json(v, &v->usage->tokens[i])))
                        return -ENOMEM;
        for (size_t i = 0; i < v->usage->n_lifecycle; i++)
                if (tw_usage_view_event_shown(v, &v->usage->lifecycle[i]) &&
                    !cJSON_AddItemToArray(life, event_json(v, &v->usage->lifecycle[i])))
                        return -ENOMEM;
        return 0;
}
