/* What every report format computes the same way: the time, the order of
 * tokens, the summary, the policy line, dates (report_internal.h). */
#include "exporters/report/report_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "core/evaluate/evaluate.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

int64_t tw_report_generated_at(const struct tw_snapshot *snap)
{
        return snap->ev ? snap->ev->now : snap->inv->collected_at;
}

struct order_key {
        size_t index;
        enum tw_severity severity;
        int64_t end_at;
};

/* Worst severity first, then soonest expiry (never last), then index. */
static int cmp_order_key(const void *a, const void *b)
{
        const struct order_key *x = a, *y = b;
        bool xnone = x->end_at == TW_NO_TIME, ynone = y->end_at == TW_NO_TIME;

        if (x->severity != y->severity)
                return x->severity > y->severity ? -1 : 1;
        if (xnone != ynone)
                return xnone ? 1 : -1;
        if (!xnone && x->end_at != y->end_at)
                return x->end_at < y->end_at ? -1 : 1;
        return x->index < y->index ? -1 : x->index > y->index;
}

int tw_report_worst_first(const struct tw_snapshot *snap, size_t **ret_order)
{
        const struct tw_inventory *inv = snap->inv;
        struct order_key *keys = NULL;
        size_t *order = NULL;
        size_t n = inv->n_tokens;
        int r = -ENOMEM;

        keys = calloc(n ? n : 1, sizeof(*keys));
        order = calloc(n ? n : 1, sizeof(*order));
        if (!keys || !order)
                goto out;
        for (size_t i = 0; i < n; i++) {
                keys[i].index = i;
                keys[i].severity = tw_evaluation_token_severity(snap->ev, i);
                keys[i].end_at = inv->tokens[i].end_at;
        }
        qsort(keys, n, sizeof(*keys), cmp_order_key);
        for (size_t i = 0; i < n; i++)
                order[i] = keys[i].index;
        *ret_order = order;
        order = NULL;
        r = 0;
out:
        free(keys);
        free(order);
        return r;
}

static int cmp_scope(const void *a, const void *b)
{
        return strcmp(((const struct tw_report_scope_count *)a)->scope,
                      ((const struct tw_report_scope_count *)b)->scope);
}

/* Counts one token's scope in s->scopes (few distinct scopes: linear). */
static int count_scope(struct tw_report_summary *s, const char *scope, size_t *cap)
{
        struct tw_report_scope_count *p;

        if (!scope)
                scope = "";
        for (size_t i = 0; i < s->n_scopes; i++)
                if (strcmp(s->scopes[i].scope, scope) == 0) {
                        s->scopes[i].count++;
                        return 0;
                }
        if (s->n_scopes == *cap) {
                size_t ncap = *cap ? *cap * 2 : 4;

                p = realloc(s->scopes, ncap * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                s->scopes = p;
                *cap = ncap;
        }
        s->scopes[s->n_scopes++] = (struct tw_report_scope_count){.scope = scope, .count = 1};
        return 0;
}

static void count_findings(const struct tw_snapshot *snap, size_t token,
                           struct tw_report_summary *s)
{
        const struct tw_finding *f = NULL;
        size_t n = tw_evaluation_token_findings(snap->ev, token, &f);

        for (size_t i = 0; i < n; i++) {
                if ((unsigned)f[i].kind >= _TW_FINDING_KIND_MAX ||
                    (unsigned)f[i].severity >= _TW_SEVERITY_MAX)
                        continue;
                if (f[i].suppressed) {
                        s->suppressed[f[i].kind][f[i].severity]++;
                        s->n_suppressed++;
                } else {
                        s->active[f[i].kind][f[i].severity]++;
                        s->n_active++;
                }
        }
}

int tw_report_summarize(const struct tw_snapshot *snap, struct tw_report_summary *ret)
{
        const struct tw_inventory *inv = snap->inv;
        struct tw_report_summary s = {.soonest = SIZE_MAX};
        int64_t now = tw_report_generated_at(snap);
        size_t cap = 0;

        s.n_tokens = inv->n_tokens;
        for (size_t i = 0; i < inv->n_tokens; i++) {
                const struct tw_token *t = &inv->tokens[i];

                if (count_scope(&s, t->scope, &cap) < 0) {
                        tw_report_summary_done(&s);
                        return -ENOMEM;
                }
                count_findings(snap, i, &s);
                s.tokens_by_severity[tw_evaluation_token_severity(snap->ev, i)]++;
                if (t->end_at == TW_NO_TIME) {
                        s.without_expiry++;
                } else if (now != TW_NO_TIME && t->end_at <= now) {
                        s.expired++;
                } else if (s.soonest == SIZE_MAX || t->end_at < inv->tokens[s.soonest].end_at) {
                        s.soonest = i;
                }
        }
        if (s.n_scopes > 1)
                qsort(s.scopes, s.n_scopes, sizeof(*s.scopes), cmp_scope);
        *ret = s;
        return 0;
}

void tw_report_summary_done(struct tw_report_summary *s)
{
        if (!s)
                return;
        free(s->scopes);
        s->scopes = NULL;
        s->n_scopes = 0;
}

int tw_report_describe_policy(const struct tw_snapshot *snap, struct tw_buf *out)
{
        if (!snap->cfg)
                return 0;
        return tw_policy_describe(&snap->cfg->policy, out);
}

int tw_report_add_date(struct tw_buf *out, int64_t t, const char *none_text)
{
        char ts[TW_RFC3339_LEN];

        if (t == TW_NO_TIME)
                return tw_buf_adds(out, none_text);
        tw_time_format(t, ts);
        return tw_buf_add(out, ts, 10);
}
