/* A token as JSON (core/token_json.h). */
#include "core/token_json.h"

#include <cjson/cJSON.h>

#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "lib/timeutil.h"

/* Adds s, or null for NULL.  NULL on -ENOMEM. */
static cJSON *add_str(cJSON *obj, const char *key, const char *s)
{
        return s ? cJSON_AddStringToObject(obj, key, s) : cJSON_AddNullToObject(obj, key);
}

/* Adds t as RFC 3339 UTC, or null for TW_NO_TIME. */
static cJSON *add_time(cJSON *obj, const char *key, int64_t t)
{
        char ts[TW_RFC3339_LEN];

        if (t == TW_NO_TIME)
                return cJSON_AddNullToObject(obj, key);
        return cJSON_AddStringToObject(obj, key, tw_time_format(t, ts));
}

static bool add_roles(const struct tw_inventory *inv, const struct tw_token *t, cJSON *tok)
{
        cJSON *arr = cJSON_AddArrayToObject(tok, "roles"), *o;

        for (size_t i = 0; arr && i < t->n_roles; i++) {
                const struct tw_role *role = &t->roles[i];

                o = cJSON_CreateObject();
                if (!o || !cJSON_AddItemToArray(arr, o)) {
                        cJSON_Delete(o);
                        return false;
                }
                if (!add_str(o, "entity_type", role->entity_type) ||
                    !add_str(o, "entity_id", role->entity_id) ||
                    !add_str(o, "entity_name", inv ? tw_inventory_entity_name(inv, role) : NULL) ||
                    !add_str(o, "role", role->role) ||
                    !cJSON_AddBoolToObject(o, "custom_role", tw_role_is_custom(role)))
                        return false;
        }
        return arr != NULL;
}

static bool add_creator(const struct tw_subject *s, cJSON *tok)
{
        cJSON *o;

        if (!s)
                return cJSON_AddNullToObject(tok, "created_by") != NULL;
        o = cJSON_AddObjectToObject(tok, "created_by");
        return o && add_str(o, "id", s->id) && add_str(o, "subject_type", s->subject_type) &&
               add_str(o, "name", tw_subject_name(s));
}

cJSON *tw_token_json(const struct tw_inventory *inv, const struct tw_token *t)
{
        cJSON *o = cJSON_CreateObject();

        if (!o)
                return NULL;
        if (!add_str(o, "id", t->id) ||
            !add_str(o, "organization_id", tw_token_organization_id(inv, t)) ||
            !add_str(o, "organization", tw_token_organization_name(inv, t)) ||
            !add_str(o, "name", t->name) || !add_str(o, "description", t->description) ||
            !add_str(o, "scope", t->scope) || !add_str(o, "kind", t->kind) ||
            !add_str(o, "short_token", t->short_token) || !add_time(o, "start_at", t->start_at) ||
            !add_time(o, "created_at", t->created_at) || !add_time(o, "expires_at", t->end_at) ||
            !add_time(o, "last_used_at", t->last_used_at) || !add_creator(t->created_by, o) ||
            !add_roles(inv, t, o)) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}
