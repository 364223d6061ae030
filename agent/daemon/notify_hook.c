#include "agent/daemon/notify_hook.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "core/snapshot.h"
#include "core/status.h"
#include "exporters/notify/notify.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

struct tw_notify_hook {
        bool dry_run;
        struct tw_notifier *n;
        unsigned char fingerprint[32]; /* of the settings n was made from */
        bool have_fingerprint;
        bool failed;      /* n could not be made from them: retried every cycle */
        int64_t fresh_at; /* when the data was last fresh, 0: not yet */
};

struct tw_notify_hook *tw_notify_hook_new(bool dry_run)
{
        struct tw_notify_hook *h = calloc(1, sizeof(*h));

        if (h)
                h->dry_run = dry_run;
        return h;
}

void tw_notify_hook_free(struct tw_notify_hook *h)
{
        if (!h)
                return;
        tw_notifier_free(h->n);
        free(h);
}

static void add(struct tw_buf *b, const char *s)
{
        tw_buf_adds(b, s ? s : "(null)");
        tw_buf_addc(b, '\n');
}

/* Adds a secret file's path and content (a rotated secret re-opens the sink). */
static void add_file(struct tw_buf *b, const char *path)
{
        char *secret = NULL;

        add(b, path);
        if (path && tw_secret_read_file(path, &secret, NULL) >= 0)
                add(b, secret);
        tw_secret_free(secret);
}

/* The token change and staged expiry settings of a sink. */
static void add_notify_settings(struct tw_buf *b, const struct tw_webhook_config *w)
{
        tw_buf_printf(b, "changes %u stages", w->changes);
        for (size_t i = 0; i < w->expiry_notify_at.stages.n; i++)
                tw_buf_printf(b, " %" PRId64, w->expiry_notify_at.stages.lead[i]);
        tw_buf_addc(b, '\n');
}

/* SHA-256 of every setting the notifier is made from, secret files' contents
 * included (only the hash is kept). */
static void fingerprint(const struct tw_config *cfg, unsigned char out[32])
{
        struct tw_buf b;

        tw_buf_init(&b, 0);
        add(&b, cfg->agent.state_dir);
        add(&b, cfg->astro.organization_id);
        tw_buf_printf(&b, "%" PRId64 "\n", cfg->agent.interval);
        for (size_t i = 0; i < cfg->n_webhooks; i++) {
                const struct tw_webhook_config *w = &cfg->webhooks[i];

                add(&b, w->name);
                add(&b, w->format);
                add(&b, w->url);
                add_file(&b, w->url_file);
                add(&b, w->secret);
                add_file(&b, w->secret_file);
                add(&b, w->routing_key);
                add_file(&b, w->routing_key_file);
                for (size_t j = 0; j < w->n_workspaces; j++)
                        add(&b, w->workspaces[j]);
                for (size_t j = 0; j < w->n_teams; j++)
                        add(&b, w->teams[j]);
                tw_buf_printf(&b, "match\n");
                for (size_t j = 0; j < w->n_match; j++)
                        add(&b, w->match[j]);
                tw_buf_printf(&b, "%d %u %" PRId64 " %d %" PRId64 " %zu\n", (int)w->min_severity,
                              w->kinds, w->timeout, w->max_retries, w->repeat_interval,
                              w->queue_max);
                add_notify_settings(&b, w);
        }
        if (!b.ptr || gnutls_hash_fast(GNUTLS_DIG_SHA256, b.ptr, b.len, out) < 0)
                memset(out, 0, 32);
        tw_wipe(b.ptr, b.len);
        tw_buf_done(&b);
}

/* (Re)makes the notifier when the settings changed, or when it failed. */
static void ensure_notifier(struct tw_notify_hook *h, const struct tw_config *cfg, bool dry_run)
{
        struct tw_notifier_options o = {.dry_run = h->dry_run || dry_run};
        unsigned char fp[32];
        struct tw_buf err;
        bool changed;
        int r;

        fingerprint(cfg, fp);
        changed = !h->have_fingerprint || memcmp(fp, h->fingerprint, sizeof(fp)) != 0;
        if (!changed && !h->failed)
                return;
        tw_notifier_free(h->n);
        h->n = NULL;
        memcpy(h->fingerprint, fp, sizeof(fp));
        h->have_fingerprint = true;
        if (cfg->n_webhooks == 0) {
                h->failed = false;
                return;
        }
        tw_buf_init(&err, 0);
        r = tw_notifier_new(cfg, NULL, &o, &h->n, &err);
        if (r < 0 && (changed || !h->failed))
                tw_log(TW_LOG_ERROR, "notifications disabled; retrying every cycle", "error",
                       err.len ? err.ptr : strerror(-r), NULL);
        else if (r >= 0 && err.len)
                tw_log(TW_LOG_ERROR, "some webhooks cannot be used; retrying every cycle", "error",
                       err.ptr, NULL);
        else if (r >= 0 && h->failed && !changed)
                tw_log(TW_LOG_INFO, "notifications enabled again", NULL);
        h->failed = r < 0;
        tw_buf_done(&err);
}

void tw_notify_hook_on_cycle(void *userdata, const struct tw_snapshot *snap,
                             const struct tw_agent_status *status, bool dry_run)
{
        struct tw_notify_hook *h = userdata;
        struct tw_notifier_data data = {0};

        if (!snap || !snap->cfg || !snap->inv || !snap->ev)
                return;
        data.stale = status && !status->listing_success[TW_LISTING_TOKENS];
        if (!data.stale)
                h->fresh_at = snap->ev->now;
        data.collected_at = h->fresh_at ? h->fresh_at : status ? status->last_success : 0;
        ensure_notifier(h, snap->cfg, dry_run);
        if (h->n)
                tw_notifier_cycle(h->n, snap, snap->ev->now, &data);
}

void tw_notify_hook_on_events(void *userdata, const struct tw_snapshot *snap,
                              const struct tw_events *events, bool dry_run)
{
        struct tw_notify_hook *h = userdata;

        if (!snap || !snap->cfg || !snap->inv || !events)
                return;
        ensure_notifier(h, snap->cfg, dry_run);
        if (h->n)
                tw_notifier_events(h->n, events, snap->inv, snap->ev ? snap->ev->now : tw_now());
}

void tw_notify_hook_flush(struct tw_notify_hook *h, int64_t timeout_ms)
{
        if (h && h->n && tw_notifier_flush(h->n, timeout_ms) < 0)
                tw_log(TW_LOG_WARN,
                       "exiting with notifications still queued; they are sent at the next start",
                       NULL);
}

void tw_notify_hook_on_stop(void *userdata, bool once)
{
        struct tw_notify_hook *h = userdata;

        if (!h)
                return;
        if (once) /* let the senders deliver what this cycle queued */
                tw_notify_hook_flush(h, 30000);
        tw_notifier_free(h->n);
        h->n = NULL;
}

int tw_notify_hook_metrics(void *userdata, struct tw_buf *out)
{
        struct tw_notify_hook *h = userdata;

        return h && h->n ? tw_notifier_metrics_render(h->n, out) : 0;
}
