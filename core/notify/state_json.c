/* The notification state to and from JSON (see core/notify/state.h).  Keys
 * added later are optional when read: owner, organization, fix, stages. */
#include "core/notify/state.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/notify/marks_internal.h"
#include "lib/json.h"

static bool add_num(cJSON *o, const char *k, double v)
{
        return cJSON_AddNumberToObject(o, k, v) != NULL;
}

static cJSON *entry_to_json(const struct tw_notify_entry *e)
{
        cJSON *o = cJSON_CreateObject();

        if (!o)
                return NULL;
        if (!cJSON_AddStringToObject(o, "token_id", e->token_id) ||
            !cJSON_AddStringToObject(o, "token_name", e->token_name) ||
            !cJSON_AddStringToObject(o, "kind", tw_finding_kind_to_string(e->kind)) ||
            !cJSON_AddStringToObject(o, "severity", tw_severity_to_string(e->severity)) ||
            !cJSON_AddStringToObject(o, "message", e->message) ||
            (e->fix && *e->fix && !cJSON_AddStringToObject(o, "fix", e->fix)) ||
            !add_num(o, "since", (double)e->since) ||
            !add_num(o, "changed_at", (double)e->changed_at) ||
            !add_num(o, "last_sent", (double)e->last_sent) ||
            (e->owner && *e->owner && !cJSON_AddStringToObject(o, "owner", e->owner)) ||
            (e->organization && *e->organization &&
             !cJSON_AddStringToObject(o, "organization", e->organization))) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

/* "stages": {SINK: [mark...]} for the sinks that have marks (additive: a
 * state file without it loads with no marks). */
static int add_stage_marks(cJSON *root, const struct tw_notify_state *s)
{
        cJSON *o = NULL, *arr;

        for (size_t i = 0; s && i < s->n_sinks; i++) {
                if (!s->sinks[i].n_marks)
                        continue;
                if (!o && !(o = cJSON_AddObjectToObject(root, "stages")))
                        return -ENOMEM;
                arr = tw_notify_stage_marks_to_json(&s->sinks[i]);
                if (!arr || !cJSON_AddItemToObject(o, s->sinks[i].name, arr)) {
                        cJSON_Delete(arr);
                        return -ENOMEM;
                }
        }
        return 0;
}

static int load_stage_marks(const cJSON *j, struct tw_notify_state *s)
{
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, "stages"), *it;
        int r;

        if (!o)
                return 0;
        if (!cJSON_IsObject(o))
                return -EBADMSG;
        cJSON_ArrayForEach (it, o) {
                struct tw_notify_sink_state *dst = NULL;

                for (size_t i = 0; i < s->n_sinks; i++)
                        if (strcmp(s->sinks[i].name, it->string) == 0)
                                dst = &s->sinks[i];
                if (!dst)
                        continue; /* every sink of the state is in "sinks" */
                r = tw_notify_stage_marks_from_json(it, dst, &s->arena);
                if (r < 0)
                        return r;
        }
        return 0;
}

cJSON *tw_notify_state_to_json(const struct tw_notify_state *s)
{
        cJSON *root = cJSON_CreateObject(), *sinks, *arr, *e;

        if (!root)
                return NULL;
        sinks = cJSON_AddObjectToObject(root, "sinks");
        if (!sinks)
                goto fail;
        for (size_t i = 0; s && i < s->n_sinks; i++) {
                arr = cJSON_AddArrayToObject(sinks, s->sinks[i].name);
                if (!arr)
                        goto fail;
                for (size_t j = 0; j < s->sinks[i].n_entries; j++) {
                        e = entry_to_json(&s->sinks[i].entries[j]);
                        if (!e)
                                goto fail;
                        cJSON_AddItemToArray(arr, e);
                }
        }
        if (add_stage_marks(root, s) < 0)
                goto fail;
        return root;
fail:
        cJSON_Delete(root);
        return NULL;
}

/* Member k, a string, copied into a. */
static int get_str(struct tw_arena *a, const cJSON *o, const char *k, const char **ret)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
        int failed = 0;

        if (!cJSON_IsString(v))
                return -EBADMSG;
        *ret = tw_arena_strdup(a, v->valuestring, &failed);
        return failed ? -ENOMEM : 0;
}

/* A key states written before it was added lack: "" then. */
static int opt_str(struct tw_arena *a, const cJSON *o, const char *k, const char **ret)
{
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, k)))
                return get_str(a, o, k, ret);
        *ret = "";
        return 0;
}

static int entry_from_json(struct tw_arena *a, const cJSON *o, struct tw_notify_entry *ret)
{
        struct tw_notify_entry e = {0};
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kind");
        const cJSON *sv = cJSON_GetObjectItemCaseSensitive(o, "severity");
        int r;

        if (!cJSON_IsObject(o) || !cJSON_IsString(k) || !cJSON_IsString(sv))
                return -EBADMSG;
        if (tw_finding_kind_from_string(k->valuestring, &e.kind) < 0 ||
            tw_severity_from_string(sv->valuestring, &e.severity) < 0)
                return -EBADMSG;
        r = get_str(a, o, "token_id", &e.token_id);
        if (r >= 0)
                r = get_str(a, o, "token_name", &e.token_name);
        if (r >= 0)
                r = get_str(a, o, "message", &e.message);
        if (r >= 0)
                r = tw_json_get_int64(o, "since", &e.since);
        if (r >= 0)
                r = tw_json_get_int64(o, "changed_at", &e.changed_at);
        if (r >= 0)
                r = tw_json_get_int64(o, "last_sent", &e.last_sent);
        if (r >= 0)
                r = opt_str(a, o, "fix", &e.fix);
        if (r >= 0)
                r = opt_str(a, o, "owner", &e.owner);
        if (r >= 0)
                r = opt_str(a, o, "organization", &e.organization);
        if (r < 0)
                return r;
        *ret = e;
        return 0;
}

static int cmp_entry(const void *a, const void *b)
{
        const struct tw_notify_entry *x = a, *y = b;
        int c = strcmp(x->token_id, y->token_id);

        if (c)
                return c;
        return (int)tw_notify_family(x->kind) - (int)tw_notify_family(y->kind);
}

static int sink_from_json(struct tw_arena *a, const cJSON *arr, struct tw_notify_sink_state *out)
{
        const cJSON *it;
        int n = cJSON_GetArraySize(arr), r, failed = 0;

        if (!cJSON_IsArray(arr))
                return -EBADMSG;
        out->name = tw_arena_strdup(a, arr->string, &failed);
        out->entries = calloc((size_t)n + 1, sizeof(*out->entries));
        if (failed || !out->entries)
                return -ENOMEM;
        cJSON_ArrayForEach (it, arr) {
                r = entry_from_json(a, it, &out->entries[out->n_entries]);
                if (r < 0)
                        return r;
                out->n_entries++;
        }
        if (out->n_entries)
                qsort(out->entries, out->n_entries, sizeof(*out->entries), cmp_entry);
        for (size_t i = 1; i < out->n_entries; i++)
                if (cmp_entry(&out->entries[i - 1], &out->entries[i]) == 0)
                        return -EBADMSG;
        return 0;
}

int tw_notify_state_from_json(const cJSON *j, struct tw_notify_state **ret_state)
{
        const cJSON *sinks = cJSON_GetObjectItemCaseSensitive(j, "sinks"), *it;
        struct tw_notify_state *s;
        int r = 0;

        if (!cJSON_IsObject(j) || !cJSON_IsObject(sinks))
                return -EBADMSG;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        tw_arena_init(&s->arena);
        s->sinks = calloc((size_t)cJSON_GetArraySize(sinks) + 1, sizeof(*s->sinks));
        if (!s->sinks) {
                r = -ENOMEM;
                goto fail;
        }
        cJSON_ArrayForEach (it, sinks) {
                s->n_sinks++;
                r = sink_from_json(&s->arena, it, &s->sinks[s->n_sinks - 1]);
                if (r < 0)
                        goto fail;
        }
        r = load_stage_marks(j, s);
        if (r < 0)
                goto fail;
        *ret_state = s;
        return 0;
fail:
        tw_notify_state_free(s);
        return r;
}
