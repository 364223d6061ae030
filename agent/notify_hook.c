#include "agent/notify_hook.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "core/config.h"
#include "lib/log.h"
#include "exporters/notify.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"

struct tw_notify_hook {
        bool dry_run;
        struct tw_notifier *n;
        unsigned char fingerprint[32]; /* of the settings n was made from */
        bool have_fingerprint;
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

/* SHA-256 of every setting the notifier is made from (secrets included:
 * only the hash is kept). */
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
                add(&b, w->url);
                add(&b, w->url_file);
                add(&b, w->secret);
                add(&b, w->secret_file);
                add(&b, w->routing_key);
                add(&b, w->routing_key_file);
                for (size_t j = 0; j < w->n_workspaces; j++)
                        add(&b, w->workspaces[j]);
                tw_buf_printf(&b, "%d %d %u %" PRId64 " %d %" PRId64 " %zu\n", (int)w->format,
                              (int)w->min_severity, w->kinds, w->timeout, w->max_retries,
                              w->repeat_interval, w->queue_max);
        }
        if (!b.ptr || gnutls_hash_fast(GNUTLS_DIG_SHA256, b.ptr, b.len, out) < 0)
                memset(out, 0, 32);
        if (b.ptr)
                memset(b.ptr, 0, b.len);
        tw_buf_done(&b);
}

void tw_notify_hook_on_cycle(void *userdata, const struct tw_snapshot *snap,
                             const struct tw_agent_status *status, bool dry_run)
{
        struct tw_notify_hook *h = userdata;
        struct tw_notifier_options o = {.dry_run = h->dry_run || dry_run};
        unsigned char fp[32];
        struct tw_buf err;
        int r;

        (void)status;
        if (!snap || !snap->cfg || !snap->inv || !snap->ev)
                return;
        fingerprint(snap->cfg, fp);
        if (!h->have_fingerprint || memcmp(fp, h->fingerprint, sizeof(fp)) != 0) {
                tw_notifier_free(h->n);
                h->n = NULL;
                memcpy(h->fingerprint, fp, sizeof(fp));
                h->have_fingerprint = true;
                if (snap->cfg->n_webhooks == 0)
                        return;
                tw_buf_init(&err, 0);
                r = tw_notifier_new(snap->cfg, NULL, &o, &h->n, &err);
                if (r < 0)
                        tw_log(TW_LOG_ERROR,
                               "notifications disabled until the configuration is fixed", "error",
                               err.len ? err.ptr : strerror(-r), NULL);
                tw_buf_done(&err);
        }
        if (h->n)
                tw_notifier_cycle(h->n, snap, snap->ev->now);
}

void tw_notify_hook_flush(struct tw_notify_hook *h, int64_t timeout_ms)
{
        if (h && h->n && tw_notifier_flush(h->n, timeout_ms) < 0)
                tw_log(TW_LOG_WARN,
                       "exiting with notifications still queued; they are sent at the next start",
                       NULL);
}

int tw_notify_hook_metrics(void *userdata, struct tw_buf *out)
{
        struct tw_notify_hook *h = userdata;

        return h && h->n ? tw_notifier_metrics_render(h->n, out) : 0;
}

int tw_cmd_notify_test(const char *config_path, const char *sink)
{
        struct tw_notifier_options o = {.dry_run = true}; /* no threads, no queue */
        struct tw_config *cfg = NULL;
        struct tw_notifier *n = NULL;
        struct tw_buf err, out;
        int r, code = 2;

        tw_buf_init(&err, 0);
        tw_buf_init(&out, 0);
        r = tw_config_load_file(config_path, &cfg, &err);
        if (r >= 0) {
                tw_log_setup(cfg->agent.log_level, cfg->agent.log_format);
                r = tw_notifier_new(cfg, NULL, &o, &n, &err);
        }
        if (r < 0) {
                fprintf(stderr, "tokenwatch: %s\n", err.len ? err.ptr : strerror(-r));
                goto finish;
        }
        r = tw_notifier_test(n, sink, tw_now(), &out);
        fputs(out.ptr ? out.ptr : "", stdout);
        if (r == -ENOENT)
                fprintf(stderr, "tokenwatch: no [webhook.%s] in %s\n", sink ? sink : "*",
                        config_path);
        code = r == 0 ? 0 : r == -ENOENT ? 2 : 1;
finish:
        tw_notifier_free(n);
        tw_config_free(cfg);
        tw_buf_done(&err);
        tw_buf_done(&out);
        return code;
}
