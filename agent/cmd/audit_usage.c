/* See agent/cmd/audit_usage_internal.h. */
#include "agent/cmd/audit_usage_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cmd/collect_internal.h"
#include "agent/cmd/commands.h"
#include "agent/cmd/oneshot_usage_internal.h"
#include "core/config/config.h"
#include "core/events.h"
#include "core/inventory.h"
#include "exporters/trail/trail.h"
#include "lib/log.h"
#include "lib/statefile.h"

#define LISTING_MAX ((size_t)256 << 20)

/* The daemon's last listing, or NULL. */
static struct tw_listing *saved_listing(const struct tw_config *cfg)
{
        struct tw_listing *l = NULL;
        char *text = NULL;
        size_t len = 0;

        if (tw_statefile_read(cfg->agent.state_dir, TW_TRAIL_LISTING_FILE, LISTING_MAX, &text,
                              &len) == 0 &&
            tw_listing_from_json(text, len, &l) < 0)
                l = NULL;
        free(text);
        return l;
}

int tw_cmd_audit_usage(const struct tw_config *cfg, int64_t since_s, int64_t now,
                       struct tw_oneshot_usage *u, struct tw_listing **ret_listing)
{
        struct tw_oneshot_usage_options o = {.since_s = since_s,
                                             .progress = isatty(STDERR_FILENO) == 1};
        struct tw_inventory *inv = NULL;
        int r;

        *ret_listing = NULL;
        r = tw_oneshot_usage_plan(cfg, &o, now, u);
        if (r == 0 && tw_oneshot_usage_to_read(u) &&
            tw_report_collect(cfg, NULL, now, &inv) != TW_EXIT_OK)
                inv = NULL; /* said by the collection; noted by the read */
        if (r == 0)
                r = tw_oneshot_usage_read(u, inv, now);
        if (r == 0 && inv)
                r = tw_listing_from(inv, NULL, ret_listing);
        else if (r == 0 && u->usage)
                *ret_listing = saved_listing(cfg);
        tw_inventory_free(inv);
        if (r < 0)
                tw_log(TW_LOG_ERROR, "cannot gather the audit-log usage", "error", strerror(-r),
                       NULL);
        return r;
}
