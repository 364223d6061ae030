/* A sink's queue items, and their JSON form for the state file. */
#include "exporters/notify/sink_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

struct tw_sink_item *tw_sink_item_new(uint64_t id, const char *event, const char *key,
                                      const char *body, bool coalesce, int64_t created_at)
{
        struct tw_sink_item *it = calloc(1, sizeof(*it));

        if (!it)
                return NULL;
        it->id = id;
        it->event = strdup(event ? event : "");
        it->key = strdup(key ? key : "");
        it->body = strdup(body ? body : "");
        it->coalesce = coalesce;
        it->created_at = created_at;
        if (!it->event || !it->key || !it->body) {
                tw_sink_item_free(it);
                return NULL;
        }
        return it;
}

void tw_sink_item_free(struct tw_sink_item *it)
{
        if (!it)
                return;
        free(it->event);
        free(it->key);
        free(it->body);
        free(it);
}

cJSON *tw_sink_item_to_json(const struct tw_sink_item *it)
{
        cJSON *o = cJSON_CreateObject();

        if (o && cJSON_AddNumberToObject(o, "id", (double)it->id) &&
            cJSON_AddStringToObject(o, "event", it->event) &&
            cJSON_AddStringToObject(o, "key", it->key) &&
            cJSON_AddStringToObject(o, "body", it->body) &&
            cJSON_AddBoolToObject(o, "coalesce", it->coalesce) &&
            cJSON_AddNumberToObject(o, "created_at", (double)it->created_at))
                return o;
        cJSON_Delete(o);
        return NULL;
}

static const char *str(const cJSON *o, const char *k)
{
        return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

int tw_sink_item_from_json(const cJSON *j, struct tw_sink_item **ret_item)
{
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        const cJSON *co = cJSON_GetObjectItemCaseSensitive(j, "coalesce");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(j, "created_at");
        struct tw_sink_item *it;
        double d, t;

        /* ids are exact in a double up to 2^53; times must fit int64_t */
        if (!cJSON_IsObject(j) || !cJSON_IsBool(co) || !str(j, "event") || !str(j, "key") ||
            !str(j, "body") || tw_json_number(id, 1, TW_JSON_EXACT_MAX, &d) < 0 ||
            tw_json_number(at, -TW_JSON_INT64_MAX, TW_JSON_INT64_MAX, &t) < 0)
                return -EBADMSG;
        if (strpbrk(str(j, "key"), "\r\n"))
                return -EBADMSG;
        it = tw_sink_item_new((uint64_t)d, str(j, "event"), str(j, "key"), str(j, "body"),
                              cJSON_IsTrue(co), (int64_t)t);
        if (!it)
                return -ENOMEM;
        *ret_item = it;
        return 0;
}
