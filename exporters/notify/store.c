/* The notifier's state, queue and ack files (see exporters/notify/store_internal.h). */
#include "exporters/notify/store_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/notify/state.h"
#include "exporters/notify/sink_internal.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"

#define STATE_MAX ((size_t)256 << 20)

struct tw_notify_store {
        char *dir; /* NULL: nothing on disk (dry-run) */
        pthread_mutex_t lock;
        cJSON *acks; /* {SINK: id}, guarded by lock */
        struct tw_notify_state *state;
        uint64_t next_id;
        cJSON *queues; /* {SINK: [item...]}, every item valid */
        /* {SINK: the period of its last digest} */
        cJSON *digests;
};

/* An id from JSON: a number in 0 .. 2^53, or -EBADMSG. */
static int get_id(const cJSON *v, uint64_t *ret)
{
        double d;
        int r = tw_json_number(v, 0, TW_JSON_EXACT_MAX, &d);

        if (r == 0)
                *ret = (uint64_t)d;
        return r;
}

int tw_notify_store_parse_acks(const char *text, size_t len, cJSON **ret_acks)
{
        cJSON *j = cJSON_ParseWithLength(text, len);
        const cJSON *it;
        uint64_t id;

        if (!cJSON_IsObject(j))
                goto bad;
        cJSON_ArrayForEach (it, j)
                if (get_id(it, &id) < 0)
                        goto bad;
        *ret_acks = j;
        return 0;
bad:
        cJSON_Delete(j);
        return -EBADMSG;
}

/* Whether queues is {SINK: [valid item...]}. */
static bool queues_valid(const cJSON *queues)
{
        const cJSON *q, *it;
        struct tw_sink_item *item;

        if (!cJSON_IsObject(queues))
                return false;
        cJSON_ArrayForEach (q, queues) {
                if (!cJSON_IsArray(q))
                        return false;
                cJSON_ArrayForEach (it, q) {
                        if (tw_sink_item_from_json(it, &item) < 0)
                                return false;
                        tw_sink_item_free(item);
                }
        }
        return true;
}

int tw_notify_store_parse_state(const char *text, size_t len, struct tw_notify_state **ret_state,
                                uint64_t *ret_next_id, cJSON **ret_queues)
{
        cJSON *j = cJSON_ParseWithLength(text, len), *queues = NULL;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "next_id");
        struct tw_notify_state *state = NULL;
        uint64_t next_id = 0;
        int r = -EBADMSG;

        if (!cJSON_IsObject(j) || (id && get_id(id, &next_id) < 0))
                goto finish;
        r = tw_notify_state_from_json(cJSON_GetObjectItemCaseSensitive(j, "state"), &state);
        if (r < 0)
                goto finish;
        r = -EBADMSG;
        queues = cJSON_DetachItemFromObjectCaseSensitive(j, "queues");
        if (queues && !queues_valid(queues))
                goto finish;
        if (!queues)
                queues = cJSON_CreateObject();
        if (!queues) {
                r = -ENOMEM;
                goto finish;
        }
        *ret_state = state;
        *ret_next_id = next_id;
        *ret_queues = queues;
        state = NULL;
        queues = NULL;
        r = 0;
finish:
        tw_notify_state_free(state);
        cJSON_Delete(queues);
        cJSON_Delete(j);
        return r;
}

/* Moves a bad file aside, with the log line that says so. */
static void set_aside(struct tw_notify_store *st, const char *name, int error, int64_t now)
{
        char *moved = NULL;

        tw_statefile_quarantine(st->dir, name, now, &moved);
        tw_log(TW_LOG_ERROR,
               "notification state unreadable, malformed or out of range, moved aside; starting "
               "clean (notifications may repeat)",
               "file", name, "error", strerror(-error), "moved_to", moved, NULL);
        free(moved);
}

/* Reads dir/name; NULL text (and 0) if absent; a file that cannot be read is set aside. */
static int read_file(struct tw_notify_store *st, const char *name, int64_t now, char **ret,
                     size_t *ret_len)
{
        int r = tw_statefile_read(st->dir, name, STATE_MAX, ret, ret_len);

        if (r == -ENOENT || r == -ENOMEM)
                *ret = NULL;
        else if (r < 0)
                set_aside(st, name, r, now);
        return r == -ENOMEM ? r : 0;
}

int tw_notify_store_parse_digests(const cJSON *j, cJSON **ret_digests)
{
        const cJSON *it;
        double d;

        if (j && !cJSON_IsObject(j))
                return -EBADMSG;
        cJSON_ArrayForEach (it, j) {
                if (tw_json_number(it, -TW_JSON_INT64_MAX, TW_JSON_INT64_MAX, &d) < 0)
                        return -EBADMSG;
        }
        *ret_digests = j ? cJSON_Duplicate(j, 1) : cJSON_CreateObject();
        return *ret_digests ? 0 : -ENOMEM;
}

/* The "digests" member of a state file whose text parse_state accepted. */
static int load_digests(struct tw_notify_store *st, const char *text, size_t len)
{
        cJSON *j = cJSON_ParseWithLength(text, len);
        int r;

        if (!j)
                return -ENOMEM; /* it parsed once: only memory can fail now */
        r = tw_notify_store_parse_digests(cJSON_GetObjectItemCaseSensitive(j, "digests"),
                                          &st->digests);
        cJSON_Delete(j);
        if (r < 0) {
                tw_notify_state_free(st->state);
                st->state = NULL;
                cJSON_Delete(st->queues);
                st->queues = NULL;
                st->next_id = 0;
        }
        return r;
}

int64_t tw_notify_store_digest(struct tw_notify_store *st, const char *sink)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(st->digests, sink);

        return cJSON_IsNumber(v) ? (int64_t)cJSON_GetNumberValue(v) : TW_NO_TIME;
}

int tw_notify_store_set_digest(struct tw_notify_store *st, const char *sink, int64_t period)
{
        cJSON *v = cJSON_GetObjectItemCaseSensitive(st->digests, sink);

        if (period == TW_NO_TIME) {
                cJSON_DeleteItemFromObjectCaseSensitive(st->digests, sink);
                return 0;
        }
        if (v) {
                cJSON_SetNumberValue(v, (double)period);
                return 0;
        }
        return cJSON_AddNumberToObject(st->digests, sink, (double)period) ? 0 : -ENOMEM;
}

static int load(struct tw_notify_store *st, int64_t now)
{
        char *text = NULL;
        size_t len = 0;
        const cJSON *it;
        uint64_t id;
        int r;

        r = read_file(st, TW_NOTIFY_ACKS_FILE, now, &text, &len);
        if (r >= 0 && text) {
                r = tw_notify_store_parse_acks(text, len, &st->acks);
                if (r == -EBADMSG)
                        set_aside(st, TW_NOTIFY_ACKS_FILE, r, now);
        }
        free(text);
        text = NULL;
        if (r == -ENOMEM)
                return r;
        r = read_file(st, TW_NOTIFY_STATE_FILE, now, &text, &len);
        if (r >= 0 && text) {
                r = tw_notify_store_parse_state(text, len, &st->state, &st->next_id, &st->queues);
                if (r >= 0)
                        r = load_digests(st, text, len);
                if (r == -EBADMSG)
                        set_aside(st, TW_NOTIFY_STATE_FILE, r, now);
        }
        free(text);
        cJSON_ArrayForEach (it, st->acks)
                if (get_id(it, &id) == 0 && id > st->next_id)
                        st->next_id = id;
        return r == -ENOMEM ? r : 0;
}

int tw_notify_store_open(const char *dir, int64_t now, struct tw_notify_store **ret)
{
        struct tw_notify_store *st = calloc(1, sizeof(*st));
        int r = -ENOMEM;

        if (!st)
                return -ENOMEM;
        pthread_mutex_init(&st->lock, NULL);
        if (dir && !(st->dir = strdup(dir)))
                goto fail;
        if (st->dir) {
                r = load(st, now);
                if (r < 0)
                        goto fail;
        }
        if (!st->acks)
                st->acks = cJSON_CreateObject();
        if (!st->queues)
                st->queues = cJSON_CreateObject();
        if (!st->digests)
                st->digests = cJSON_CreateObject();
        if (!st->acks || !st->queues || !st->digests) {
                r = -ENOMEM;
                goto fail;
        }
        *ret = st;
        return 0;
fail:
        tw_notify_store_free(st);
        return r;
}

void tw_notify_store_free(struct tw_notify_store *st)
{
        if (!st)
                return;
        pthread_mutex_destroy(&st->lock);
        cJSON_Delete(st->acks);
        cJSON_Delete(st->queues);
        cJSON_Delete(st->digests);
        tw_notify_state_free(st->state);
        free(st->dir);
        free(st);
}

struct tw_notify_state *tw_notify_store_take_state(struct tw_notify_store *st)
{
        struct tw_notify_state *s = st->state;

        st->state = NULL;
        return s;
}

uint64_t tw_notify_store_next_id(const struct tw_notify_store *st)
{
        return st->next_id;
}

uint64_t tw_notify_store_acked(struct tw_notify_store *st, const char *sink)
{
        uint64_t id = 0;

        pthread_mutex_lock(&st->lock);
        if (get_id(cJSON_GetObjectItemCaseSensitive(st->acks, sink), &id) < 0)
                id = 0;
        pthread_mutex_unlock(&st->lock);
        return id;
}

int tw_notify_store_queue(struct tw_notify_store *st, const char *sink,
                          void (*push)(void *ud, struct tw_sink_item *it), void *ud)
{
        uint64_t acked = tw_notify_store_acked(st, sink);
        const cJSON *it;
        struct tw_sink_item *item;
        int r;

        cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(st->queues, sink)) {
                r = tw_sink_item_from_json(it, &item);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || item->id <= acked) {
                        tw_sink_item_free(item);
                        continue;
                }
                push(ud, item);
        }
        return 0;
}

cJSON *tw_notify_store_loaded_queue(struct tw_notify_store *st, const char *sink)
{
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(st->queues, sink);

        return q ? cJSON_Duplicate(q, 1) : cJSON_CreateArray();
}

int tw_notify_store_append(struct tw_notify_store *st, const char *sink,
                           const struct tw_sink_item *it)
{
        cJSON *q = cJSON_GetObjectItemCaseSensitive(st->queues, sink);
        cJSON *j = tw_sink_item_to_json(it);

        if (!q)
                q = cJSON_AddArrayToObject(st->queues, sink);
        if (!q || !j || !cJSON_AddItemToArray(q, j)) {
                cJSON_Delete(j);
                return -ENOMEM;
        }
        return 0;
}

int tw_notify_store_save(struct tw_notify_store *st, uint64_t next_id,
                         const struct tw_notify_state *state, cJSON *queues)
{
        cJSON *root = cJSON_CreateObject(), *s = NULL;
        char *text = NULL;
        int r = -ENOMEM;

        if (!st->dir) {
                cJSON_Delete(queues);
                cJSON_Delete(root);
                return 0;
        }
        if (!root || !queues || !cJSON_AddNumberToObject(root, "version", 1) ||
            !cJSON_AddNumberToObject(root, "next_id", (double)next_id))
                goto finish;
        s = tw_notify_state_to_json(state);
        if (!s || !cJSON_AddItemToObject(root, "state", s))
                goto finish;
        s = NULL;
        if (!cJSON_AddItemToObject(root, "queues", queues))
                goto finish;
        queues = NULL;
        s = cJSON_Duplicate(st->digests, 1);
        if (!s || !cJSON_AddItemToObject(root, "digests", s))
                goto finish;
        s = NULL;
        text = cJSON_PrintUnformatted(root);
        if (text)
                r = tw_statefile_write(st->dir, TW_NOTIFY_STATE_FILE, text, strlen(text));
finish:
        free(text);
        cJSON_Delete(s);
        cJSON_Delete(queues);
        cJSON_Delete(root);
        return r;
}

int tw_notify_store_ack(struct tw_notify_store *st, const char *sink, uint64_t id)
{
        cJSON *v;
        char *text = NULL;
        uint64_t old = 0;
        int r = 0;

        pthread_mutex_lock(&st->lock);
        v = cJSON_GetObjectItemCaseSensitive(st->acks, sink);
        if (get_id(v, &old) == 0 && old >= id)
                goto finish;
        r = -ENOMEM;
        if (v)
                cJSON_SetNumberValue(v, (double)id);
        else if (!cJSON_AddNumberToObject(st->acks, sink, (double)id))
                goto finish;
        r = 0;
        if (!st->dir)
                goto finish;
        text = cJSON_PrintUnformatted(st->acks);
        r = text ? tw_statefile_write(st->dir, TW_NOTIFY_ACKS_FILE, text, strlen(text)) : -ENOMEM;
finish:
        pthread_mutex_unlock(&st->lock);
        free(text);
        return r;
}
