#include "agent/cmd/collect_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cmd/commands.h"
#include "lib/buf.h"
#include "core/config/config.h"
#include "core/inventory.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "collectors/astro/astro.h"

/* An organization that could not be collected: no data, one error. */
static struct tw_inventory *failed_inventory(const struct tw_astro_config *a, const char *what,
                                             const char *message)
{
        struct tw_inventory *inv = tw_inventory_new(a->organization_id ? a->organization_id
                                                    : a->name          ? a->name
                                                                       : "",
                                                    a->api_version);

        if (!inv)
                return NULL;
        for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                inv->listed[k] = inv->all_pages[k] = false;
        if (tw_inventory_add_error(inv, what, message) < 0) {
                tw_inventory_free(inv);
                return NULL;
        }
        return inv;
}

/* Logs the collector's one "credential" error of a refused credential. */
static void log_rejected(const struct tw_inventory *inv, const char *section)
{
        for (size_t i = 0; i < inv->n_errors; i++)
                if (strcmp(inv->errors[i].listing, "credential") == 0)
                        tw_log(TW_LOG_ERROR, "cannot use the Astro API credential", "organization",
                               section, "error", inv->errors[i].message, NULL);
}

/* One organization; 0 with *ret_inv, or an exit code (logged). */
static int collect_one(const struct tw_astro_config *a, bool alone, int64_t now,
                       struct tw_inventory **ret_inv)
{
        struct tw_astro_one one;
        char sbuf[80];
        const char *section = tw_astro_section(a, sbuf, sizeof(sbuf));
        int code = 0;

        /* The credential's expiry is checked against the real clock: --now
         * asks what the policy will say later, not whether we can log in. */
        tw_astro_collect_one(a, tw_now(), now, NULL, 0, &one);
        switch (one.step) {
        case TW_ASTRO_COLLECTED:
                if (alone && one.inv->credential.rejected) {
                        /* Nothing was listed: a credential error, said once. */
                        log_rejected(one.inv, section);
                        code = TW_EXIT_CONFIG;
                        break;
                }
                *ret_inv = one.inv;
                one.inv = NULL;
                break;
        case TW_ASTRO_CREDENTIAL:
                tw_log(TW_LOG_ERROR, "cannot use the Astro API credential", "organization", section,
                       "error", one.message.ptr, NULL);
                if (alone)
                        code = TW_EXIT_CONFIG;
                else
                        code = (*ret_inv = failed_inventory(a, "credential", one.message.ptr))
                                       ? 0
                                       : TW_EXIT_CONFIG;
                break;
        case TW_ASTRO_TRANSPORT:
                tw_log(TW_LOG_ERROR, "cannot set up HTTP transport", NULL);
                code = TW_EXIT_CONFIG;
                break;
        case TW_ASTRO_COLLECTION:
                tw_log(TW_LOG_ERROR, "collection failed", "organization", section, "error",
                       strerror(-one.error), NULL);
                code = TW_EXIT_INCOMPLETE;
                if (!alone && (*ret_inv = failed_inventory(a, "collection", strerror(-one.error))))
                        code = 0;
                break;
        }
        tw_astro_one_done(&one);
        return code;
}

int tw_report_collect(const struct tw_config *cfg, const char *organization, int64_t now,
                      struct tw_inventory **ret_inv)
{
        size_t n = tw_config_org_count(cfg), n_parts = 0;
        const struct tw_astro_config *only = NULL;
        struct tw_inventory_part *parts;
        int code = 0;

        if (organization) {
                only = tw_config_org_find(cfg, organization);
                if (!only) {
                        tw_log(TW_LOG_ERROR,
                               "--organization names no organization of the configuration (an "
                               "[astro.NAME] name, an organization_id or a display_name)",
                               "organization", organization, NULL);
                        return TW_EXIT_CONFIG;
                }
        }
        parts = calloc(n, sizeof(*parts));
        if (!parts)
                return TW_EXIT_CONFIG;
        for (size_t i = 0; i < n && code == 0; i++) {
                const struct tw_astro_config *a = tw_config_org(cfg, i);
                struct tw_inventory *inv = NULL;

                if (only && a != only)
                        continue;
                code = collect_one(a, only || n == 1, now, &inv);
                if (code == 0)
                        parts[n_parts++] =
                                (struct tw_inventory_part){.inv = inv,
                                                           .name = a->name,
                                                           .display_name = a->display_name,
                                                           .fresh = true};
        }
        if (code == 0 && tw_inventory_merge(parts, n_parts, now, ret_inv) < 0) {
                tw_log(TW_LOG_ERROR, "cannot merge the organizations' data", "error",
                       strerror(ENOMEM), NULL);
                code = TW_EXIT_CONFIG;
        }
        for (size_t i = 0; i < n_parts; i++)
                tw_inventory_free((struct tw_inventory *)parts[i].inv);
        free(parts);
        return code;
}
