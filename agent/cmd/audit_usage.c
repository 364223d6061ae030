/* See agent/cmd/audit_usage_internal.h. */
#include "agent/cmd/audit_usage_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/auditlog/auditlog.h"
#include "core/events.h"
#include "core/usage/usage.h"
#include "exporters/trail/trail.h"
#include "lib/statefile.h"

#define LISTING_MAX ((size_t)256 << 20)

int tw_cmd_audit_load_usage(const char *state_dir, struct tw_usage **ret_usage,
                            struct tw_listing **ret_listing)
{
        char *text = NULL;
        size_t len = 0;
        int r;

        *ret_usage = NULL;
        *ret_listing = NULL;
        r = tw_usage_view_read(state_dir, ret_usage);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                fprintf(stderr, "tokenwatch: cannot read the audit-log usage %s/%s: %s\n",
                        state_dir, TW_AUDITLOG_STATE_FILE,
                        r == -EBADMSG ? "not a tokenwatch usage file (the daemon moves it aside "
                                        "and reads the audit logs again)"
                                      : strerror(-r));
                return r;
        }
        if (tw_statefile_read(state_dir, TW_TRAIL_LISTING_FILE, LISTING_MAX, &text, &len) == 0 &&
            tw_listing_from_json(text, len, ret_listing) < 0)
                *ret_listing = NULL;
        free(text);
        return 0;
}
