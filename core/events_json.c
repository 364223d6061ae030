/* Listings and events to and from JSON (see core/events.h).  Times are
 * RFC 3339 strings (null when absent), so the audit file reads as it is. */
#include "core/events.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "lib/timeutil.h"

#define LISTING_MAX_TOKENS 10000000

/* Prints o into out (appended) and deletes o. */
static int print_into(cJSON *o, struct tw_buf *out)
{
        char *s;
        int r;

        if (!o)
                return -ENOMEM;
        s = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!s)
                return -ENOMEM;
        r = tw_buf_adds(out, s);
        free(s);
        return r;
}

static cJSON *token_to_json(const struct tw_listed_token *t)
{
        cJSON *o = cJSON_CreateObject();

        if (!o || !tw_json_add_str(o, "id", t->id) || !tw_json_add_str(o, "name", t->name) ||
            !tw_json_add_str(o, "description", t->description) ||
            !tw_json_add_str(o, "short_token", t->short_token) ||
            !tw_json_add_str(o, "scope", t->scope) ||
            (t->organization_id && !tw_json_add_str(o, "organization_id", t->organization_id)) ||
            !tw_json_add_str(o, "roles", t->roles) ||
            !tw_json_add_time(o, "start_at", t->start_at) ||
            !tw_json_add_time(o, "end_at", t->end_at) ||
            !tw_json_add_time(o, "last_used_at", t->last_used_at) ||
            !tw_json_add_time(o, "last_rotated_at", t->last_rotated_at) ||
            !cJSON_AddBoolToObject(o, "creator_departed", t->creator_departed) ||
            !cJSON_AddBoolToObject(o, "no_expiry", t->no_expiry) ||
            !cJSON_AddBoolToObject(o, "over_privileged", t->over_privileged)) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

int tw_listing_to_json(const struct tw_listing *l, struct tw_buf *out)
{
        char ts[TW_RFC3339_LEN];
        int r;

        /* One token's cJSON object at a time, not a tree of the whole
         * organization (10,000 tokens would be ~130,000 nodes at once). */
        if (l->observed_at == TW_NO_TIME)
                return -EINVAL;
        r = tw_buf_printf(out, "{\"observed_at\":\"%s\",\"tokens\":[",
                          tw_time_format(l->observed_at, ts));
        for (size_t i = 0; r >= 0 && i < l->n_tokens; i++) {
                if (i)
                        r = tw_buf_addc(out, ',');
                if (r >= 0)
                        r = print_into(token_to_json(&l->tokens[i]), out);
        }
        return r < 0 ? r : tw_buf_adds(out, "]}");
}

static bool get_bool(const cJSON *o, const char *k)
{
        return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static int token_from_json(const cJSON *o, struct tw_listed_token *t)
{
        int r;

        if (!cJSON_IsObject(o))
                return -EBADMSG;
        if ((r = tw_json_get_str(o, "id", &t->id)) < 0 ||
            (r = tw_json_get_str(o, "name", &t->name)) < 0 ||
            (r = tw_json_get_str(o, "description", &t->description)) < 0 ||
            (r = tw_json_get_str(o, "short_token", &t->short_token)) < 0 ||
            (r = tw_json_get_str(o, "scope", &t->scope)) < 0 ||
            (r = tw_json_get_str(o, "roles", &t->roles)) < 0 ||
            (r = tw_json_get_str(o, "organization_id", &t->organization_id)) < 0 ||
            (r = tw_json_get_time(o, "start_at", &t->start_at)) < 0 ||
            (r = tw_json_get_time(o, "end_at", &t->end_at)) < 0 ||
            (r = tw_json_get_time(o, "last_used_at", &t->last_used_at)) < 0 ||
            (r = tw_json_get_time(o, "last_rotated_at", &t->last_rotated_at)) < 0)
                return r;
        if (!t->id || !*t->id)
                return -EBADMSG;
        t->creator_departed = get_bool(o, "creator_departed");
        t->no_expiry = get_bool(o, "no_expiry");
        t->over_privileged = get_bool(o, "over_privileged");
        return 0;
}

int tw_listing_from_json(const char *json, size_t len, struct tw_listing **ret_listing)
{
        cJSON *root = cJSON_ParseWithLength(json, len);
        const cJSON *arr, *it;
        struct tw_listing *l = NULL;
        int n, r = -EBADMSG;

        if (!root)
                return -EBADMSG;
        arr = cJSON_GetObjectItemCaseSensitive(root, "tokens");
        if (!cJSON_IsObject(root) || !cJSON_IsArray(arr))
                goto out;
        n = cJSON_GetArraySize(arr);
        if (n < 0 || n > LISTING_MAX_TOKENS) {
                r = -E2BIG;
                goto out;
        }
        l = calloc(1, sizeof(*l));
        if (!l || (n && !(l->tokens = calloc((size_t)n, sizeof(*l->tokens))))) {
                r = -ENOMEM;
                goto out;
        }
        r = tw_json_get_time(root, "observed_at", &l->observed_at);
        if (r < 0 || l->observed_at == TW_NO_TIME) {
                r = -EBADMSG;
                goto out;
        }
        cJSON_ArrayForEach (it, arr) {
                r = token_from_json(it, &l->tokens[l->n_tokens++]);
                if (r < 0)
                        goto out;
        }
        r = tw_listing_sort(l);
        if (r < 0)
                goto out;
        *ret_listing = l;
        l = NULL;
        r = 0;
out:
        tw_listing_free(l);
        cJSON_Delete(root);
        return r;
}

int tw_event_to_json(const struct tw_event *e, struct tw_buf *out)
{
        cJSON *o = cJSON_CreateObject();

        if (!o || !tw_json_add_time(o, "observed_at", e->observed_at) ||
            !tw_json_add_str(o, "event", tw_event_kind_to_string(e->kind)) ||
            !tw_json_add_str(o, "severity",
                             e->severity == TW_SEVERITY_NONE
                                     ? "info"
                                     : tw_severity_to_string(e->severity)) ||
            !tw_json_add_str(o, "token_id", e->token_id) ||
            !tw_json_add_str(o, "token_name", e->token_name) ||
            !tw_json_add_str(o, "scope", e->scope) ||
            (e->organization_id && !tw_json_add_str(o, "organization_id", e->organization_id)) ||
            (e->before && !tw_json_add_str(o, "before", e->before)) ||
            (e->after && !tw_json_add_str(o, "after", e->after)) ||
            (e->detail && !tw_json_add_str(o, "detail", e->detail))) {
                cJSON_Delete(o);
                return -ENOMEM;
        }
        return print_into(o, out);
}

int tw_event_from_json(const char *json, size_t len, struct tw_event *ret_event)
{
        cJSON *o = cJSON_ParseWithLength(json, len);
        const cJSON *k, *s;
        struct tw_event e = {0};
        int r = -EBADMSG;

        if (!cJSON_IsObject(o))
                goto out;
        k = cJSON_GetObjectItemCaseSensitive(o, "event");
        s = cJSON_GetObjectItemCaseSensitive(o, "severity");
        if (!cJSON_IsString(k) || tw_event_kind_from_string(k->valuestring, &e.kind) < 0)
                goto out;
        if (cJSON_IsString(s) && strcmp(s->valuestring, "info") != 0 &&
            tw_severity_from_string(s->valuestring, &e.severity) < 0)
                goto out;
        if ((r = tw_json_get_time(o, "observed_at", &e.observed_at)) < 0 ||
            (r = tw_json_get_str(o, "token_id", &e.token_id)) < 0 ||
            (r = tw_json_get_str(o, "token_name", &e.token_name)) < 0 ||
            (r = tw_json_get_str(o, "scope", &e.scope)) < 0 ||
            (r = tw_json_get_str(o, "organization_id", &e.organization_id)) < 0 ||
            (r = tw_json_get_str(o, "before", &e.before)) < 0 ||
            (r = tw_json_get_str(o, "after", &e.after)) < 0 ||
            (r = tw_json_get_str(o, "detail", &e.detail)) < 0)
                goto out;
        r = -EBADMSG;
        if (!e.token_id || e.observed_at == TW_NO_TIME)
                goto out;
        *ret_event = e;
        memset(&e, 0, sizeof(e));
        r = 0;
out:
        tw_event_done(&e);
        cJSON_Delete(o);
        return r;
}
