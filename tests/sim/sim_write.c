/*
 * tw-astrosim's token writes (v1, and /iam/v1beta1 with "type" for
 * "scope"), after the "Creating and rotating tokens" part of the API
 * reference.  Called with sim->lock held, after authentication.
 *
 *   POST   .../tokens               create; 200 with the object and its "token"
 *   POST   .../tokens/{id}/rotate   new value, the old one refused at once; 200
 *   POST   .../tokens/{id}/roles    {"roles": [{entityType, entityId, role}]}; 200
 *   POST   .../tokens/{id}          {name?, description?}; 200
 *   DELETE .../tokens/{id}          204
 *
 * Validation (400 with fieldErrors): a non-empty name of at most 256
 * characters; scope ORGANIZATION, WORKSPACE or DEPLOYMENT; a role of the
 * scope's level (any non-empty role for DEPLOYMENT: custom roles exist);
 * entityId naming a workspace or deployment of the organization (not needed
 * for ORGANIZATION); tokenExpiryPeriodInDays an integer 1..3650 or absent
 * (never expires).  Unknown token: 404.  Not allowed: 403 naming the role.
 *
 * Unknown in the reference and chosen here: rotation restarts endAt from
 * now (expiryPeriodInDays later) unless rotate_keeps_end; the roles call
 * answers the whole token object; the new id is "clsimnew" + 17 digits;
 * shortToken is 8 characters derived from the value.
 */
#include "sim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fnv.h"

#define DAY 86400
#define MAX_NAME 256

enum op { OP_CREATE, OP_UPDATE, OP_ROTATE, OP_ROLES, OP_DELETE, OP_NONE };

struct write_req {
        struct tw_sim *sim;
        const struct sim_auth *auth;
        uint64_t seq;
        bool beta;
        struct sim_reply *reply;
};

static void field_error(struct write_req *w, const char *field, const char *message)
{
        cJSON *o = cJSON_CreateObject(), *fe, *e;
        char id[48], msg[160];

        snprintf(id, sizeof(id), "sim-req-%08llu", (unsigned long long)w->seq);
        snprintf(msg, sizeof(msg), "Invalid request: %s %s", field, message);
        cJSON_AddStringToObject(o, "message", msg);
        cJSON_AddStringToObject(o, "requestId", id);
        cJSON_AddNumberToObject(o, "statusCode", 400);
        fe = cJSON_AddArrayToObject(o, "fieldErrors");
        e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "code", "invalid");
        cJSON_AddStringToObject(e, "field", field);
        cJSON_AddStringToObject(e, "message", message);
        cJSON_AddItemToArray(fe, e);
        sim_reply_json(w->reply, 400, o);
        cJSON_Delete(o);
}

static bool forbidden(struct write_req *w, const char *scope, const char *ws)
{
        if (sim_may_manage_locked(w->sim, w->auth, scope, ws))
                return false;
        sim_reply_error(w->reply, 403,
                        "Forbidden: managing this API token needs the Organization Owner role "
                        "(or Workspace Owner of the token's workspace)",
                        w->seq);
        return true;
}

static void set_str(cJSON *o, const char *key, const char *value)
{
        cJSON *v = cJSON_CreateString(value);

        if (v && !cJSON_ReplaceItemInObjectCaseSensitive(o, key, v))
                cJSON_AddItemToObject(o, key, v);
}

static void set_time(cJSON *o, const char *key, int64_t t)
{
        char buf[48];

        sim_format_time(t, -1, buf, sizeof(buf));
        set_str(o, key, buf);
}

/* updatedBy (and createdBy when created): the credential's token. */
static void set_actor(struct write_req *w, cJSON *token, bool created)
{
        cJSON *me = sim_find_by_id(w->sim->tokens, w->auth->token_id, NULL);
        const char *keys[2] = {"updatedBy", created ? "createdBy" : NULL};

        for (int i = 0; i < 2 && keys[i]; i++) {
                cJSON *by = cJSON_CreateObject();

                cJSON_AddStringToObject(by, "id", w->auth->token_id);
                cJSON_AddStringToObject(by, "subjectType", "SERVICEKEY");
                if (sim_str(me, "name"))
                        cJSON_AddStringToObject(by, "apiTokenName", sim_str(me, "name"));
                cJSON_DeleteItemFromObjectCaseSensitive(token, keys[i]);
                cJSON_AddItemToObject(token, keys[i], by);
        }
}

/* shortToken: 8 base-36 characters of a hash of the value. */
static void set_short_token(cJSON *token, const char *jwt)
{
        static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
        uint64_t h = tw_fnv1a_str(jwt);
        char out[9];

        for (int i = 0; i < 8; i++, h /= 36)
                out[i] = b36[h % 36];
        out[8] = '\0';
        set_str(token, "shortToken", out);
}

/* Mints a value for token and answers 200 with the object and "token". */
static void reply_with_value(struct write_req *w, cJSON *token)
{
        const char *jwt = NULL;
        cJSON *out;

        if (sim_mint_locked(w->sim, token, &jwt) < 0) {
                sim_reply_error(w->reply, 500, "out of memory", w->seq);
                return;
        }
        set_short_token(token, jwt);
        out = w->beta ? sim_to_v1beta1(token) : cJSON_Duplicate(token, 1);
        cJSON_AddStringToObject(out, "token", jwt);
        sim_reply_json(w->reply, 200, out);
        cJSON_Delete(out);
}

static void reply_token(struct write_req *w, const cJSON *token)
{
        cJSON *out = w->beta ? sim_to_v1beta1(token) : cJSON_Duplicate(token, 1);

        sim_reply_json(w->reply, 200, out);
        cJSON_Delete(out);
}

/* Checks the create body's fields; false after answering 400. */
static bool create_valid(struct write_req *w, const cJSON *b, const char *scope, const char *entity,
                         long *ret_days)
{
        const char *name = sim_str(b, "name"), *role = sim_str(b, "role");
        const cJSON *days = cJSON_GetObjectItemCaseSensitive(b, "tokenExpiryPeriodInDays");
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(b, "description");
        bool org = scope && strcmp(scope, "ORGANIZATION") == 0;
        bool ws = scope && strcmp(scope, "WORKSPACE") == 0;
        bool dep = scope && strcmp(scope, "DEPLOYMENT") == 0;
        const char *bad = NULL, *why = NULL;

        if (!name || !*name || strlen(name) > MAX_NAME)
                bad = "name", why = "must be a string of 1 to 256 characters";
        else if (desc && !cJSON_IsString(desc) && !cJSON_IsNull(desc))
                bad = "description", why = "must be a string";
        else if (!org && !ws && !dep)
                bad = w->beta ? "type" : "scope",
                why = "must be ORGANIZATION, WORKSPACE or DEPLOYMENT";
        else if (!role || !*role || (org && strncmp(role, "ORGANIZATION_", 13) != 0) ||
                 (ws && strncmp(role, "WORKSPACE_", 10) != 0))
                bad = "role", why = "is not a role of the token's scope";
        else if (!org && (!entity || !sim_find_by_id(ws ? w->sim->workspaces : w->sim->deployments,
                                                     entity, NULL)))
                bad = "entityId",
                why = "does not name a workspace or deployment of the organization";
        else if (days && !cJSON_IsNull(days) &&
                 (!cJSON_IsNumber(days) || days->valuedouble != (double)(long)days->valuedouble ||
                  days->valuedouble < 1 || days->valuedouble > 3650))
                bad = "tokenExpiryPeriodInDays", why = "must be an integer from 1 to 3650";
        if (bad) {
                field_error(w, bad, why);
                return false;
        }
        *ret_days = days && cJSON_IsNumber(days) ? (long)days->valuedouble : 0;
        return true;
}

static void do_create(struct write_req *w, const cJSON *b)
{
        const char *scope = sim_str(b, "scope") ? sim_str(b, "scope") : sim_str(b, "type");
        const char *entity = sim_str(b, "entityId"), *org_id = sim_str(w->sim->org, "id");
        int64_t now = sim_now(w->sim);
        cJSON *t, *roles, *role;
        char id[32];
        long days = 0;

        if (forbidden(w, NULL, NULL) || !create_valid(w, b, scope, entity, &days))
                return;
        if (strcmp(scope, "ORGANIZATION") == 0)
                entity = org_id;
        if (forbidden(w, scope, sim_entity_workspace(w->sim, scope, entity)))
                return;
        snprintf(id, sizeof(id), "clsimnew%017llu", (unsigned long long)++w->sim->mint_seq);
        t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "id", id);
        cJSON_AddStringToObject(t, "name", sim_str(b, "name"));
        cJSON_AddStringToObject(t, "description",
                                sim_str(b, "description") ? sim_str(b, "description") : "");
        cJSON_AddStringToObject(t, "scope", scope);
        cJSON_AddStringToObject(t, "kind", "STANDARD");
        set_time(t, "startAt", now);
        set_time(t, "createdAt", now);
        set_time(t, "updatedAt", now);
        if (days > 0) {
                set_time(t, "endAt", now + (int64_t)days * DAY);
                cJSON_AddNumberToObject(t, "expiryPeriodInDays", (double)days);
        }
        roles = cJSON_AddArrayToObject(t, "roles");
        role = cJSON_CreateObject();
        cJSON_AddStringToObject(role, "entityType", scope);
        cJSON_AddStringToObject(role, "entityId", entity);
        cJSON_AddStringToObject(role, "role", sim_str(b, "role"));
        cJSON_AddItemToArray(roles, role);
        set_actor(w, t, true);
        cJSON_AddItemToArray(w->sim->tokens, t);
        reply_with_value(w, t);
        if (w->reply->status == 200)
                w->sim->writes.created++;
}

static void do_rotate(struct write_req *w, cJSON *t)
{
        const cJSON *days = cJSON_GetObjectItemCaseSensitive(t, "expiryPeriodInDays");
        int64_t now = sim_now(w->sim);

        set_time(t, "lastRotatedAt", now);
        set_time(t, "startAt", now);
        set_time(t, "updatedAt", now);
        if (!w->sim->rotate_keeps_end && cJSON_IsNumber(days) && days->valuedouble >= 1)
                set_time(t, "endAt", now + (int64_t)days->valuedouble * DAY);
        set_actor(w, t, false);
        reply_with_value(w, t);
        if (w->reply->status == 200)
                w->sim->writes.rotated++;
}

static void do_roles(struct write_req *w, cJSON *t, const cJSON *b)
{
        const cJSON *roles = cJSON_GetObjectItemCaseSensitive(b, "roles"), *r;

        if (!cJSON_IsArray(roles) || cJSON_GetArraySize(roles) == 0) {
                field_error(w, "roles", "must be a non-empty array");
                return;
        }
        cJSON_ArrayForEach (r, roles) {
                if (!sim_str(r, "entityType") || !sim_str(r, "entityId") || !sim_str(r, "role")) {
                        field_error(w, "roles", "need entityType, entityId and role strings");
                        return;
                }
        }
        cJSON_DeleteItemFromObjectCaseSensitive(t, "roles");
        cJSON_AddItemToObject(t, "roles", cJSON_Duplicate(roles, 1));
        set_time(t, "updatedAt", sim_now(w->sim));
        set_actor(w, t, false);
        reply_token(w, t);
        w->sim->writes.roles_set++;
}

static void do_update(struct write_req *w, cJSON *t, const cJSON *b)
{
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(b, "name");
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(b, "description");

        if (name && (!cJSON_IsString(name) || !*name->valuestring ||
                     strlen(name->valuestring) > MAX_NAME)) {
                field_error(w, "name", "must be a string of 1 to 256 characters");
                return;
        }
        if (desc && !cJSON_IsString(desc)) {
                field_error(w, "description", "must be a string");
                return;
        }
        if (name)
                set_str(t, "name", name->valuestring);
        if (desc)
                set_str(t, "description", desc->valuestring);
        set_time(t, "updatedAt", sim_now(w->sim));
        set_actor(w, t, false);
        reply_token(w, t);
        w->sim->writes.updated++;
}

static void do_delete(struct write_req *w, const char *id, int index)
{
        sim_revoke_locked(w->sim, id);
        cJSON_DeleteItemFromArray(w->sim->tokens, index);
        w->reply->status = 204;
        free(w->reply->body);
        w->reply->body = NULL;
        w->reply->body_len = 0;
        w->sim->writes.deleted++;
}

/* The operation named by the segments after "tokens" and the method. */
static enum op which(const char *method, size_t n, char **segs)
{
        bool post = strcmp(method, "POST") == 0;

        if (n == 3)
                return post ? OP_CREATE : OP_NONE;
        if (n == 4)
                return post ? OP_UPDATE : OP_DELETE;
        if (n == 5 && post && strcmp(segs[4], "rotate") == 0)
                return OP_ROTATE;
        if (n == 5 && post && strcmp(segs[4], "roles") == 0)
                return OP_ROLES;
        return OP_NONE;
}

/* Runs op on the existing token segs[3]. */
static void on_token(struct write_req *w, enum op op, const char *id, const cJSON *body)
{
        int index = -1;
        cJSON *t = sim_find_by_id(w->sim->tokens, id, &index);
        const char *scope = sim_str(t, "scope");

        if (!t) {
                sim_reply_error(w->reply, 404, "token not found", w->seq);
                return;
        }
        if (forbidden(w, scope, sim_entity_workspace(w->sim, scope, sim_token_entity(t, scope))))
                return;
        if (op == OP_ROTATE)
                do_rotate(w, t);
        else if (op == OP_ROLES)
                do_roles(w, t, body);
        else if (op == OP_UPDATE)
                do_update(w, t, body);
        else
                do_delete(w, id, index);
}

void sim_write_handle_locked(struct tw_sim *sim, const char *url, const char *method,
                             const char *body, size_t len, const struct sim_auth *auth,
                             uint64_t seq, struct sim_reply *reply)
{
        struct write_req w = {.sim = sim, .auth = auth, .seq = seq, .reply = reply};
        char path[2048], *segs[6], *save = NULL;
        size_t n = 0, skip;
        cJSON *b = NULL;
        enum op op;

        w.beta = strncmp(url, "/iam/v1beta1/", 13) == 0;
        skip = w.beta ? 13 : strncmp(url, "/v1/", 4) == 0 ? 4 : 0;
        if (skip && strlen(url) < sizeof(path)) {
                snprintf(path, sizeof(path), "%s", url + skip);
                for (char *s = strtok_r(path, "/", &save); s && n < 6;
                     s = strtok_r(NULL, "/", &save))
                        segs[n++] = s;
        }
        op = n >= 3 && n <= 5 && strcmp(segs[0], "organizations") == 0 &&
                             strcmp(segs[2], "tokens") == 0
                     ? which(method, n, segs)
                     : OP_NONE;
        if (op == OP_NONE) {
                bool known = n == 3 || n == 4 ||
                             (n == 5 &&
                              (strcmp(segs[4], "rotate") == 0 || strcmp(segs[4], "roles") == 0));

                known = known && strcmp(segs[0], "organizations") == 0 &&
                        strcmp(segs[2], "tokens") == 0;
                sim_reply_error(reply, known ? 405 : 404,
                                known ? "Method Not Allowed" : "Not Found", seq);
                return;
        }
        if (strcmp(segs[1], sim_str(sim->org, "id")) != 0) {
                sim_reply_error(reply, 403, "Forbidden: not a member of this organization", seq);
                return;
        }
        if (op == OP_CREATE || op == OP_UPDATE || op == OP_ROLES) {
                b = cJSON_ParseWithLength(body, len);
                if (!cJSON_IsObject(b)) {
                        sim_reply_error(reply, 400,
                                        "Invalid request: the body is not a JSON object", seq);
                        cJSON_Delete(b);
                        return;
                }
        }
        if (op == OP_CREATE)
                do_create(&w, b);
        else
                on_token(&w, op, segs[3], b);
        cJSON_Delete(b);
}
