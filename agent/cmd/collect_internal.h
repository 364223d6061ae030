#ifndef TW_AGENT_CMD_COLLECT_INTERNAL_H
#define TW_AGENT_CMD_COLLECT_INTERNAL_H

/* `tokenwatch report`'s collection: every organization of the
 * config, or only the one --organization names, as one merged inventory. */

#include <stdint.h>

struct tw_config;
struct tw_inventory;

/* 0 (TW_EXIT_OK) with *ret_inv; TW_EXIT_CONFIG when organization names no
 * organization or the only one's credential fails (cannot be loaded, or
 * the API refuses it with a 401); TW_EXIT_INCOMPLETE when
 * the only one's collection fails.  With several, an organization that
 * cannot be collected is an error of the inventory (an incomplete report),
 * the others are reported.  Logs why. */
int tw_report_collect(const struct tw_config *cfg, const char *organization, int64_t now,
                      struct tw_inventory **ret_inv);

#endif
