/* The audit-log families of the metrics page: see exporters/metrics/usage.h. */
#include "exporters/metrics/usage.h"

#include <errno.h>
#include <stddef.h>

#include "core/config/config.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/usage/usage.h"
#include "exporters/metrics/metrics.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

/* The page being written: the first error sticks. */
struct page {
        struct tw_buf *out;
        int err;
};

static void header(struct page *p, const char *name, const char *type, const char *help)
{
        if (p->err >= 0)
                p->err = tw_metrics_family(p->out, name, type, help);
}

/* name{k1="v1",...} value: labels as key/value pairs, NULL-terminated. */
static void sample(struct page *p, const char *name, const char *const *labels, double v)
{
        struct tw_metrics_label l[8];
        size_t n = 0;

        for (size_t i = 0; labels && labels[i] && n < sizeof(l) / sizeof(l[0]); i += 2)
                l[n++] = (struct tw_metrics_label){labels[i], labels[i + 1]};
        if (p->err >= 0)
                p->err = tw_metrics_sample(p->out, name, l, n, v);
}

/* Calls fn for every token of the inventory that has usage. */
#define FOR_USED_TOKENS(snap, tok, use)                                                       \
        for (size_t _i = 0; (snap)->inv && (snap)->usage && _i < (snap)->inv->n_tokens; _i++) \
                if (((tok) = &(snap)->inv->tokens[_i]) &&                                     \
                    ((use) = tw_usage_find((snap)->usage, (tok)->id)))

/* Every per-token series carries its token's organization (as in metrics.c). */
#define ORG(snap, t) tw_token_organization_id((snap)->inv, (t))

static void token_families(struct page *p, const struct tw_snapshot *snap)
{
        const struct tw_token *t;
        const struct tw_token_usage *u;

        header(p, "astro_token_last_seen_timestamp_seconds", "gauge",
               "Last call made with the token, from the Astro audit logs (Unix seconds).");
        FOR_USED_TOKENS(snap, t, u)
        {
                const char *l[] = {"token_id", t->id, "organization", ORG(snap, t), NULL};

                sample(p, "astro_token_last_seen_timestamp_seconds", l,
                       (double)(u->last_ms / 1000));
        }
        header(p, "astro_token_usage_calls", "gauge",
               "Calls made with the token seen in the Astro audit logs (the backfill and since).");
        FOR_USED_TOKENS(snap, t, u)
        {
                const char *l[] = {"token_id", t->id, "organization", ORG(snap, t), NULL};

                sample(p, "astro_token_usage_calls", l, (double)u->calls);
        }
        header(p, "astro_token_usage_sources", "gauge",
               "Distinct source IPs (kind ip) and user agents (kind user_agent) the token was "
               "used from, as kept by the usage index (at most 16 each).");
        FOR_USED_TOKENS(snap, t, u)
        {
                const char *ip[] = {"token_id", t->id, "organization", ORG(snap, t), "kind",
                                    "ip",       NULL};
                const char *ua[] = {"token_id",   t->id, "organization", ORG(snap, t), "kind",
                                    "user_agent", NULL};

                sample(p, "astro_token_usage_sources", ip, (double)u->n_ips);
                sample(p, "astro_token_usage_sources", ua, (double)u->n_agents);
        }
}

/* The source info family, with [audit_logs] metrics_sources only. */
static void source_family(struct page *p, const struct tw_snapshot *snap)
{
        const struct tw_token *t;
        const struct tw_token_usage *u;

        header(p, "astro_token_usage_source_info", "gauge",
               "A source IP (kind ip) or user agent (kind user_agent) the token was used from, "
               "from the Astro audit logs.");
        FOR_USED_TOKENS(snap, t, u)
        {
                for (size_t k = 0; k < u->n_ips; k++) {
                        const char *l[] = {"token_id",   t->id,           "organization",
                                           ORG(snap, t), "kind",          "ip",
                                           "source",     u->ips[k].value, NULL};

                        sample(p, "astro_token_usage_source_info", l, 1);
                }
                for (size_t k = 0; k < u->n_agents; k++) {
                        const char *l[] = {
                                "token_id",   t->id,    "organization",     ORG(snap, t), "kind",
                                "user_agent", "source", u->agents[k].value, NULL};

                        sample(p, "astro_token_usage_source_info", l, 1);
                }
        }
}

static void self_families(struct page *p, const struct tw_auditlog_status *st, double interval)
{
        header(p, "tokenwatch_audit_log_enabled", "gauge",
               "1 while the Astro audit logs are read ([audit_logs] enabled, and no 403 turned it "
               "off).");
        sample(p, "tokenwatch_audit_log_enabled", NULL, st && st->enabled ? 1 : 0);
        header(p, "tokenwatch_audit_log_interval_seconds", "gauge",
               "[audit_logs] interval: the time between two fetches of the Astro audit logs.");
        sample(p, "tokenwatch_audit_log_interval_seconds", NULL, interval);
        header(p, "tokenwatch_audit_log_last_success_timestamp_seconds", "gauge",
               "Last successful fetch of the Astro audit logs (Unix seconds).");
        if (st && st->last_success != TW_NO_TIME)
                sample(p, "tokenwatch_audit_log_last_success_timestamp_seconds", NULL,
                       (double)st->last_success);
        header(p, "tokenwatch_audit_log_entries_total", "counter",
               "Audit log entries taken since the agent started.");
        sample(p, "tokenwatch_audit_log_entries_total", NULL, st ? (double)st->entries : 0);
        header(p, "tokenwatch_audit_log_skipped_total", "counter",
               "Audit log lines skipped since the agent started, by reason.");
        for (int k = 0; k < _TW_AUDIT_SKIP_MAX; k++) {
                const char *l[] = {"reason", tw_auditlog_skip_to_string((enum tw_auditlog_skip)k),
                                   NULL};

                sample(p, "tokenwatch_audit_log_skipped_total", l, st ? (double)st->skipped[k] : 0);
        }
        header(p, "tokenwatch_audit_log_fetch_failures_total", "counter",
               "Fetches of the Astro audit logs that failed since the agent started.");
        sample(p, "tokenwatch_audit_log_fetch_failures_total", NULL, st ? (double)st->failures : 0);
}

int tw_usage_metrics(const struct tw_snapshot *snap, const struct tw_auditlog_status *st,
                     struct tw_buf *out)
{
        struct page p = {.out = out};

        if (!snap || !out)
                return -EINVAL;
        token_families(&p, snap);
        if (snap->cfg && snap->cfg->auditlog.metrics_sources)
                source_family(&p, snap);
        self_families(&p, st, snap->cfg ? (double)snap->cfg->auditlog.interval : 900);
        return p.err < 0 ? p.err : 0;
}
