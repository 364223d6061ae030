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

/* The organizations' tokens, listed now; NULL when that fails (logged by
 * the collection). */
static struct tw_inventory *list_tokens(const struct tw_config *cfg, int64_t now)
{
        struct tw_inventory *inv = NULL;

        return tw_report_collect(cfg, NULL, now, &inv) == TW_EXIT_OK ? inv : NULL;
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
        if (r == 0 && tw_oneshot_usage_to_read(u))
                inv = list_tokens(cfg, now); /* NULL: noted by the read */
        if (r == 0)
                r = tw_oneshot_usage_read(u, inv, now);
        if (r == 0 && !inv && u->usage) {
                /* Names from the daemon's last listing, else (no daemon
                 * here: the usage was kept by an earlier command) listed
                 * now. */
                *ret_listing = saved_listing(cfg);
                if (!*ret_listing)
                        inv = list_tokens(cfg, now);
        }
        if (r == 0 && inv)
                r = tw_listing_from(inv, NULL, ret_listing);
        tw_inventory_free(inv);
        if (r < 0)
                tw_log(TW_LOG_ERROR, "cannot gather the audit-log usage", "error", strerror(-r),
                       NULL);
        return r;
}
