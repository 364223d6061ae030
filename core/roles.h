#ifndef TW_CORE_ROLES_H
#define TW_CORE_ROLES_H

/*
 * The known Astro roles and their order (astro-api.md, "Roles and their
 * order"): one table that the evaluator's ranks and the config's error
 * messages both read.  Pure functions over static data; thread-safe.
 */

#include <stddef.h>

/* Known roles and their rank (0 = most powerful) within entity_type
 * ("ORGANIZATION", "WORKSPACE", "DEPLOYMENT").  -1 if unknown/custom. */
int tw_role_rank(const char *entity_type, const char *role);

/* The entity type a known role belongs to, or NULL. */
const char *tw_role_entity_type(const char *role);

/* The known role of entity_type with that rank, or NULL past the last one
 * (or for an entity type without an order): for listing them. */
const char *tw_role_at(const char *entity_type, size_t rank);

/* Writes entity_type's known roles, most powerful first, as "A, B, C" into
 * buf (NUL-terminated).  0, -EINVAL (no such entity type) or -E2BIG. */
int tw_role_names(const char *entity_type, char *buf, size_t size);

#endif
