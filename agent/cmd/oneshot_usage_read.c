/* A one-shot command reads one organization's audit logs with the daemon's
 * collector: see agent/cmd/oneshot_usage_internal.h. */
#include "agent/cmd/oneshot_usage_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/cmd/progress_internal.h"
#include "collectors/auditlog/auditlog.h"
#include "core/config/config.h"
#include "core/inventory.h"
#include "core/usage/usage.h"
#include "lib/log.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"

/* A one-shot command's calls: one, and one retry (a 429, a 5xx): never more
 * than the 2 a minute the audit logs allow. */
#define ONESHOT_RETRIES 1

#define DENIED_NOTE                                                                      \
        "the credential may not read the Astro audit logs (403); an Organization Owner " \
        "credential would include it"

static int set_note(struct oneshot_org *g, const char *fmt, const char *arg)
{
        char text[512];

        snprintf(text, sizeof(text), fmt, arg);
        free(g->note);
        g->from = TW_USAGE_FROM_NONE;
        g->note = strdup(text);
        return g->note ? 0 : -ENOMEM;
}

/* The ids of inv's tokens of organization g (every token of a single
 * organization's inventory); NULL on -ENOMEM. */
static const char **token_ids(const struct tw_inventory *inv, const struct oneshot_org *g,
                              size_t *ret_n)
{
        const char **ids = calloc(inv->n_tokens ? inv->n_tokens : 1, sizeof(*ids));
        size_t n = 0;

        for (size_t i = 0; ids && i < inv->n_tokens; i++)
                if (inv->n_orgs <= 1 ||
                    strcmp(tw_token_organization_id(inv, &inv->tokens[i]), g->org_id) == 0)
                        ids[n++] = inv->tokens[i].id;
        *ret_n = n;
        return ids;
}

/* Makes the directory g's file is kept in (and its parent, ~/.cache),
 * and removes what an earlier command kept there (stale, another window
 * or another API: read again from nothing).  false: nothing is kept. */
static bool prepare_kept(struct oneshot_org *g)
{
        char parent[PATH_MAX], path[PATH_MAX + 200], *slash;
        int r;

        if (!g->kept_dir[0])
                return false;
        snprintf(parent, sizeof(parent), "%s", g->kept_dir);
        slash = strrchr(parent, '/');
        if (slash && slash != parent) {
                *slash = '\0';
                (void)mkdir(parent, 0700); /* ensure_dir says why if it failed */
        }
        r = tw_statefile_ensure_dir(g->kept_dir);
        if (r < 0) {
                tw_log(TW_LOG_DEBUG, "the audit logs read are not kept", "dir", g->kept_dir,
                       "error", tw_statefile_strerror(r), NULL);
                return false;
        }
        snprintf(path, sizeof(path), "%s/%s", g->kept_dir, g->kept_file);
        return unlink(path) == 0 || errno == ENOENT;
}

static void on_progress(void *ctx, uint64_t entries, uint64_t bytes)
{
        tw_progress_update(ctx, entries, bytes, tw_mono_ns());
}

/* Logs a failed fetch once and notes it (a 403 under auto: no note). */
static int failed(struct oneshot_org *g, const struct tw_config *cfg, int r,
                  const struct tw_auditlog_fetch_result *res)
{
        char status[16];
        const char *why;

        if (r == -EACCES) {
                bool on = cfg->auditlog.enabled == TW_AUDITLOG_ON;

                tw_log(on ? TW_LOG_ERROR : TW_LOG_WARN, "usage is not included: " DENIED_NOTE,
                       "organization", g->label, NULL);
                g->off = !on;
                return on ? set_note(g, "%s", DENIED_NOTE) : 0;
        }
        why = r == -EPERM                           ? "401: the credential was refused"
              : r == -EAGAIN                        ? "429: rate limited (2 calls a minute)"
              : res->error_text && *res->error_text ? res->error_text
                                                    : strerror(-r);
        snprintf(status, sizeof(status), "%ld", res->status);
        tw_log(TW_LOG_ERROR, "cannot read the Astro audit logs: usage is not included",
               "organization", g->label, "error", why, "status", status, "request_id",
               res->request_id, NULL);
        return set_note(g, "the Astro audit logs could not be read (%s)", why);
}

/* One fetch of [now - window, now) with a progress line; the collector's
 * error, its index copied into g->usage on success. */
static int fetch(struct oneshot_org *g, const char **ids, size_t n, bool progress, int64_t now,
                 struct tw_auditlog_fetch_result *res)
{
        struct tw_progress p;
        struct tw_auditlog_collector *c = NULL;
        char *base = tw_astro_api_base(g->a, "workspaces");
        bool keep = prepare_kept(g);
        struct tw_auditlog_options o = {
                .base_url = base,
                .api_url = g->a->api_url,
                .organization_id = g->org_id,
                .bearer = g->cred.token,
                .state_dir = keep ? g->kept_dir : NULL,
                .state_file = g->kept_file,
                .backfill_s = g->window,
                .max_retries = ONESHOT_RETRIES,
                .progress = on_progress,
                .progress_ctx = &p,
        };
        int r;

        tw_progress_init(&p, stderr, progress, "Reading the Astro audit logs");
        r = base ? tw_auditlog_collector_new(&o, now, &c, NULL) : -ENOMEM;
        if (r == 0)
                r = tw_usage_set_known_tokens(tw_auditlog_collector_usage(c), ids, n);
        if (r == 0)
                r = tw_auditlog_fetch(c, now, res);
        tw_progress_end(&p, res->complete, res->entries, res->bytes);
        if (r < 0 && res->complete) {
                /* Read whole; only keeping it failed. */
                tw_log(TW_LOG_DEBUG, "the audit logs read are not kept", "dir", g->kept_dir,
                       "error", tw_statefile_strerror(r), NULL);
                r = 0;
        }
        if (r == 0)
                r = tw_usage_copy(tw_auditlog_collector_usage(c), &g->usage) < 0 ? -ENOMEM : 0;
        tw_auditlog_collector_free(c);
        free(base);
        return r;
}

int tw_oneshot_read_org(struct oneshot_org *g, const struct tw_config *cfg,
                        const struct tw_inventory *inv, bool progress, int64_t now)
{
        struct tw_auditlog_fetch_result res = {0};
        const char **ids;
        size_t n;
        int r;

        g->to_read = false;
        if (!g->have_cred)
                return set_note(g, "%s", "the Astro API credential cannot be used");
        if (!inv)
                return set_note(g, "%s", "the tokens could not be listed");
        ids = token_ids(inv, g, &n);
        if (!ids)
                return -ENOMEM;
        if (n == 0 && !inv->listed[TW_LISTING_TOKENS]) {
                /* Nothing to link the entries to (the collection said why). */
                free(ids);
                return set_note(g, "%s", "the tokens could not be listed");
        }
        r = fetch(g, ids, n, progress, now, &res);
        free(ids);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return failed(g, cfg, r, &res);
        g->from = TW_USAGE_FROM_READ_NOW;
        g->since = now - g->window;
        g->until = now;
        return 0;
}
