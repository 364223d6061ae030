/* The audit-log collector's cursor and state file ("audit-usage.json"):
 *   {"v":1,"cursor":{"last":<ms>|null,"ids":["<16 hex>",...]},"usage":{...}} */
#include "collectors/auditlog/state.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/auditlog/auditlog.h"
#include "core/usage/usage.h"
#include "lib/buf.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"

#define STATE_MAX ((size_t)256 << 20)
#define MAX_MS 9007199254740992.0

void tw_auditlog_cursor_init(struct tw_auditlog_cursor *c)
{
        memset(c, 0, sizeof(*c));
        c->last_ms = TW_NO_TIME;
}

void tw_auditlog_cursor_done(struct tw_auditlog_cursor *c)
{
        if (!c)
                return;
        free(c->ids);
        tw_auditlog_cursor_init(c);
}

bool tw_auditlog_cursor_covers(const struct tw_auditlog_cursor *c, int64_t t, uint64_t id)
{
        if (c->last_ms == TW_NO_TIME || t > c->last_ms)
                return false;
        if (t < c->last_ms)
                return true;
        for (size_t i = 0; i < c->n_ids; i++)
                if (c->ids[i] == id)
                        return true;
        return false;
}

static int add_id(struct tw_auditlog_cursor *c, uint64_t id)
{
        if (c->n_ids >= TW_AUDITLOG_CURSOR_MAX_IDS)
                return 0; /* documented: beyond this, boundary entries may count twice */
        if (tw_array_reserve((void **)&c->ids, c->n_ids, &c->cap_ids, sizeof(*c->ids)) < 0)
                return -ENOMEM;
        c->ids[c->n_ids++] = id;
        return 0;
}

int tw_auditlog_cursor_advance(struct tw_auditlog_cursor *c, int64_t t, uint64_t id)
{
        if (c->last_ms != TW_NO_TIME && t < c->last_ms)
                return 0;
        if (c->last_ms == TW_NO_TIME || t > c->last_ms) {
                c->last_ms = t;
                c->n_ids = 0;
        }
        return add_id(c, id);
}

int tw_auditlog_cursor_merge(struct tw_auditlog_cursor *into, const struct tw_auditlog_cursor *from)
{
        if (from->last_ms == TW_NO_TIME)
                return 0;
        if (into->last_ms == TW_NO_TIME || from->last_ms > into->last_ms) {
                into->last_ms = from->last_ms;
                into->n_ids = 0;
        } else if (from->last_ms < into->last_ms) {
                return 0;
        }
        for (size_t i = 0; i < from->n_ids; i++)
                if (!tw_auditlog_cursor_covers(into, from->last_ms, from->ids[i]) &&
                    add_id(into, from->ids[i]) < 0)
                        return -ENOMEM;
        return 0;
}

static cJSON *cursor_to(const struct tw_auditlog_cursor *c)
{
        cJSON *o = cJSON_CreateObject(), *ids;
        char hex[20];

        if (!o)
                return NULL;
        if (!(c->last_ms == TW_NO_TIME ? cJSON_AddNullToObject(o, "last")
                                       : cJSON_AddNumberToObject(o, "last", (double)c->last_ms)) ||
            !(ids = cJSON_AddArrayToObject(o, "ids")))
                goto fail;
        for (size_t i = 0; i < c->n_ids; i++) {
                snprintf(hex, sizeof(hex), "%016" PRIx64, c->ids[i]);
                if (!cJSON_AddItemToArray(ids, cJSON_CreateString(hex)))
                        goto fail;
        }
        return o;
fail:
        cJSON_Delete(o);
        return NULL;
}

int tw_auditlog_state_save(const char *dir, const struct tw_auditlog_cursor *cursor,
                           const struct tw_usage *usage)
{
        cJSON *root = cJSON_CreateObject(), *u = NULL;
        char *text = NULL;
        int r = -ENOMEM;

        if (!root || !cJSON_AddNumberToObject(root, "v", 1) ||
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
                r = tw_statefile_write(dir, TW_AUDITLOG_STATE_FILE, text, strlen(text));
out:
        free(text);
        cJSON_Delete(root);
        return r;
}

/* Reads the cursor object; -EBADMSG if it is not one. */
static int cursor_from(const cJSON *o, struct tw_auditlog_cursor *c)
{
        const cJSON *last = cJSON_GetObjectItemCaseSensitive(o, "last");
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(o, "ids"), *it;
        double v;

        if (!cJSON_IsObject(o) || !cJSON_IsArray(ids) ||
            cJSON_GetArraySize(ids) > TW_AUDITLOG_CURSOR_MAX_IDS)
                return -EBADMSG;
        if (!cJSON_IsNull(last)) {
                v = cJSON_GetNumberValue(last);
                if (!cJSON_IsNumber(last) || !isfinite(v) || fabs(v) > MAX_MS || v != floor(v))
                        return -EBADMSG;
                c->last_ms = (int64_t)v;
        }
        cJSON_ArrayForEach (it, ids) {
                const char *s = cJSON_GetStringValue(it);
                char *end;
                uint64_t id;

                if (!s || strlen(s) != 16)
                        return -EBADMSG;
                id = strtoull(s, &end, 16);
                if (*end || add_id(c, id) < 0)
                        return *end ? -EBADMSG : -ENOMEM;
        }
        return 0;
}

/* Parses the state text; -EBADMSG if it is not the format. */
static int parse_state(const char *text, size_t len, const struct tw_usage_limits *lim,
                       struct tw_auditlog_cursor *cursor, struct tw_usage **ret_usage)
{
        cJSON *root = cJSON_ParseWithLength(text, len);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "v");
        int r = -EBADMSG;

        if (cJSON_IsObject(root) && cJSON_IsNumber(v) && cJSON_GetNumberValue(v) == 1) {
                r = cursor_from(cJSON_GetObjectItemCaseSensitive(root, "cursor"), cursor);
                if (r == 0)
                        r = tw_usage_from_cjson(cJSON_GetObjectItemCaseSensitive(root, "usage"),
                                                lim, ret_usage);
        }
        cJSON_Delete(root);
        return r;
}

int tw_auditlog_state_load(const char *dir, const struct tw_usage_limits *lim, int64_t now,
                           struct tw_auditlog_cursor *cursor, struct tw_usage **ret_usage,
                           char **ret_quarantined)
{
        char *text = NULL;
        size_t len = 0;
        int r;

        *ret_quarantined = NULL;
        tw_auditlog_cursor_init(cursor);
        r = dir ? tw_statefile_read(dir, TW_AUDITLOG_STATE_FILE, STATE_MAX, &text, &len) : -ENOENT;
        if (r == 0) {
                r = parse_state(text, len, lim, cursor, ret_usage);
                free(text);
                if (r == -EBADMSG || r == -E2BIG) {
                        tw_auditlog_cursor_done(cursor);
                        r = tw_statefile_quarantine(dir, TW_AUDITLOG_STATE_FILE, now,
                                                    ret_quarantined);
                        if (r == 0)
                                r = -ENOENT;
                }
        } else if (r == -E2BIG) {
                r = tw_statefile_quarantine(dir, TW_AUDITLOG_STATE_FILE, now, ret_quarantined);
                if (r == 0)
                        r = -ENOENT;
        }
        if (r == -ENOENT)
                return tw_usage_new(lim, ret_usage);
        return r;
}

int tw_usage_view_read(const char *state_dir, struct tw_usage **ret)
{
        struct tw_auditlog_cursor cursor;
        char *text = NULL;
        size_t len = 0;
        int r;

        *ret = NULL;
        r = tw_statefile_read(state_dir, TW_AUDITLOG_STATE_FILE, STATE_MAX, &text, &len);
        if (r < 0)
                return r;
        tw_auditlog_cursor_init(&cursor);
        r = parse_state(text, len, NULL, &cursor, ret);
        tw_auditlog_cursor_done(&cursor);
        free(text);
        return r;
}
