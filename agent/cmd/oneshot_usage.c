/* Which usage a one-shot command shows, and the merge: see
 * agent/cmd/oneshot_usage_internal.h.  The reading is oneshot_usage_read.c. */
#include "agent/cmd/oneshot_usage_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/auditlog/auditlog.h"
#include "core/config/config.h"
#include "core/usage/usage.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"

/* $XDG_CACHE_HOME/tokenwatch, else $HOME/.cache/tokenwatch, into buf; ""
 * when neither is an absolute path. */
static void kept_dir(char *buf, size_t size)
{
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        int n = -1;

        if (xdg && xdg[0] == '/')
                n = snprintf(buf, size, "%s/tokenwatch", xdg);
        else if (home && home[0] == '/')
                n = snprintf(buf, size, "%s/.cache/tokenwatch", home);
        if (n < 0 || (size_t)n >= size)
                buf[0] = '\0';
}

/* "audit-usage.ID.json", the id kept to [A-Za-z0-9_-] (it comes from the
 * credential: never a path). */
static void kept_file(const char *org_id, char *buf, size_t size)
{
        char id[101];
        size_t n = 0;

        for (; org_id[n] && n < sizeof(id) - 1; n++) {
                char c = org_id[n];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_';

                id[n] = ok ? c : '_';
        }
        id[n] = '\0';
        snprintf(buf, size, "audit-usage.%s.json", n ? id : "_");
}

/* Whether an index read up to to_ms is recent: within two [audit_logs]
 * intervals of now. */
static bool recent(const struct tw_config *cfg, const struct tw_auditlog_view *v, int64_t now)
{
        return v->to_ms != TW_NO_TIME && now * 1000 - v->to_ms <= 2 * cfg->auditlog.interval * 1000;
}

/* The daemon's index, if it is fresh (and goes back the window --since
 * asks for); logs a file that cannot be read.  true: taken. */
static bool take_daemon(struct tw_oneshot_usage *u, struct oneshot_org *g, int64_t now)
{
        const char *dir = u->cfg->agent.state_dir;
        struct tw_auditlog_view v;
        char file[160];
        int r;

        tw_auditlog_state_file(g->a->name, file, sizeof(file));
        r = tw_auditlog_state_view(dir, file, *g->org_id ? g->org_id : NULL, g->a->api_url, &v);
        if (r < 0 && r != -ENOENT && r != -ESRCH)
                tw_log(TW_LOG_WARN,
                       "cannot read the daemon's audit-log usage: the audit logs are read instead",
                       "file", file, "state_dir", dir, "error",
                       r == -EBADMSG ? "not the expected format" : strerror(-r), NULL);
        if (r < 0)
                return false;
        if (!recent(u->cfg, &v, now) ||
            (u->o.since_s > 0 &&
             (v.from_ms == TW_NO_TIME || v.from_ms > (now - g->window) * 1000))) {
                tw_usage_free(v.usage);
                return false;
        }
        g->from = TW_USAGE_FROM_DAEMON;
        g->usage = v.usage;
        g->since = v.from_ms == TW_NO_TIME ? TW_NO_TIME : v.from_ms / 1000;
        g->until = v.to_ms / 1000;
        return true;
}

/* What an earlier one-shot command kept, if it is fresh and of the same
 * window.  true: taken. */
static bool take_kept(struct tw_oneshot_usage *u, struct oneshot_org *g, int64_t now)
{
        struct tw_auditlog_view v;

        if (!g->kept_dir[0] ||
            tw_auditlog_state_view(g->kept_dir, g->kept_file, g->org_id, g->a->api_url, &v) < 0)
                return false;
        if (!recent(u->cfg, &v, now) || v.from_ms == TW_NO_TIME ||
            v.to_ms - v.from_ms != g->window * 1000) {
                tw_usage_free(v.usage);
                return false;
        }
        g->from = TW_USAGE_FROM_KEPT;
        g->usage = v.usage;
        g->since = v.from_ms / 1000;
        g->until = v.to_ms / 1000;
        return true;
}

/* Sets up organization a's part: its credential, names and files. */
static int org_init(struct tw_oneshot_usage *u, struct oneshot_org *g,
                    const struct tw_astro_config *a, int64_t now)
{
        struct tw_buf err;
        const char *id;

        g->a = a;
        g->since = g->until = TW_NO_TIME;
        g->window = u->o.since_s > 0 ? u->o.since_s : u->cfg->auditlog.backfill;
        if (g->window > TW_AUDITLOG_BACKFILL_MAX_S)
                g->window = TW_AUDITLOG_BACKFILL_MAX_S;
        tw_buf_init(&err, 4096);
        g->have_cred = tw_credential_load_org(a, now, &g->cred, &err) == 0;
        if (!g->have_cred)
                tw_credential_done(&g->cred);
        tw_buf_done(&err);
        id = g->have_cred ? g->cred.organization_id : a->organization_id;
        g->org_id = strdup(id ? id : "");
        g->label = strdup(a->display_name ? a->display_name
                          : a->name       ? a->name
                          : id            ? id
                                          : "[astro]");
        if (!g->org_id || !g->label)
                return -ENOMEM;
        kept_dir(g->kept_dir, sizeof(g->kept_dir));
        kept_file(g->org_id, g->kept_file, sizeof(g->kept_file));
        return 0;
}

int tw_oneshot_usage_plan(const struct tw_config *cfg, const struct tw_oneshot_usage_options *o,
                          int64_t now, struct tw_oneshot_usage *u)
{
        const struct tw_astro_config *only =
                o->organization ? tw_config_org_find(cfg, o->organization) : NULL;
        size_t n = tw_config_org_count(cfg);

        *u = (struct tw_oneshot_usage){.cfg = cfg, .o = *o};
        if (cfg->auditlog.enabled == TW_AUDITLOG_OFF)
                return 0;
        if (o->since_s > TW_AUDITLOG_BACKFILL_MAX_S)
                tw_log(TW_LOG_WARN,
                       "--since goes back further than the Astro audit logs keep: usage is read "
                       "for their 90 days",
                       NULL);
        u->orgs = calloc(n ? n : 1, sizeof(*u->orgs));
        if (!u->orgs)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const struct tw_astro_config *a = tw_config_org(cfg, i);
                struct oneshot_org *g = &u->orgs[u->n_orgs];

                if (only && a != only)
                        continue;
                u->n_orgs++;
                if (org_init(u, g, a, now) < 0)
                        return -ENOMEM;
                g->to_read = !take_daemon(u, g, now) && !take_kept(u, g, now);
        }
        return 0;
}

bool tw_oneshot_usage_to_read(const struct tw_oneshot_usage *u)
{
        for (size_t i = 0; i < u->n_orgs; i++)
                if (u->orgs[i].to_read)
                        return true;
        return false;
}

/* Every organization's index into u->usage (taken from the first, merged
 * from the others), and one origin each for those with something to say. */
static int gather(struct tw_oneshot_usage *u)
{
        int r = 0;

        u->origins = calloc(u->n_orgs ? u->n_orgs : 1, sizeof(*u->origins));
        if (!u->origins)
                return -ENOMEM;
        for (size_t i = 0; r == 0 && i < u->n_orgs; i++) {
                struct oneshot_org *g = &u->orgs[i];

                if (g->off)
                        continue;
                u->origins[u->n_origins++] = (struct tw_usage_origin){
                        .organization_id = g->org_id,
                        .organization = g->label,
                        .from = g->from,
                        .since = g->since,
                        .until = g->until,
                        .note = g->note,
                };
                if (!g->usage)
                        continue;
                if (!u->usage) {
                        u->usage = g->usage;
                        g->usage = NULL;
                } else
                        r = tw_usage_merge(u->usage, g->usage);
        }
        return r;
}

int tw_oneshot_usage_read(struct tw_oneshot_usage *u, const struct tw_inventory *inv, int64_t now)
{
        int r = 0;

        for (size_t i = 0; r == 0 && i < u->n_orgs; i++)
                if (u->orgs[i].to_read)
                        r = tw_oneshot_read_org(&u->orgs[i], u->cfg, inv, u->o.progress, now);
        for (size_t i = 0; i < u->n_orgs; i++) {
                /* The bearer is needed no longer. */
                tw_credential_done(&u->orgs[i].cred);
                u->orgs[i].have_cred = false;
        }
        return r == 0 ? gather(u) : r;
}

void tw_oneshot_usage_done(struct tw_oneshot_usage *u)
{
        for (size_t i = 0; i < u->n_orgs; i++) {
                struct oneshot_org *g = &u->orgs[i];

                if (g->have_cred)
                        tw_credential_done(&g->cred);
                tw_usage_free(g->usage);
                free(g->org_id);
                free(g->label);
                free(g->note);
        }
        free(u->orgs);
        free(u->origins);
        tw_usage_free(u->usage);
        *u = (struct tw_oneshot_usage){0};
}
