/* The known Astro roles and their order (astro-api.md, "Roles and their order"). */
#include "core/roles.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
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

/* The roles of entity_type, most powerful first, or NULL. */
static const char *const *roles_of(const char *entity_type)
{
        for (size_t i = 0; entity_type && i < sizeof(orders) / sizeof(orders[0]); i++)
                if (strcmp(entity_type, orders[i].entity_type) == 0)
                        return orders[i].roles;
        return NULL;
}

int tw_role_rank(const char *entity_type, const char *role)
{
        const char *const *roles = roles_of(entity_type);

        for (int r = 0; roles && role && roles[r]; r++)
                if (strcmp(role, roles[r]) == 0)
                        return r;
        return -1;
}

const char *tw_role_at(const char *entity_type, size_t rank)
{
        const char *const *roles = roles_of(entity_type);

        for (size_t r = 0; roles && roles[r]; r++)
                if (r == rank)
                        return roles[r];
        return NULL;
}

int tw_role_names(const char *entity_type, char *buf, size_t size)
{
        const char *const *roles = roles_of(entity_type);
        size_t len = 0;

        if (!roles || !size)
                return -EINVAL;
        buf[0] = '\0';
        for (size_t r = 0; roles[r]; r++) {
                int n = snprintf(buf + len, size - len, "%s%s", r ? ", " : "", roles[r]);

                if (n < 0 || (size_t)n >= size - len)
                        return -E2BIG;
                len += (size_t)n;
        }
        return 0;
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
