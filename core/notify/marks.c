/* The stage marks a sink state keeps: memory and JSON (core/notify/marks_internal.h). */
#include "core/notify/marks_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/notify/state.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/json.h"

static int cmp_mark(const void *a, const void *b)
{
        const struct tw_notify_stage_mark *x = a, *y = b;

        return strcmp(x->token_id, y->token_id);
}

const struct tw_notify_stage_mark *tw_notify_stage_mark_find(const struct tw_notify_sink_state *s,
                                                             const char *id)
{
        struct tw_notify_stage_mark key = {.token_id = (char *)id};

        if (!s || !s->n_marks || !id)
                return NULL;
        return bsearch(&key, s->marks, s->n_marks, sizeof(key), cmp_mark);
}

int tw_notify_marks_add(struct tw_notify_marks *m, const char *id, int64_t end_at, int64_t lead)
{
        int failed = 0;
        const char *copy;

        if (tw_array_reserve((void **)&m->v, m->n, &m->cap, sizeof(*m->v)) < 0)
                return -ENOMEM;
        copy = tw_arena_strdup(m->arena, id, &failed);
        if (failed || !copy)
                return -ENOMEM;
        m->v[m->n++] =
                (struct tw_notify_stage_mark){.token_id = copy, .end_at = end_at, .lead = lead};
        return 0;
}

void tw_notify_marks_done(struct tw_notify_marks *m)
{
        free(m->v);
        m->v = NULL;
        m->n = m->cap = 0;
}

int tw_notify_marks_install(struct tw_notify_marks *m, struct tw_notify_sink_state *dst)
{
        if (m->n)
                qsort(m->v, m->n, sizeof(*m->v), cmp_mark);
        for (size_t i = 1; i < m->n; i++)
                if (cmp_mark(&m->v[i - 1], &m->v[i]) == 0) {
                        tw_notify_marks_done(m);
                        return -EBADMSG;
                }
        free(dst->marks);
        dst->marks = m->v;
        dst->n_marks = m->n;
        m->v = NULL;
        m->n = m->cap = 0;
        return 0;
}

int tw_notify_stages_revert(struct tw_notify_sink_state *dst,
                            const struct tw_notify_sink_state *old, struct tw_arena *arena)
{
        struct tw_notify_marks m = {.arena = arena};

        for (size_t i = 0; old && i < old->n_marks; i++)
                if (tw_notify_marks_add(&m, old->marks[i].token_id, old->marks[i].end_at,
                                        old->marks[i].lead) < 0) {
                        tw_notify_marks_done(&m);
                        return -ENOMEM;
                }
        return tw_notify_marks_install(&m, dst);
}

cJSON *tw_notify_stage_marks_to_json(const struct tw_notify_sink_state *s)
{
        cJSON *arr = cJSON_CreateArray(), *o;

        for (size_t i = 0; arr && i < s->n_marks; i++) {
                o = cJSON_CreateObject();
                if (o && !cJSON_AddItemToArray(arr, o)) {
                        cJSON_Delete(o);
                        o = NULL;
                }
                if (!o || !cJSON_AddStringToObject(o, "token_id", s->marks[i].token_id) ||
                    !cJSON_AddNumberToObject(o, "end_at", (double)s->marks[i].end_at) ||
                    !cJSON_AddNumberToObject(o, "lead", (double)s->marks[i].lead)) {
                        cJSON_Delete(arr);
                        return NULL;
                }
        }
        return arr;
}

int tw_notify_stage_marks_from_json(const cJSON *arr, struct tw_notify_sink_state *out,
                                    struct tw_arena *arena)
{
        const cJSON *it;
        struct tw_notify_marks m = {.arena = arena};
        int r = 0;

        if (!cJSON_IsArray(arr))
                return -EBADMSG;
        cJSON_ArrayForEach (it, arr) {
                const char *id =
                        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "token_id"));
                int64_t end_at, lead;

                if (!cJSON_IsObject(it) || !id || tw_json_get_int64(it, "end_at", &end_at) < 0 ||
                    tw_json_get_int64(it, "lead", &lead) < 0 || lead <= 0) {
                        r = -EBADMSG;
                        break;
                }
                r = tw_notify_marks_add(&m, id, end_at, lead);
                if (r < 0)
                        break;
        }
        if (r < 0) {
                tw_notify_marks_done(&m);
                return r;
        }
        return tw_notify_marks_install(&m, out);
}
