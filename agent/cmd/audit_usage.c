/* See agent/cmd/audit_usage_internal.h. */
#include "agent/cmd/audit_usage_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/auditlog/auditlog.h"
#include "core/config/config.h"
#include "core/events.h"
#include "core/usage/usage.h"
#include "exporters/trail/trail.h"
#include "lib/log.h"
#include "lib/statefile.h"

#define LISTING_MAX ((size_t)256 << 20)

/* Merges one organization's index into *merged (taking it over when it is
 * the first).  0 or -ENOMEM. */
static int add_usage(struct tw_usage **merged, struct tw_usage *u)
{
        int r;

        if (!*merged) {
                *merged = u;
                return 0;
        }
        r = tw_usage_merge(*merged, u);
        tw_usage_free(u);
        return r;
}

int tw_cmd_usage_load(const struct tw_config *cfg, struct tw_usage **ret, char *file, size_t size)
{
        struct tw_usage *merged = NULL;
        int r = 0;

        for (size_t i = 0; r == 0 && i < tw_config_org_count(cfg); i++) {
                const struct tw_astro_config *a = tw_config_org(cfg, i);
                struct tw_usage *u = NULL;

                tw_auditlog_state_file(a->name, file, size);
                r = tw_usage_view_read(cfg->agent.state_dir, file, a->organization_id, a->api_url,
                                       &u);
                if (r == -ESRCH)
                        tw_log(TW_LOG_WARN,
                               "the audit-log usage file belongs to another organization or API: "
                               "left out",
                               "file", file, "api_url", a->api_url, NULL);
                if (r == -ENOENT || r == -ESRCH)
                        r = 0;
                else if (r == 0)
                        r = add_usage(&merged, u);
        }
        if (r < 0) {
                tw_usage_free(merged);
                return r;
        }
        *ret = merged;
        return 0;
}

int tw_cmd_audit_load_usage(const struct tw_config *cfg, struct tw_usage **ret_usage,
                            struct tw_listing **ret_listing)
{
        const char *state_dir = cfg->agent.state_dir;
        char *text = NULL, file[160];
        size_t len = 0;
        int r;

        *ret_usage = NULL;
        *ret_listing = NULL;
        r = tw_cmd_usage_load(cfg, ret_usage, file, sizeof(file));
        if (r < 0) {
                fprintf(stderr, "tokenwatch: cannot read the audit-log usage %s/%s: %s\n",
                        state_dir, file,
                        r == -EBADMSG ? "not a tokenwatch usage file (the daemon moves it aside "
                                        "and reads the audit logs again)"
                                      : strerror(-r));
                return r;
        }
        if (!*ret_usage)
                return 0;
        if (tw_statefile_read(state_dir, TW_TRAIL_LISTING_FILE, LISTING_MAX, &text, &len) == 0 &&
            tw_listing_from_json(text, len, ret_listing) < 0)
                *ret_listing = NULL;
        free(text);
        return 0;
}
