/* The daemon's check of [owners] workspace rules against the organization. */
#include "agent/daemon/daemon_internal.h"

#include <string.h>

#include "core/config/config.h"
#include "core/inventory.h"
#include "lib/buf.h"
#include "lib/log.h"

void tw_daemon_check_owner_rules(struct tw_daemon *d, const struct tw_inventory *inv)
{
        struct tw_buf b;

        if (d->owner_rules_checked || !inv->listed[TW_LISTING_WORKSPACES])
                return;
        d->owner_rules_checked = true;
        tw_buf_init(&b, 0);
        if (tw_config_owner_unknown_workspaces(d->cfg, inv, &b) > 0)
                for (char *line = b.ptr, *nl; line && (nl = strchr(line, '\n')); line = nl + 1) {
                        *nl = '\0';
                        tw_log(TW_LOG_WARN, "owner rule never matches", "error", line, NULL);
                }
        tw_buf_done(&b);
}
