/* The notifier's digests: config checks, when one is due, building it
 * (exporters/notify/digest_internal.h). */
#include "exporters/notify/digest_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "core/notify/digest.h"
#include "core/notify/schedule.h"
#include "core/snapshot.h"
#include "lib/tz/tzif.h"
#include "exporters/sinks/sinks.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

struct one {
        bool on, events;
        struct tw_schedule schedule;
        struct tw_tz *tz; /* NULL: UTC */
};

struct tw_notify_digests {
        struct one *sinks;
        size_t n;
};

static void error_at(struct tw_buf *err, const struct tw_config *cfg,
                     const struct tw_webhook_config *w, const char *key)
{
        tw_buf_printf(err, "%s:%d: [webhook.%s] %s: ", cfg->path ? cfg->path : "<string>",
                      w->digest_line, w->name, key);
}

/* Loads the schedule's zone (NULL for UTC). */
static int load_zone(const struct tw_schedule *s, struct tw_tz **ret)
{
        *ret = NULL;
        return s->zone[0] ? tw_tz_load(NULL, s->zone, ret) : 0;
}

int tw_notify_digest_check(const struct tw_config *cfg, const struct tw_webhook_config *w,
                           const struct tw_sink_format *f, struct tw_buf *err)
{
        struct tw_tz *tz = NULL;
        int r;

        if (!w->digest.on)
                return 0;
        if (!f->digest) {
                error_at(err, cfg, w, "digest");
                tw_buf_printf(err, "not for format = %s: %s\n", f->name,
                              f->no_digest ? f->no_digest : "this format takes no digests");
                return -EINVAL;
        }
        r = load_zone(&w->digest.schedule, &tz);
        tw_tz_free(tz);
        if (r < 0) {
                error_at(err, cfg, w, "digest");
                tw_buf_printf(err, "time zone %s: %s\n", w->digest.schedule.zone,
                              r == -ENOENT   ? "unknown (not in " TW_TZ_DIR ")"
                              : r == -ENOMEM ? strerror(-r)
                                             : "cannot be loaded");
                return -EINVAL;
        }
        return 0;
}

int tw_notify_digests_new(const struct tw_config *cfg, struct tw_notify_digests **ret,
                          struct tw_buf *err)
{
        struct tw_notify_digests *d = calloc(1, sizeof(*d));
        int r = 0;

        if (!d || !(d->sinks = calloc(cfg->n_webhooks + 1, sizeof(*d->sinks)))) {
                free(d);
                return -ENOMEM;
        }
        d->n = cfg->n_webhooks;
        for (size_t i = 0; i < d->n && r >= 0; i++) {
                const struct tw_webhook_config *w = &cfg->webhooks[i];

                d->sinks[i].on = w->digest.on;
                d->sinks[i].events = w->events || !w->digest.on;
                d->sinks[i].schedule = w->digest.schedule;
                if (w->digest.on)
                        r = load_zone(&w->digest.schedule, &d->sinks[i].tz);
                if (r < 0)
                        tw_buf_printf(err, "webhook %s: digest time zone %s: %s\n", w->name,
                                      w->digest.schedule.zone, strerror(-r));
        }
        if (r < 0) {
                tw_notify_digests_free(d);
                return r;
        }
        *ret = d;
        return 0;
}

void tw_notify_digests_free(struct tw_notify_digests *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++)
                tw_tz_free(d->sinks[i].tz);
        free(d->sinks);
        free(d);
}

bool tw_notify_digests_events(const struct tw_notify_digests *d, size_t i)
{
        return !d || i >= d->n || d->sinks[i].events;
}

int tw_notify_digest_step(const struct tw_notify_digests *d, size_t i, const char *name,
                          const struct tw_sink_format *f, const struct tw_notify_filter *flt,
                          int64_t last, const struct tw_snapshot *snap,
                          const struct tw_sink_ctx *ctx, bool stale, int64_t data_from,
                          struct tw_notify_digest_out *out)
{
        const struct one *o = d && i < d->n ? &d->sinks[i] : NULL;
        struct tw_owner_policy policy, *pol = NULL;
        tw_sink_digest_fn build = f ? f->digest : NULL;
        struct tw_digest dg;
        int64_t prev;
        int r;

        memset(out, 0, sizeof(*out));
        out->period = TW_NO_TIME;
        if (!o || !o->on || !build)
                return 0;
        out->period = last;
        if (tw_schedule_prev(&o->schedule, o->tz, ctx->now, &prev) < 0)
                return 0;
        if (last == TW_NO_TIME) {
                out->period = prev; /* the baseline: the first digest comes at the next firing */
                return 0;
        }
        if (!tw_schedule_due(&o->schedule, o->tz, last, ctx->now))
                return 0;
        if (snap->cfg) {
                tw_config_owner_policy(snap->cfg, &policy);
                pol = &policy;
        }
        r = tw_digest_build(snap->inv, snap->ev, flt, pol, prev, &dg);
        if (r < 0)
                return r;
        dg.stale = stale;
        dg.data_from = data_from;
        tw_digest_key(name, prev, out->key);
        r = build(ctx, &dg, out->key, &out->body);
        tw_digest_done(&dg);
        if (r < 0)
                return r;
        out->period = prev;
        return 1;
}
