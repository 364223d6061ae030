/* The audit-log collector's state file ("audit-usage[.NAME].json"):
 *   {"v":2,"organization":{"id":"...","apiUrl":"..."},
 *    "cursor":{"floor":<ms>|null,"from":<ms>|null,"to":<ms>|null,
 *              "seen":[[<ms>,"<16 hex>"],...]},"usage":{...}}
 * "from" and "to" (what the index covers) may be absent: files written
 * before them read as unknown.  A version 1 file (a cursor without the
 * overlap window) is not this format. */
#include "collectors/auditlog/state_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/auditlog/auditlog.h"
#include "collectors/auditlog/cursor_internal.h"
#include "core/usage/usage.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"

#define STATE_MAX ((size_t)256 << 20)

/* Adds key: ms, or null for TW_NO_TIME. */
static bool add_ms(cJSON *o, const char *key, int64_t ms)
{
        return ms == TW_NO_TIME ? cJSON_AddNullToObject(o, key) != NULL
                                : cJSON_AddNumberToObject(o, key, (double)ms) != NULL;
}

static cJSON *cursor_to(const struct tw_auditlog_cursor *c)
{
        cJSON *o = cJSON_CreateObject(), *seen;
        char hex[20];

        if (!o)
                return NULL;
        if (!add_ms(o, "floor", c->floor_ms) || !add_ms(o, "from", c->from_ms) ||
            !add_ms(o, "to", c->to_ms) || !(seen = cJSON_AddArrayToObject(o, "seen")))
                goto fail;
        for (size_t i = 0; i < c->n_seen; i++) {
                cJSON *pair = cJSON_CreateArray();

                snprintf(hex, sizeof(hex), "%016" PRIx64, c->seen[i].id);
                if (!pair || !cJSON_AddItemToArray(seen, pair) ||
                    !cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)c->seen[i].t_ms)) ||
                    !cJSON_AddItemToArray(pair, cJSON_CreateString(hex)))
                        goto fail;
        }
        return o;
fail:
        cJSON_Delete(o);
        return NULL;
}

void tw_auditlog_state_file(const char *name, char *buf, size_t size)
{
        if (name)
                snprintf(buf, size, "audit-usage.%s.json", name);
        else
                snprintf(buf, size, "%s", TW_AUDITLOG_STATE_FILE);
}

int tw_auditlog_state_save(const char *dir, const struct tw_auditlog_owner *owner,
                           const struct tw_auditlog_cursor *cursor, const struct tw_usage *usage)
{
        cJSON *root = cJSON_CreateObject(), *u = NULL, *org;
        char *text = NULL;
        int r = -ENOMEM;

        if (!root || !cJSON_AddNumberToObject(root, "v", 2) ||
            !(org = cJSON_AddObjectToObject(root, "organization")) ||
            !cJSON_AddStringToObject(org, "id", owner->organization_id) ||
            !cJSON_AddStringToObject(org, "apiUrl", owner->api_url) ||
            !cJSON_AddItemToObject(root, "cursor", cursor_to(cursor)))
                goto out;
        r = tw_usage_to_cjson(usage, &u);
        if (r < 0)
                goto out;
        r = -ENOMEM;
        if (!cJSON_AddItemToObject(root, "usage", u)) {
                cJSON_Delete(u);
                goto out;
        }
        text = cJSON_PrintUnformatted(root);
        if (text)
                r = tw_statefile_write(dir, owner->file, text, strlen(text));
out:
        free(text);
        cJSON_Delete(root);
        return r;
}

/* A time in ms: an integral number within 2^53; false if not. */
static bool get_ms(const cJSON *it, int64_t *ret)
{
        double v;

        if (tw_json_number(it, -TW_JSON_EXACT_MAX, TW_JSON_EXACT_MAX, &v) < 0 || v != floor(v))
                return false;
        *ret = (int64_t)v;
        return true;
}

/* An optional time in ms (absent or null: TW_NO_TIME); false if malformed. */
static bool get_optional_ms(const cJSON *o, const char *key, int64_t *ret)
{
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

        *ret = TW_NO_TIME;
        return !it || cJSON_IsNull(it) || get_ms(it, ret);
}

/* Reads the cursor object; -EBADMSG if it is not one. */
static int cursor_from(const cJSON *o, struct tw_auditlog_cursor *c)
{
        const cJSON *fl = cJSON_GetObjectItemCaseSensitive(o, "floor");
        const cJSON *seen = cJSON_GetObjectItemCaseSensitive(o, "seen"), *it;

        if (!cJSON_IsObject(o) || !cJSON_IsArray(seen) ||
            cJSON_GetArraySize(seen) > TW_AUDITLOG_CURSOR_MAX_SEEN)
                return -EBADMSG;
        if (!cJSON_IsNull(fl) && !get_ms(fl, &c->floor_ms))
                return -EBADMSG;
        if (!get_optional_ms(o, "from", &c->from_ms) || !get_optional_ms(o, "to", &c->to_ms))
                return -EBADMSG;
        cJSON_ArrayForEach (it, seen) {
                const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(it, 1));
                int64_t t;
                char *end;
                uint64_t id;

                if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 ||
                    !get_ms(cJSON_GetArrayItem(it, 0), &t) || !s || strlen(s) != 16)
                        return -EBADMSG;
                id = strtoull(s, &end, 16);
                if (*end)
                        return -EBADMSG;
                if (tw_auditlog_cursor_take(c, t, id) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Whether the file (root) names the owner's organization and API URL (a
 * NULL in owner is not checked); if not, what it names goes to named. */
static bool same_owner(const cJSON *root, const struct tw_auditlog_owner *owner, char *named,
                       size_t size)
{
        const cJSON *org = cJSON_GetObjectItemCaseSensitive(root, "organization");
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(org, "id"));
        const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(org, "apiUrl"));

        if (id && url && (!owner->organization_id || strcmp(id, owner->organization_id) == 0) &&
            (!owner->api_url || strcmp(url, owner->api_url) == 0))
                return true;
        if (named)
                snprintf(named, size, "%.100s at %.140s", id ? id : "no organization",
                         url ? url : "no API URL");
        return false;
}

/* Parses the state text; -EBADMSG if it is not the format, -ESRCH if it
 * is another owner's. */
static int parse_state(const char *text, size_t len, const struct tw_auditlog_owner *owner,
                       const struct tw_usage_limits *lim, struct tw_auditlog_cursor *cursor,
                       struct tw_usage **ret_usage, char *named, size_t named_size)
{
        cJSON *root = cJSON_ParseWithLength(text, len);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "v");
        int r = -EBADMSG;

        if (cJSON_IsObject(root) && cJSON_IsNumber(v) && cJSON_GetNumberValue(v) == 2) {
                r = same_owner(root, owner, named, named_size) ? 0 : -ESRCH;
                if (r == 0)
                        r = cursor_from(cJSON_GetObjectItemCaseSensitive(root, "cursor"), cursor);
                if (r == 0)
                        r = tw_usage_from_cjson(cJSON_GetObjectItemCaseSensitive(root, "usage"),
                                                lim, ret_usage);
        }
        cJSON_Delete(root);
        return r;
}

int tw_auditlog_state_load(const char *dir, const struct tw_auditlog_owner *owner,
                           const struct tw_usage_limits *lim, int64_t now,
                           struct tw_auditlog_cursor *cursor, struct tw_usage **ret_usage,
                           struct tw_auditlog_moved *ret_moved)
{
        char *text = NULL;
        size_t len = 0;
        int r;

        memset(ret_moved, 0, sizeof(*ret_moved));
        tw_auditlog_cursor_init(cursor);
        r = dir ? tw_statefile_read(dir, owner->file, STATE_MAX, &text, &len) : -ENOENT;
        if (r == 0) {
                r = parse_state(text, len, owner, lim, cursor, ret_usage, ret_moved->named,
                                sizeof(ret_moved->named));
                free(text);
                ret_moved->other = r == -ESRCH;
        }
        if (r == -EBADMSG || r == -E2BIG || r == -ESRCH) {
                tw_auditlog_cursor_done(cursor);
                r = tw_statefile_quarantine(dir, owner->file, now, &ret_moved->path);
                if (r == 0)
                        r = -ENOENT;
        }
        if (r == -ENOENT)
                return tw_usage_new(lim, ret_usage);
        return r;
}

int tw_auditlog_state_view(const char *state_dir, const char *file, const char *organization_id,
                           const char *api_url, struct tw_auditlog_view *ret)
{
        const struct tw_auditlog_owner owner = {file, organization_id, api_url};
        struct tw_auditlog_cursor cursor;
        struct tw_usage *u = NULL;
        char *text = NULL;
        size_t len = 0;
        int r;

        r = tw_statefile_read(state_dir, file, STATE_MAX, &text, &len);
        if (r < 0)
                return r;
        tw_auditlog_cursor_init(&cursor);
        r = parse_state(text, len, &owner, NULL, &cursor, &u, NULL, 0);
        if (r == 0)
                *ret = (struct tw_auditlog_view){u, cursor.from_ms, cursor.to_ms};
        tw_auditlog_cursor_done(&cursor);
        free(text);
        return r;
}

int tw_usage_view_read(const char *state_dir, const char *file, const char *organization_id,
                       const char *api_url, struct tw_usage **ret)
{
        struct tw_auditlog_view v;
        int r = tw_auditlog_state_view(state_dir, file, organization_id, api_url, &v);

        *ret = r == 0 ? v.usage : NULL;
        return r;
}
