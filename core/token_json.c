/* A token as JSON (core/token_json.h). */
#include "core/token_json.h"

#include <cjson/cJSON.h>

#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "lib/json.h"
#include "lib/timeutil.h"

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
                if (!tw_json_add_str(o, "entity_type", role->entity_type) ||
                    !tw_json_add_str(o, "entity_id", role->entity_id) ||
                    !tw_json_add_str(o, "entity_name",
                                     inv ? tw_inventory_entity_name(inv, role) : NULL) ||
                    !tw_json_add_str(o, "role", role->role) ||
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
        return o && tw_json_add_str(o, "id", s->id) &&
               tw_json_add_str(o, "subject_type", s->subject_type) &&
               tw_json_add_str(o, "name", tw_subject_name(s));
}

cJSON *tw_token_json(const struct tw_inventory *inv, const struct tw_token *t)
{
        cJSON *o = cJSON_CreateObject();

        if (!o)
                return NULL;
        if (!tw_json_add_str(o, "id", t->id) ||
            !tw_json_add_str(o, "organization_id", tw_token_organization_id(inv, t)) ||
            !tw_json_add_str(o, "organization", tw_token_organization_name(inv, t)) ||
            !tw_json_add_str(o, "name", t->name) ||
            !tw_json_add_str(o, "description", t->description) ||
            !tw_json_add_str(o, "scope", t->scope) || !tw_json_add_str(o, "kind", t->kind) ||
            !tw_json_add_str(o, "short_token", t->short_token) ||
            !tw_json_add_time(o, "start_at", t->start_at) ||
            !tw_json_add_time(o, "created_at", t->created_at) ||
            !tw_json_add_time(o, "expires_at", t->end_at) ||
            !tw_json_add_time(o, "last_used_at", t->last_used_at) ||
            !add_creator(t->created_by, o) || !add_roles(inv, t, o)) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}
