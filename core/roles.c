/* The known Astro roles and their order (astro-api.md, "Roles and their order"). */
#include "core/config.h"

#include <stddef.h>
#include <string.h>

struct role_order {
        const char *entity_type;
        const char *const *roles; /* most powerful first, NULL-terminated */
};

static const char *const organization_roles[] = {
        "ORGANIZATION_OWNER",          "ORGANIZATION_BILLING_ADMIN", "ORGANIZATION_OBSERVE_ADMIN",
        "ORGANIZATION_OBSERVE_MEMBER", "ORGANIZATION_MEMBER",        NULL,
};

static const char *const workspace_roles[] = {
        "WORKSPACE_OWNER",  "WORKSPACE_OPERATOR", "WORKSPACE_AUTHOR",
        "WORKSPACE_MEMBER", "WORKSPACE_ACCESSOR", NULL,
};

static const char *const deployment_roles[] = {
        "DEPLOYMENT_ADMIN",
        NULL,
};

static const struct role_order orders[] = {
        {"ORGANIZATION", organization_roles},
        {"WORKSPACE", workspace_roles},
        {"DEPLOYMENT", deployment_roles},
};

int tw_role_rank(const char *entity_type, const char *role)
{
        if (!entity_type || !role)
                return -1;
        for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
                if (strcmp(entity_type, orders[i].entity_type) != 0)
                        continue;
                for (int r = 0; orders[i].roles[r]; r++)
                        if (strcmp(role, orders[i].roles[r]) == 0)
                                return r;
                return -1;
        }
        return -1;
}

const char *tw_role_entity_type(const char *role)
{
        if (!role)
                return NULL;
        for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
                for (int r = 0; orders[i].roles[r]; r++)
                        if (strcmp(role, orders[i].roles[r]) == 0)
                                return orders[i].entity_type;
        return NULL;
}
