/*
 * Who may manage which token in tw-astrosim: an ORGANIZATION_OWNER token
 * any; a WORKSPACE_OWNER token the WORKSPACE and DEPLOYMENT tokens of its
 * workspace; nothing else (the organization credential of a fixture without
 * an owner role, the synthetic workspace credentials).  sim->lock held.
 */
#include "sim_internal.h"

#include <cjson/cJSON.h>
#include <string.h>

static bool has_role(const cJSON *token, const char *type, const char *id, const char *role)
{
        const cJSON *r;

        cJSON_ArrayForEach (r, cJSON_GetObjectItemCaseSensitive(token, "roles")) {
                const char *t = sim_str(r, "entityType"), *e = sim_str(r, "entityId");
                const char *n = sim_str(r, "role");

                if (t && e && n && strcmp(t, type) == 0 && (!id || strcmp(e, id) == 0) &&
                    strcmp(n, role) == 0)
                        return true;
        }
        return false;
}

/* Whether the credential may manage a token of scope in workspace ws (the
 * workspace of its entity; NULL for an ORGANIZATION token). */
static bool may_manage(struct tw_sim *sim, const struct sim_auth *auth, const char *scope,
                       const char *ws)
{
        cJSON *me = auth->token_id ? sim_find_by_id(sim->tokens, auth->token_id, NULL) : NULL;

        if (!me)
                return false;
        if (has_role(me, "ORGANIZATION", NULL, "ORGANIZATION_OWNER"))
                return true;
        return scope && strcmp(scope, "ORGANIZATION") != 0 && ws &&
               has_role(me, "WORKSPACE", ws, "WORKSPACE_OWNER");
}

/* The workspace of a token's entity (its first WORKSPACE or DEPLOYMENT role). */
const char *sim_entity_workspace(struct tw_sim *sim, const char *scope, const char *entity)
{
        if (!scope || !entity)
                return NULL;
        if (strcmp(scope, "WORKSPACE") == 0)
                return entity;
        if (strcmp(scope, "DEPLOYMENT") == 0)
                return sim_str(sim_find_by_id(sim->deployments, entity, NULL), "workspaceId");
        return NULL;
}

const char *sim_token_entity(const struct cJSON *token, const char *scope)
{
        const cJSON *r;

        cJSON_ArrayForEach (r, cJSON_GetObjectItemCaseSensitive(token, "roles")) {
                const char *t = sim_str(r, "entityType");

                if (t && scope && strcmp(t, scope) == 0)
                        return sim_str(r, "entityId");
        }
        return NULL;
}

/* Whether the credential may manage any token at all (an owner role). */
static bool may_manage_some(struct tw_sim *sim, const struct sim_auth *auth)
{
        cJSON *me = auth->token_id ? sim_find_by_id(sim->tokens, auth->token_id, NULL) : NULL;
        const cJSON *r;

        cJSON_ArrayForEach (r, cJSON_GetObjectItemCaseSensitive(me, "roles")) {
                const char *n = sim_str(r, "role");

                if (n &&
                    (strcmp(n, "ORGANIZATION_OWNER") == 0 || strcmp(n, "WORKSPACE_OWNER") == 0))
                        return true;
        }
        return false;
}

bool sim_may_manage_locked(struct tw_sim *sim, const struct sim_auth *auth, const char *scope,
                           const char *ws)
{
        return scope ? may_manage(sim, auth, scope, ws) : may_manage_some(sim, auth);
}
