#include "lib/json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/timeutil.h"
#include "lib/wipe.h"

bool tw_json_add_str(cJSON *o, const char *key, const char *s)
{
        return (s ? cJSON_AddStringToObject(o, key, s) : cJSON_AddNullToObject(o, key)) != NULL;
}

bool tw_json_add_time(cJSON *o, const char *key, int64_t t)
{
        char ts[TW_RFC3339_LEN];

        if (t == TW_NO_TIME)
                return cJSON_AddNullToObject(o, key) != NULL;
        return cJSON_AddStringToObject(o, key, tw_time_format(t, ts)) != NULL;
}

int tw_json_get_str(const cJSON *o, const char *key, char **ret)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        *ret = NULL;
        if (!v || cJSON_IsNull(v))
                return 0;
        if (!cJSON_IsString(v))
                return -EBADMSG;
        *ret = strdup(v->valuestring);
        return *ret ? 0 : -ENOMEM;
}

int tw_json_get_time(const cJSON *o, const char *key, int64_t *ret_time)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        *ret_time = TW_NO_TIME;
        if (!v || cJSON_IsNull(v))
                return 0;
        if (!cJSON_IsString(v) || tw_time_parse(v->valuestring, ret_time) < 0) {
                *ret_time = TW_NO_TIME;
                return -EBADMSG;
        }
        return 0;
}

int tw_json_number(const cJSON *v, double min, double max, double *ret)
{
        double d;

        if (!cJSON_IsNumber(v))
                return -EBADMSG;
        d = cJSON_GetNumberValue(v);
        if (!isfinite(d) || d < min || d > max)
                return -EBADMSG;
        *ret = d;
        return 0;
}

int tw_json_get_int64(const cJSON *o, const char *key, int64_t *ret)
{
        double d;
        int r = tw_json_number(cJSON_GetObjectItemCaseSensitive(o, key), -TW_JSON_INT64_MAX,
                               TW_JSON_INT64_MAX, &d);

        if (r == 0)
                *ret = (int64_t)d;
        return r;
}

static void wipe_strings(cJSON *j)
{
        for (; j; j = j->next) {
                if (cJSON_IsString(j) && j->valuestring)
                        tw_wipe(j->valuestring, strlen(j->valuestring));
                wipe_strings(j->child);
        }
}

void tw_json_delete_wiped(cJSON *j)
{
        if (!j)
                return;
        wipe_strings(j->child);
        cJSON_Delete(j);
}
