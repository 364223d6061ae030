/*
 * The store types, by name.  A new store is one file with its ops and one
 * line here.
 */
#include "exporters/deliver/deliver.h"

#include <string.h>

#include "exporters/deliver/stores_internal.h"

static const struct tw_deliver_ops *const stores[] = {
        &tw_deliver_github,     &tw_deliver_gitlab, &tw_deliver_vault,
        &tw_deliver_kubernetes, &tw_deliver_file,   &tw_deliver_exec,
};

const struct tw_deliver_ops *tw_deliver_ops_find(const char *type)
{
        for (size_t i = 0; type && i < sizeof(stores) / sizeof(stores[0]); i++)
                if (strcmp(stores[i]->type, type) == 0)
                        return stores[i];
        return NULL;
}
