/*
 * The Astro API routes of tw-astrosim: routing, filters and the
 * workspace-credential rules.  Called with sim->lock held.
 */
#include "sim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGS 6

enum gen { GEN_V1, GEN_IAM, GEN_PLATFORM };

static bool has_role(const cJSON *token, const char *type, const char *id)
{
        const cJSON *r;

        cJSON_ArrayForEach (r, cJSON_GetObjectItemCaseSensitive(token, "roles")) {
                const char *t = sim_str(r, "entityType"), *e = sim_str(r, "entityId");

                if (t && e && strcmp(t, type) == 0 && strcmp(e, id) == 0)
                        return true;
        }
        return false;
}

/* Notes the deployments of workspace ws for token_in_workspace(). */
static void find_ws_deployments(struct tw_sim *sim, struct sim_query *q, const char *ws)
{
        const cJSON *d;

        cJSON_ArrayForEach (d, sim->deployments) {
                const char *dws = sim_str(d, "workspaceId"), *id = sim_str(d, "id");

                if (dws && id && strcmp(dws, ws) == 0 && q->n_ws_deps < 64)
                        q->ws_deps[q->n_ws_deps++] = id;
        }
}

/* A token in workspace ws: a WORKSPACE role there, or a DEPLOYMENT role on
 * one of its deployments. */
static bool token_in_workspace(const struct sim_query *q, const cJSON *token, const char *ws)
{
        if (has_role(token, "WORKSPACE", ws))
                return true;
        for (size_t i = 0; i < q->n_ws_deps; i++)
                if (has_role(token, "DEPLOYMENT", q->ws_deps[i]))
                        return true;
        return false;
}

static const char *deployment_workspace(struct tw_sim *sim, const char *dep)
{
        return sim_str(sim_find_by_id(sim->deployments, dep, NULL), "workspaceId");
}

static bool user_has(const cJSON *user, const char *list, const char *key, const char *id)
{
        const cJSON *r;

        cJSON_ArrayForEach (r, cJSON_GetObjectItemCaseSensitive(user, list)) {
                const char *s = sim_str(r, key);

                if (s && strcmp(s, id) == 0)
                        return true;
        }
        return false;
}

/* Whether item passes the listing's filters for resource res. */
static bool matches(struct sim_query *q, const char *res, const cJSON *item)
{
        const char *ws = q->ws, *dep = q->dep;

        if (strcmp(res, "tokens") == 0) {
                const char *scope = sim_str(item, "scope");

                if (q->only_org && (!scope || strcmp(scope, "ORGANIZATION") != 0))
                        return false;
                if (ws && !token_in_workspace(q, item, ws))
                        return false;
                return !dep || has_role(item, "DEPLOYMENT", dep);
        }
        if (strcmp(res, "users") == 0) {
                if (ws && !user_has(item, "workspaceRoles", "workspaceId", ws))
                        return false;
                return !dep || user_has(item, "deploymentRoles", "deploymentId", dep);
        }
        if (strcmp(res, "workspaces") == 0)
                return q->n_ids == 0 || sim_in_ids(q, sim_str(item, "id"));
        return q->n_ids == 0 || sim_in_ids(q, sim_str(item, "workspaceId"));
}

/* Whether a workspace credential for ws may make this listing. */
static bool ws_allowed(struct tw_sim *sim, struct sim_query *q, const char *res, const char *ws)
{
        const char *w = sim_query_arg(q, "workspaceId"), *dep = sim_query_arg(q, "deploymentId");
        const char *only = sim_query_arg(q, "includeOnlyOrganizationTokens");

        if (strcmp(res, "tokens") == 0 || strcmp(res, "users") == 0) {
                if (only && strcmp(only, "true") == 0)
                        return false;
                if (w)
                        return strcmp(w, ws) == 0;
                return dep && deployment_workspace(sim, dep) &&
                       strcmp(deployment_workspace(sim, dep), ws) == 0;
        }
        return q->n_ids == 1 && strcmp(q->ids[0], ws) == 0;
}

static void list(struct tw_sim *sim, struct sim_query *q, const char *res, enum gen gen,
                 const char *auth_ws, struct sim_reply *reply, uint64_t seq)
{
        cJSON *arr = strcmp(res, "tokens") == 0       ? sim->tokens
                     : strcmp(res, "users") == 0      ? sim->users
                     : strcmp(res, "workspaces") == 0 ? sim->workspaces
                                                      : sim->deployments;
        size_t n = 0, cap = (size_t)cJSON_GetArraySize(arr);
        cJSON **items, *it;
        long max = strcmp(res, "deployments") == 0 ? 0 : 1000;

        sim_query_collect(q);
        if (auth_ws && !ws_allowed(sim, q, res, auth_ws)) {
                sim_reply_error(reply, 403,
                                "Forbidden: this API token cannot list organization-wide "
                                "resources or another workspace",
                                seq);
                return;
        }
        q->ws = sim_query_arg(q, "workspaceId");
        q->dep = sim_query_arg(q, "deploymentId");
        q->only_org = sim_query_arg(q, "includeOnlyOrganizationTokens") &&
                      strcmp(sim_query_arg(q, "includeOnlyOrganizationTokens"), "true") == 0;
        if (q->ws)
                find_ws_deployments(sim, q, q->ws);
        items = calloc(cap ? cap : 1, sizeof(*items));
        if (!items) {
                sim_reply_error(reply, 500, "out of memory", seq);
                return;
        }
        cJSON_ArrayForEach (it, arr)
                if (matches(q, res, it))
                        items[n++] = it;
        sim_page(reply, q, items, n, res, max, gen != GEN_V1 && strcmp(res, "tokens") == 0, seq);
        free(items);
}

static void get_one(struct tw_sim *sim, const char *res, const char *id, enum gen gen,
                    const char *auth_ws, struct sim_reply *reply, uint64_t seq)
{
        cJSON *arr = strcmp(res, "tokens") == 0       ? sim->tokens
                     : strcmp(res, "users") == 0      ? sim->users
                     : strcmp(res, "workspaces") == 0 ? sim->workspaces
                                                      : sim->deployments;
        cJSON *it = sim_find_by_id(arr, id, NULL), *out;
        char msg[128];

        if (auth_ws) {
                sim_reply_error(reply, 403, "Forbidden", seq);
                return;
        }
        if (!it) {
                snprintf(msg, sizeof(msg), "%.*s not found", (int)strlen(res) - 1, res);
                sim_reply_error(reply, 404, msg, seq);
                return;
        }
        out = gen != GEN_V1 && strcmp(res, "tokens") == 0 ? sim_to_v1beta1(it)
                                                          : cJSON_Duplicate(it, 1);
        sim_reply_json(reply, 200, out);
        cJSON_Delete(out);
}

/* Splits url after the version prefix into segments; returns how many. */
static size_t split(char *path, char *segs[MAX_SEGS])
{
        size_t n = 0;
        char *save = NULL;

        for (char *tok = strtok_r(path, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
                if (n == MAX_SEGS)
                        return MAX_SEGS + 1;
                segs[n++] = tok;
        }
        return n;
}

static bool res_in(const char *res, enum gen gen)
{
        bool iam = strcmp(res, "tokens") == 0 || strcmp(res, "users") == 0;
        bool plat = strcmp(res, "workspaces") == 0 || strcmp(res, "deployments") == 0;

        return gen == GEN_V1 ? iam || plat : gen == GEN_IAM ? iam : plat;
}

void sim_api_handle_locked(struct tw_sim *sim, struct MHD_Connection *conn, const char *url,
                           const char *auth_ws, uint64_t seq, struct sim_reply *reply)
{
        static const struct {
                const char *prefix;
                enum gen gen;
        } gens[] = {
                {"/v1/", GEN_V1}, {"/iam/v1beta1/", GEN_IAM}, {"/platform/v1beta1/", GEN_PLATFORM}};
        struct sim_query *q = calloc(1, sizeof(*q));
        char path[2048], *segs[MAX_SEGS];
        const char *org = sim_str(sim->org, "id");
        size_t n = 0;
        int g = -1;

        for (int i = 0; i < 3 && g < 0; i++)
                if (strncmp(url, gens[i].prefix, strlen(gens[i].prefix)) == 0)
                        g = i;
        if (!q) {
                sim_reply_error(reply, 500, "out of memory", seq);
                return;
        }
        q->conn = conn;
        if (g >= 0 && strlen(url) < sizeof(path)) {
                snprintf(path, sizeof(path), "%s", url + strlen(gens[g].prefix));
                n = split(path, segs);
        }
        if (n == 0 || n > 4 || strcmp(segs[0], "organizations") != 0) {
                sim_reply_error(reply, 404, "Not Found", seq);
        } else if (n == 1 && gens[g].gen != GEN_IAM) {
                cJSON *one = sim->org;

                sim_page(reply, q, &one, 1, "organizations", 0, false, seq);
        } else if (strcmp(segs[1], org) != 0) {
                sim_reply_error(reply, 403, "Forbidden: not a member of this organization", seq);
        } else if (n == 2 && gens[g].gen != GEN_IAM) {
                sim_reply_json(reply, 200, sim->org);
        } else if (n == 3 && strcmp(segs[2], "audit-logs") == 0 && gens[g].gen != GEN_IAM) {
                sim_audit_handle_locked(sim, conn, auth_ws, seq, reply);
        } else if (n >= 3 && res_in(segs[2], gens[g].gen)) {
                if (n == 3)
                        list(sim, q, segs[2], gens[g].gen, auth_ws, reply, seq);
                else
                        get_one(sim, segs[2], segs[3], gens[g].gen, auth_ws, reply, seq);
        } else {
                sim_reply_error(reply, 404, "Not Found", seq);
        }
        free(q);
}
