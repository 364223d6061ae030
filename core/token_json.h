#ifndef TW_CORE_TOKEN_JSON_H
#define TW_CORE_TOKEN_JSON_H

/*
 * The one JSON shape of a token that the JSON report and the webhook
 * payloads share: id, organization_id, organization, name, description,
 * scope, kind, short_token, start_at, created_at, expires_at, last_used_at,
 * created_by {id, subject_type, name} (or null) and roles [{entity_type,
 * entity_id, entity_name, role, custom_role}].  Absent values are null, never
 * missing keys; times are RFC 3339 UTC.  Pure and thread-safe.
 */

struct cJSON;
struct tw_inventory;
struct tw_token;

/* A new object for t; inv (may be NULL) names its organization and its
 * roles' entities.  NULL on -ENOMEM; free with cJSON_Delete(). */
struct cJSON *tw_token_json(const struct tw_inventory *inv, const struct tw_token *t);

#endif
