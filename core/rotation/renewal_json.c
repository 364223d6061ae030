/* A renewal's journal as JSON, and back from untrusted text. */
#include "core/rotation/renewal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/values.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/timeutil.h"
#include "lib/wipe.h"

#define MAX_COPIES 1024
#define MAX_KNOWN 100000
#define MAX_ROLES 1024
#define MAX_STR 65536

/* ---- writing ---------------------------------------------------------- */

static bool add_roles(cJSON *o, const struct tw_renewal_token *t)
{
        cJSON *a = cJSON_AddArrayToObject(o, "extra_roles");

        for (size_t i = 0; a && i < t->n_extra_roles; i++) {
                const struct tw_role *r = &t->extra_roles[i];
                cJSON *e = cJSON_CreateObject();

                if (!e || !cJSON_AddItemToArray(a, e) ||
                    !tw_json_add_str(e, "entity_type", r->entity_type) ||
                    !tw_json_add_str(e, "entity_id", r->entity_id) ||
                    !tw_json_add_str(e, "role", r->role) ||
                    !tw_json_add_str(e, "deployment_id", r->deployment_id))
                        return false;
        }
        return a != NULL;
}

static bool add_token(cJSON *root, const struct tw_renewal_token *t)
{
        cJSON *o = cJSON_AddObjectToObject(root, "token");

        return o && tw_json_add_str(o, "id", t->id) && tw_json_add_str(o, "name", t->name) &&
               tw_json_add_str(o, "description", t->description) &&
               tw_json_add_str(o, "scope", t->scope) &&
               tw_json_add_str(o, "entity_id", t->entity_id) &&
               tw_json_add_str(o, "role", t->role) && add_roles(o, t) &&
               cJSON_AddNumberToObject(o, "expiry_days", t->expiry_days) &&
               tw_json_add_time(o, "end_at", t->end_at) &&
               tw_json_add_time(o, "issued_at", t->issued_at);
}

static bool add_copies(cJSON *root, const struct tw_renewal *r)
{
        cJSON *a = cJSON_AddArrayToObject(root, "copies");

        for (size_t i = 0; a && i < r->n_copies; i++) {
                const struct tw_renewal_copy *c = &r->copies[i];
                cJSON *e = cJSON_CreateObject();

                if (!e || !cJSON_AddItemToArray(a, e) || !tw_json_add_str(e, "name", c->name) ||
                    !tw_json_add_str(e, "type", c->type) ||
                    !cJSON_AddBoolToObject(e, "existed", c->existed) ||
                    !tw_json_add_str(e, "version", c->version) ||
                    !tw_json_add_time(e, "updated_at", c->updated_at) ||
                    !tw_json_add_str(e, "state", tw_delivery_to_string(c->state)) ||
                    !tw_json_add_time(e, "write_started_at", c->write_started_at) ||
                    !tw_json_add_str(e, "delivered_version", c->delivered_version) ||
                    !cJSON_AddBoolToObject(e, "adopted", c->adopted))
                        return false;
        }
        return a != NULL;
}

static bool add_known(cJSON *root, const struct tw_renewal *r)
{
        cJSON *a = cJSON_AddArrayToObject(root, "known_ids");

        for (size_t i = 0; a && i < r->n_known_ids; i++) {
                cJSON *s = cJSON_CreateString(r->known_ids[i]);

                if (!s || !cJSON_AddItemToArray(a, s))
                        return false;
        }
        return a != NULL;
}

int tw_renewal_to_json(const struct tw_renewal *r, struct tw_buf *out)
{
        cJSON *o = cJSON_CreateObject();
        char *text = NULL;
        int rr = -ENOMEM;

        if (o && cJSON_AddNumberToObject(o, "format", TW_RENEWAL_FORMAT) &&
            tw_json_add_str(o, "organization", r->organization ? r->organization : "") &&
            tw_json_add_str(o, "organization_id", r->organization_id) && add_token(o, &r->old) &&
            tw_json_add_str(o, "strategy", tw_rotation_strategy_to_string(r->strategy)) &&
            cJSON_AddNumberToObject(o, "expiry_days", r->expiry_days) &&
            cJSON_AddNumberToObject(o, "retire_after", (double)r->retire_after) &&
            cJSON_AddBoolToObject(o, "manual", r->manual) &&
            tw_json_add_time(o, "started_at", r->started_at) &&
            tw_json_add_str(o, "step", tw_renewal_step_to_string(r->step)) && add_known(o, r) &&
            tw_json_add_str(o, "issuer_id", r->issuer_id) &&
            tw_json_add_time(o, "issue_started_at", r->issue_started_at) &&
            tw_json_add_str(o, "new_id", r->new_id) && tw_json_add_str(o, "value", r->value) &&
            tw_json_add_time(o, "new_end_at", r->new_end_at) &&
            cJSON_AddBoolToObject(o, "roles_done", r->roles_done) && add_copies(o, r) &&
            tw_json_add_time(o, "delivered_at", r->delivered_at) &&
            tw_json_add_time(o, "verified_at", r->verified_at) &&
            tw_json_add_time(o, "retired_at", r->retired_at) &&
            tw_json_add_time(o, "held_at", r->held_at) &&
            cJSON_AddNumberToObject(o, "failures", r->failures) &&
            tw_json_add_time(o, "next_attempt", r->next_attempt) &&
            tw_json_add_str(o, "last_error", r->last_error))
                text = cJSON_PrintUnformatted(o);
        if (text)
                rr = tw_buf_adds(out, text);
        if (text)
                tw_wipe(text, strlen(text));
        free(text);
        tw_json_delete_wiped(o);
        return rr;
}

/* ---- reading ---------------------------------------------------------- */

/* A string member (NULL for null or absent unless required), at most
 * MAX_STR bytes. */
static int get_str(const cJSON *o, const char *key, bool required, char **ret)
{
        int r = tw_json_get_str(o, key, ret);

        if (r < 0)
                return r;
        if ((required && !*ret) || (*ret && strlen(*ret) > MAX_STR)) {
                free(*ret);
                *ret = NULL;
                return -EBADMSG;
        }
        return 0;
}

static int get_id(const cJSON *o, const char *key, bool required, char **ret)
{
        int r = get_str(o, key, required, ret);

        if (r == 0 && *ret && !tw_is_valid_id(*ret)) {
                free(*ret);
                *ret = NULL;
                return -EBADMSG;
        }
        return r;
}

static bool get_bool(const cJSON *o, const char *key, bool *ret)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        if (!cJSON_IsBool(v))
                return false;
        *ret = cJSON_IsTrue(v);
        return true;
}

static int get_int(const cJSON *o, const char *key, double min, double max, double *ret)
{
        return tw_json_number(cJSON_GetObjectItemCaseSensitive(o, key), min, max, ret);
}

/* The index of s in names[0..n), or -EBADMSG. */
static int name_index(const char *s, const char *(*to_string)(int), int n)
{
        for (int i = 0; s && i < n; i++)
                if (strcmp(s, to_string(i)) == 0)
                        return i;
        return -EBADMSG;
}

static const char *step_name(int i)
{
        return tw_renewal_step_to_string((enum tw_renewal_step)i);
}

static const char *state_name(int i)
{
        return tw_delivery_to_string((enum tw_delivery)i);
}

static const char *strategy_name(int i)
{
        return tw_rotation_strategy_to_string((enum tw_rotation_strategy)i);
}

static int read_roles(const cJSON *a, struct tw_renewal_token *t)
{
        const cJSON *e;
        int n = cJSON_GetArraySize(a), r = 0;

        if (!cJSON_IsArray(a) || n > MAX_ROLES)
                return -EBADMSG;
        t->extra_roles = n ? calloc((size_t)n, sizeof(*t->extra_roles)) : NULL;
        if (n && !t->extra_roles)
                return -ENOMEM;
        cJSON_ArrayForEach (e, a) {
                struct tw_role *ro = &t->extra_roles[t->n_extra_roles++];

                if ((r = get_str(e, "entity_type", true, &ro->entity_type)) < 0 ||
                    (r = get_str(e, "entity_id", true, &ro->entity_id)) < 0 ||
                    (r = get_str(e, "role", true, &ro->role)) < 0 ||
                    (r = get_id(e, "deployment_id", false, &ro->deployment_id)) < 0)
                        return r;
        }
        return 0;
}

static int read_token(const cJSON *o, struct tw_renewal_token *t)
{
        double d;
        int r;

        if (!cJSON_IsObject(o))
                return -EBADMSG;
        if ((r = get_id(o, "id", true, &t->id)) < 0 ||
            (r = get_str(o, "name", true, &t->name)) < 0 ||
            (r = get_str(o, "description", false, &t->description)) < 0 ||
            (r = get_str(o, "scope", true, &t->scope)) < 0 ||
            (r = get_id(o, "entity_id", false, &t->entity_id)) < 0 ||
            (r = get_str(o, "role", true, &t->role)) < 0 ||
            (r = read_roles(cJSON_GetObjectItemCaseSensitive(o, "extra_roles"), t)) < 0 ||
            (r = tw_json_get_time(o, "end_at", &t->end_at)) < 0 ||
            (r = tw_json_get_time(o, "issued_at", &t->issued_at)) < 0 ||
            (r = get_int(o, "expiry_days", 0, 3650, &d)) < 0)
                return r;
        t->expiry_days = (int)d;
        return 0;
}

static int read_copy(const cJSON *e, struct tw_renewal_copy *c)
{
        char *state = NULL;
        int r, i;

        c->updated_at = c->write_started_at = TW_NO_TIME;
        if (!cJSON_IsObject(e))
                return -EBADMSG;
        if ((r = get_str(e, "name", true, &c->name)) < 0 ||
            (r = get_str(e, "type", true, &c->type)) < 0 ||
            (r = get_str(e, "version", true, &c->version)) < 0 ||
            (r = get_str(e, "delivered_version", false, &c->delivered_version)) < 0 ||
            (r = tw_json_get_time(e, "updated_at", &c->updated_at)) < 0 ||
            (r = tw_json_get_time(e, "write_started_at", &c->write_started_at)) < 0 ||
            (r = get_str(e, "state", true, &state)) < 0)
                return r;
        i = name_index(state, state_name, _TW_DELIVERY_MAX);
        free(state);
        if (i < 0 || !get_bool(e, "existed", &c->existed) || !get_bool(e, "adopted", &c->adopted))
                return -EBADMSG;
        c->state = (enum tw_delivery)i;
        return 0;
}

static int read_copies(const cJSON *a, struct tw_renewal *r)
{
        const cJSON *e;
        int n = cJSON_GetArraySize(a), rr;

        if (!cJSON_IsArray(a) || n > MAX_COPIES)
                return -EBADMSG;
        r->copies = n ? calloc((size_t)n, sizeof(*r->copies)) : NULL;
        if (n && !r->copies)
                return -ENOMEM;
        cJSON_ArrayForEach (e, a)
                if ((rr = read_copy(e, &r->copies[r->n_copies++])) < 0)
                        return rr;
        return 0;
}

static int read_known(const cJSON *a, struct tw_renewal *r)
{
        const cJSON *e;
        int n = cJSON_GetArraySize(a);

        if (!cJSON_IsArray(a) || n > MAX_KNOWN)
                return -EBADMSG;
        r->known_ids = n ? calloc((size_t)n, sizeof(*r->known_ids)) : NULL;
        if (n && !r->known_ids)
                return -ENOMEM;
        cJSON_ArrayForEach (e, a) {
                if (!cJSON_IsString(e) || !tw_is_valid_id(e->valuestring))
                        return -EBADMSG;
                if (!(r->known_ids[r->n_known_ids++] = strdup(e->valuestring)))
                        return -ENOMEM;
        }
        return 0;
}

/* The enums and numbers of the top level. */
static int read_scalars(const cJSON *o, struct tw_renewal *r)
{
        char *step = NULL, *strategy = NULL;
        double d, fmt, failures;
        int rr, si, ti;

        if ((rr = get_int(o, "format", TW_RENEWAL_FORMAT, TW_RENEWAL_FORMAT, &fmt)) < 0 ||
            (rr = get_int(o, "expiry_days", 0, 3650, &d)) < 0)
                return rr;
        r->expiry_days = (int)d;
        if ((rr = get_int(o, "retire_after", 0, 366.0 * 86400, &d)) < 0 ||
            (r->retire_after = (int64_t)d, rr = get_int(o, "failures", 0, 1000, &failures)) < 0)
                return rr;
        r->failures = (unsigned)failures;
        if (!get_bool(o, "manual", &r->manual) || !get_bool(o, "roles_done", &r->roles_done))
                return -EBADMSG;
        rr = get_str(o, "step", true, &step);
        if (rr == 0)
                rr = get_str(o, "strategy", true, &strategy);
        si = name_index(step, step_name, _TW_RENEWAL_STEP_MAX);
        ti = name_index(strategy, strategy_name, 2);
        free(step);
        free(strategy);
        if (rr < 0 || si < 0 || ti < 0)
                return rr < 0 ? rr : -EBADMSG;
        r->step = (enum tw_renewal_step)si;
        r->strategy = (enum tw_rotation_strategy)ti;
        return 0;
}

/* What each step must hold, so that a resumed renewal never acts on half a journal. */
static int check_step(const struct tw_renewal *r)
{
        bool issued = r->step >= TW_RENEWAL_ISSUED;

        if (r->step >= TW_RENEWAL_ISSUING && r->issue_started_at == TW_NO_TIME)
                return -EBADMSG;
        if (issued && !r->new_id)
                return -EBADMSG;
        if ((r->step == TW_RENEWAL_ISSUED || r->step == TW_RENEWAL_DELIVERED) !=
            (r->value && *r->value))
                return -EBADMSG;
        if (r->step >= TW_RENEWAL_DELIVERED && r->delivered_at == TW_NO_TIME)
                return -EBADMSG;
        for (size_t i = 0; r->step >= TW_RENEWAL_DELIVERED && i < r->n_copies; i++)
                if (r->copies[i].state != TW_DELIVERY_DONE)
                        return -EBADMSG;
        return 0;
}

static int read_all(const cJSON *o, struct tw_renewal *r)
{
        int rr;

        if (!cJSON_IsObject(o))
                return -EBADMSG;
        if ((rr = read_scalars(o, r)) < 0 ||
            (rr = get_str(o, "organization", true, &r->organization)) < 0 ||
            (rr = get_id(o, "organization_id", true, &r->organization_id)) < 0 ||
            (rr = read_token(cJSON_GetObjectItemCaseSensitive(o, "token"), &r->old)) < 0 ||
            (rr = read_known(cJSON_GetObjectItemCaseSensitive(o, "known_ids"), r)) < 0 ||
            (rr = get_id(o, "issuer_id", false, &r->issuer_id)) < 0 ||
            (rr = get_id(o, "new_id", false, &r->new_id)) < 0 ||
            (rr = get_str(o, "value", false, &r->value)) < 0 ||
            (rr = get_str(o, "last_error", false, &r->last_error)) < 0 ||
            (rr = read_copies(cJSON_GetObjectItemCaseSensitive(o, "copies"), r)) < 0)
                return rr;
        if ((rr = tw_json_get_time(o, "started_at", &r->started_at)) < 0 ||
            (rr = tw_json_get_time(o, "issue_started_at", &r->issue_started_at)) < 0 ||
            (rr = tw_json_get_time(o, "new_end_at", &r->new_end_at)) < 0 ||
            (rr = tw_json_get_time(o, "delivered_at", &r->delivered_at)) < 0 ||
            (rr = tw_json_get_time(o, "verified_at", &r->verified_at)) < 0 ||
            (rr = tw_json_get_time(o, "retired_at", &r->retired_at)) < 0 ||
            (rr = tw_json_get_time(o, "held_at", &r->held_at)) < 0 ||
            (rr = tw_json_get_time(o, "next_attempt", &r->next_attempt)) < 0)
                return rr;
        return check_step(r);
}

int tw_renewal_from_json(const char *json, size_t len, struct tw_renewal *ret)
{
        cJSON *o = len <= TW_RENEWAL_JSON_MAX ? cJSON_ParseWithLength(json, len) : NULL;
        struct tw_renewal r;
        int rr;

        tw_renewal_init(&r);
        if (!o)
                return -EBADMSG;
        rr = read_all(o, &r);
        tw_json_delete_wiped(o);
        if (rr < 0) {
                tw_renewal_done(&r);
                return rr == -ENOMEM ? rr : -EBADMSG;
        }
        *ret = r;
        return 0;
}
