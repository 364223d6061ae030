/* Findings that no sink receives: see exporters/notify/unrouted_internal.h. */
#include "exporters/notify/unrouted_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/notify/state.h"
#include "core/owner.h"
#include "exporters/metrics/metrics.h"
#include "lib/buf.h"
#include "lib/log.h"

#define LOG_MAX 10 /* lines a cycle */

static void keys_free(char **keys, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(keys[i]);
        free(keys);
}

void tw_unrouted_done(struct tw_unrouted *u)
{
        keys_free(u->keys, u->n);
        u->keys = NULL;
        u->n = 0;
}

static int cmp_key(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "token_id\nkind" into a new *ret; 0 or -ENOMEM. */
static int make_key(char **ret, const char *token_id, enum tw_finding_kind kind)
{
        size_t n = strlen(token_id) + 16;

        *ret = malloc(n);
        if (!*ret)
                return -ENOMEM;
        snprintf(*ret, n, "%s\n%d", token_id, (int)kind);
        return 0;
}

static bool had(const struct tw_unrouted *u, const char *key)
{
        return u->n && bsearch(&key, u->keys, u->n, sizeof(*u->keys), cmp_key);
}

/* Says that finding f reaches no sink. */
static void log_unrouted(const struct tw_inventory *inv, const struct tw_finding *f,
                         const struct tw_notify_filter *flt)
{
        static const struct tw_owner_policy defaults;
        const struct tw_token *t = &inv->tokens[f->token];
        struct tw_owner o = {0};

        if (tw_owner_resolve(inv, t, flt->owners ? flt->owners : &defaults, &o) < 0)
                o.team[0] = '\0';
        tw_log(TW_LOG_WARN,
               "a finding reaches no notification sink: every sink's min_severity, kinds, "
               "workspaces, teams and match leave it out",
               "token_id", t->id, "token_name", t->name ? t->name : "", "finding",
               tw_finding_kind_to_string(f->kind), "severity", tw_severity_to_string(f->severity),
               "team", o.team[0] ? o.team : "none", NULL);
}

int tw_unrouted_update(struct tw_unrouted *u, const struct tw_inventory *inv,
                       const struct tw_evaluation *ev, const struct tw_notify_filter *flts,
                       size_t n_flts)
{
        char **keys = calloc(ev->n_findings + 1, sizeof(*keys));
        size_t n = 0, fresh = 0;

        if (!keys)
                return -ENOMEM;
        for (size_t j = 0; j < ev->n_findings; j++) {
                const struct tw_finding *f = &ev->findings[j];
                bool routed = false;

                if (f->suppressed || f->severity < TW_SEVERITY_WARNING || f->token >= inv->n_tokens)
                        continue;
                for (size_t s = 0; s < n_flts && !routed; s++)
                        routed = tw_notify_filter_routes(&flts[s], inv, f);
                if (routed)
                        continue;
                if (make_key(&keys[n], inv->tokens[f->token].id, f->kind) < 0) {
                        keys_free(keys, n);
                        return -ENOMEM;
                }
                if (!had(u, keys[n]) && fresh++ < LOG_MAX)
                        log_unrouted(inv, f, &flts[0]);
                n++;
        }
        if (fresh > LOG_MAX) {
                char more[32];

                snprintf(more, sizeof(more), "%zu", fresh - LOG_MAX);
                tw_log(TW_LOG_WARN, "more findings reach no notification sink", "more", more, NULL);
        }
        qsort(keys, n, sizeof(*keys), cmp_key);
        u->total += fresh;
        tw_unrouted_done(u);
        u->keys = keys;
        u->n = n;
        return 0;
}

int tw_unrouted_metrics(const struct tw_unrouted *u, struct tw_buf *out)
{
        int r = tw_metrics_family(out, "tokenwatch_notifications_unrouted", "gauge",
                                  "Active findings that no notification sink receives (every "
                                  "sink's min_severity, kinds, workspaces, teams and match leave "
                                  "them out).");

        if (r == 0)
                r = tw_metrics_sample(out, "tokenwatch_notifications_unrouted", NULL, 0,
                                      (double)u->n);
        if (r == 0)
                r = tw_metrics_family(out, "tokenwatch_notifications_unrouted_total", "counter",
                                      "Findings that became unrouted (no notification sink "
                                      "receives them), each counted once until it is routed or "
                                      "gone.");
        if (r == 0)
                r = tw_metrics_sample(out, "tokenwatch_notifications_unrouted_total", NULL, 0,
                                      (double)u->total);
        return r;
}
