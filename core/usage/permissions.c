/*
 * The one table of operation -> minimal role, built from Astro's public
 * permission reference (https://www.astronomer.io/docs/astro/user-permissions,
 * "Organization roles" and "Workspace roles", and the API token pages):
 *
 *   Organization Owner > Billing Admin > Observe Admin > Observe Member > Member
 *   Workspace Owner > Operator > Author > Member > Accessor
 *   Deployment Admin (Deployment API tokens)
 *
 * - Organization Member: view the organization and its user membership.
 * - Organization Owner: manage organization users, Organization API tokens,
 *   every workspace (it inherits Workspace Owner everywhere), audit logs;
 *   listing all workspaces needs it for an API token.
 * - Workspace Member: view the workspace, its users and its Deployments.
 * - Workspace Author: deploy code (image pushes, deploys).
 * - Workspace Operator: create, update and delete Deployments.
 * - Workspace Owner: manage workspace users and Workspace API tokens.
 * - Deployment Admin: everything on its one Deployment (deploys included).
 *
 * A row gives, per entity type of the token, the lowest role allowed; NULL
 * means "not possible at that scope, or not documented": no suggestion.
 * An operation missing from the table gives no suggestion either.
 */
#include "core/usage/permissions_internal.h"

#include <stdbool.h>
#include <string.h>

#include "core/config/config.h"
#include "core/roles.h"

#define ORG_OWNER "ORGANIZATION_OWNER"
#define ORG_MEMBER "ORGANIZATION_MEMBER"
#define WS_OWNER "WORKSPACE_OWNER"
#define WS_OPERATOR "WORKSPACE_OPERATOR"
#define WS_AUTHOR "WORKSPACE_AUTHOR"
#define WS_MEMBER "WORKSPACE_MEMBER"
#define DEP_ADMIN "DEPLOYMENT_ADMIN"

struct permission {
        const char *op; /* method + version-less path template */
        const char *org, *ws, *dep;
};

static const struct permission table[] = {
        {"GET /organizations", ORG_MEMBER, WS_MEMBER, DEP_ADMIN},
        {"GET /organizations/{organizationId}", ORG_MEMBER, WS_MEMBER, DEP_ADMIN},
        {"GET /organizations/{organizationId}/users", ORG_MEMBER, WS_MEMBER, NULL},
        {"GET /organizations/{organizationId}/users/{userId}", ORG_MEMBER, WS_MEMBER, NULL},
        {"GET /organizations/{organizationId}/audit-logs", ORG_OWNER, NULL, NULL},
        {"GET /organizations/{organizationId}/workspaces", ORG_OWNER, WS_MEMBER, NULL},
        {"GET /organizations/{organizationId}/workspaces/{workspaceId}", ORG_OWNER, WS_MEMBER,
         NULL},
        {"GET /organizations/{organizationId}/deployments", ORG_OWNER, WS_MEMBER, DEP_ADMIN},
        {"GET /organizations/{organizationId}/deployments/{deploymentId}", ORG_OWNER, WS_MEMBER,
         DEP_ADMIN},
        {"GET /organizations/{organizationId}/deployments/{deploymentId}/deploys", ORG_OWNER,
         WS_MEMBER, DEP_ADMIN},
        {"POST /organizations/{organizationId}/deployments", ORG_OWNER, WS_OPERATOR, NULL},
        {"POST /organizations/{organizationId}/deployments/{deploymentId}", ORG_OWNER, WS_OPERATOR,
         DEP_ADMIN},
        {"DELETE /organizations/{organizationId}/deployments/{deploymentId}", ORG_OWNER,
         WS_OPERATOR, NULL},
        {"POST /organizations/{organizationId}/deployments/{deploymentId}/deploys", ORG_OWNER,
         WS_AUTHOR, DEP_ADMIN},
        {"POST /organizations/{organizationId}/deployments/{deploymentId}/deploys/{deployId}/"
         "finalize",
         ORG_OWNER, WS_AUTHOR, DEP_ADMIN},
        {"IMAGE_PUSH registry", ORG_OWNER, WS_AUTHOR, DEP_ADMIN},
        {"GET /organizations/{organizationId}/tokens", ORG_OWNER, WS_OWNER, NULL},
        {"GET /organizations/{organizationId}/tokens/{tokenId}", ORG_OWNER, WS_OWNER, NULL},
        {"POST /organizations/{organizationId}/tokens", ORG_OWNER, WS_OWNER, NULL},
        {"POST /organizations/{organizationId}/tokens/{tokenId}", ORG_OWNER, WS_OWNER, NULL},
        {"POST /organizations/{organizationId}/tokens/{tokenId}/roles", ORG_OWNER, WS_OWNER, NULL},
        {"POST /organizations/{organizationId}/tokens/{tokenId}/rotate", ORG_OWNER, WS_OWNER, NULL},
        {"DELETE /organizations/{organizationId}/tokens/{tokenId}", ORG_OWNER, WS_OWNER, NULL},
        {"POST /organizations/{organizationId}/api-tokens", ORG_OWNER, NULL, NULL},
        {"POST /organizations/{organizationId}/workspaces/{workspaceId}/api-tokens", ORG_OWNER,
         WS_OWNER, NULL},
};

/* op without its API version prefix ("GET /v1/x" -> "GET" and "/x"). */
static bool split_op(const char *op, size_t *ret_method_len, const char **ret_path)
{
        static const char *const prefixes[] = {
                "/iam/v1beta1", "/platform/v1beta1", "/v1alpha1", "/v1beta1", "/v1", NULL};
        const char *sp = strchr(op, ' ');

        if (!sp)
                return false;
        *ret_method_len = (size_t)(sp - op);
        *ret_path = sp + 1;
        for (size_t i = 0; prefixes[i]; i++) {
                size_t n = strlen(prefixes[i]);

                if (strncmp(sp + 1, prefixes[i], n) == 0 && sp[1 + n] == '/') {
                        *ret_path = sp + 1 + n;
                        break;
                }
        }
        return true;
}

static const struct permission *lookup(const char *op)
{
        const char *path;
        size_t mlen;

        if (!op || !split_op(op, &mlen, &path))
                return NULL;
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                const char *t = table[i].op, *tsp = strchr(t, ' ');

                if ((size_t)(tsp - t) == mlen && strncmp(t, op, mlen) == 0 &&
                    strcmp(tsp + 1, path) == 0)
                        return &table[i];
        }
        return NULL;
}

const char *tw_permission_min_role(const char *op, const char *scope)
{
        const struct permission *p = lookup(op);

        if (!p || !scope)
                return NULL;
        if (strcmp(scope, "ORGANIZATION") == 0)
                return p->org;
        if (strcmp(scope, "WORKSPACE") == 0)
                return p->ws;
        if (strcmp(scope, "DEPLOYMENT") == 0)
                return p->dep;
        return NULL;
}

const char *tw_permissions_lowest_role(const char *const *ops, size_t n, const char *scope)
{
        const char *best = NULL;
        int best_rank = 1 << 30;

        for (size_t i = 0; i < n; i++) {
                const char *role = tw_permission_min_role(ops[i], scope);
                int rank = tw_role_rank(scope, role);

                if (!role || rank < 0)
                        return NULL;
                if (rank < best_rank) { /* rank 0 is the most powerful */
                        best_rank = rank;
                        best = role;
                }
        }
        return best;
}
