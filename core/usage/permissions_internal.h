#ifndef TW_CORE_USAGE_PERMISSIONS_INTERNAL_H
#define TW_CORE_USAGE_PERMISSIONS_INTERNAL_H

/*
 * Operation -> minimal role, from Astro's public permission reference
 * (https://www.astronomer.io/docs/astro/user-permissions).  The one table
 * lives in core/usage/permissions.c.  Operations are those of core/usage/usage.h:
 * "METHOD /version/path/{template}", "GRAPHQL <name>", "IMAGE_PUSH registry",
 * "AIRFLOW_UI".  Pure and thread-safe (static data only).
 */

#include <stddef.h>

/* The lowest role at entity type `scope` ("ORGANIZATION", "WORKSPACE",
 * "DEPLOYMENT") allowed to perform op, or NULL when op is not in the table
 * or not possible at that scope. */
const char *tw_permission_min_role(const char *op, const char *scope);

/* The lowest role at `scope` that allows every one of the n operations;
 * NULL when n is 0 or any of them has no entry (no suggestion then). */
const char *tw_permissions_lowest_role(const char *const *ops, size_t n, const char *scope);

#endif
