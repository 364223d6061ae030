#ifndef TW_EXPORTERS_DELIVER_STORES_INTERNAL_H
#define TW_EXPORTERS_DELIVER_STORES_INTERNAL_H

/* The store types the registry lists (internal to exporters/deliver). */

#include "exporters/deliver/deliver.h"

extern const struct tw_deliver_ops tw_deliver_github;
extern const struct tw_deliver_ops tw_deliver_gitlab;
extern const struct tw_deliver_ops tw_deliver_vault;
extern const struct tw_deliver_ops tw_deliver_kubernetes;
extern const struct tw_deliver_ops tw_deliver_file;
extern const struct tw_deliver_ops tw_deliver_exec;

#endif
