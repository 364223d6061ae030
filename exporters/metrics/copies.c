/* The copies' families of the metrics page: see exporters/metrics/copies.h. */
#include "exporters/metrics/copies.h"

#include <stdint.h>
#include <string.h>

#include "core/config/config.h"
#include "core/copies.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/snapshot.h"
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

static void sample(struct page *p, const char *name, const struct tw_metrics_label *l, size_t n,
                   double v)
{
        if (p->err >= 0)
                p->err = tw_metrics_sample(p->out, name, l, n, v);
}

/* The verdicts of snap's evaluation whose token is in its inventory. */
#define FOR_JUDGED(snap, v, t)                                                            \
        for (size_t _i = 0; (snap)->ev && (snap)->inv && _i < (snap)->ev->n_copies; _i++) \
                if (((v) = &(snap)->ev->copies[_i])->token < (snap)->inv->n_tokens &&     \
                    ((t) = &(snap)->inv->tokens[(v)->token]))

static void token_families(struct page *p, const struct tw_snapshot *snap)
{
        const struct tw_copy_verdict *v;
        const struct tw_token *t;

        header(p, "astro_token_copy_updated_timestamp_seconds", "gauge",
               "When the secret store last changed a copy of the token ([deliver.NAME]), Unix "
               "seconds; only stores that tell.");
        FOR_JUDGED(snap, v, t)
        {
                const struct tw_metrics_label l[] = {
                        {"token_id", t->id},
                        {"deliver", v->name},
                        {"organization", tw_token_organization_id(snap->inv, t)}};

                if (v->updated_at != TW_NO_TIME)
                        sample(p, "astro_token_copy_updated_timestamp_seconds", l, 3,
                               (double)v->updated_at);
        }
        header(p, "astro_token_copy_stale", "gauge",
               "1 when a copy of the token does not hold its current value (stale or missing), "
               "0 when it does; absent when that cannot be told.");
        FOR_JUDGED(snap, v, t)
        {
                const struct tw_metrics_label l[] = {
                        {"token_id", t->id},
                        {"deliver", v->name},
                        {"organization", tw_token_organization_id(snap->inv, t)}};
                bool stale = tw_copy_verdict_is_stale(v->verdict) || v->verdict == TW_COPY_MISSING;

                if (stale || v->verdict == TW_COPY_CURRENT)
                        sample(p, "astro_token_copy_stale", l, 3, stale);
        }
}

/* Whether copy i's token was found: the evaluation judged the same copies
 * and did not call its token unknown or ambiguous. */
static bool token_found(const struct tw_snapshot *snap, size_t i)
{
        const struct tw_evaluation *ev = snap->ev;

        if (!ev || ev->n_copies != snap->copies->n ||
            strcmp(ev->copies[i].name, snap->copies->configs[i].name) != 0)
                return true; /* not judged yet: the check alone counts */
        return ev->copies[i].verdict != TW_COPY_UNRESOLVED;
}

enum health { SUCCESS, LAST_CHECK, FAILURES };

static void health(struct page *p, const struct tw_snapshot *snap, enum health which)
{
        static const char *const names[] = {
                [SUCCESS] = "tokenwatch_copy_check_success",
                [LAST_CHECK] = "tokenwatch_copy_last_check_timestamp_seconds",
                [FAILURES] = "tokenwatch_copy_check_failures_total",
        };

        for (size_t i = 0; snap->copies && i < snap->copies->n; i++) {
                const struct tw_copy_state *s = &snap->copies->states[i];
                const struct tw_metrics_label l[] = {{"deliver", snap->copies->configs[i].name}};

                if (s->status == TW_COPY_STATE_UNCHECKED)
                        continue;
                sample(p, names[which], l, 1,
                       which == SUCCESS
                               ? (s->status == TW_COPY_STATE_CHECKED && token_found(snap, i))
                       : which == LAST_CHECK ? (double)s->checked_at
                                             : (double)s->failures);
        }
}

int tw_copies_metrics(const struct tw_snapshot *snap, struct tw_buf *out)
{
        struct page p = {.out = out, .err = 0};

        token_families(&p, snap);
        header(&p, "tokenwatch_copy_check_success", "gauge",
               "Whether the last check of a copy ([deliver.NAME]) read its secret store and found "
               "its token.");
        health(&p, snap, SUCCESS);
        header(&p, "tokenwatch_copy_last_check_timestamp_seconds", "gauge",
               "Unix time of the last check of a copy, good or failed.");
        health(&p, snap, LAST_CHECK);
        header(&p, "tokenwatch_copy_check_failures_total", "counter",
               "Checks of a copy that failed since the agent started.");
        health(&p, snap, FAILURES);
        return p.err;
}
