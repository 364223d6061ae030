/* Staged expiry notices: see core/notify/state_stages.h. */
#include "core/notify/state_stages.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/evaluate/evaluate.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/notify/marks_internal.h"
#include "core/notify/stages.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

/* The index of the last stage notified, from its lead: the innermost stage
 * at or outside it (a config change keeps what was already sent). */
static int last_index(const struct tw_stages *st, int64_t lead)
{
        int idx = TW_STAGE_NONE;

        for (size_t i = 0; lead > 0 && i < st->n; i++)
                if (st->lead[i] >= lead)
                        idx = (int)i;
        return idx;
}

/* "30 days", "12 hours", "90 minutes". */
static void lead_text(int64_t lead, char *buf, size_t len)
{
        if (lead % 86400 == 0)
                snprintf(buf, len, "%" PRId64 " day%s", lead / 86400, lead == 86400 ? "" : "s");
        else if (lead % 3600 == 0)
                snprintf(buf, len, "%" PRId64 " hour%s", lead / 3600, lead == 3600 ? "" : "s");
        else
                snprintf(buf, len, "%" PRId64 " minutes", (lead + 59) / 60);
}

/* Whether the step already fires or escalates the token's expiry for sink si. */
static bool fired_for(const struct tw_notify_events *fired, size_t si, const char *id)
{
        for (size_t i = 0; fired && i < fired->n; i++) {
                const struct tw_notify_event *e = &fired->events[i];

                if (e->sink == si && tw_notify_family(e->kind) == TW_FINDING_EXPIRING &&
                    (e->type == TW_NOTIFY_FIRING || e->type == TW_NOTIFY_ESCALATED) &&
                    strcmp(e->token_id, id) == 0)
                        return true;
        }
        return false;
}

static int push_stage(struct tw_notify_events *ret, size_t si, const char *sink,
                      const struct tw_inventory *inv, const struct tw_token *t,
                      enum tw_severity sev, int64_t lead, int64_t now)
{
        struct tw_notify_event ev = {0};
        char when[TW_RFC3339_LEN], lt[48], msg[256];
        struct tw_buf fix;
        int r;

        lead_text(lead, lt, sizeof(lt));
        snprintf(msg, sizeof(msg),
                 "Expires at %s, in less than %s (expiry notice): rotate the token, or create a "
                 "replacement and move its pipelines to it, before then.",
                 tw_time_format(t->end_at, when), lt);
        tw_buf_init(&fix, 4096);
        r = tw_token_fix_command(t, TW_FIX_ROTATE, NULL, NULL, &fix);
        if (r == -ENOENT)
                r = 0; /* no command for the token's scope */
        ev.sink = si;
        ev.type = TW_NOTIFY_STAGE;
        ev.token_id = t->id;
        ev.token_name = t->name;
        ev.kind = ev.prev_kind = TW_FINDING_EXPIRING;
        ev.severity = ev.prev_severity = sev;
        ev.message = msg;
        ev.fix = fix.ptr ? fix.ptr : "";
        ev.since = ev.changed_at = ev.at = now;
        ev.lead = lead;
        tw_notify_event_key(&ev, sink);
        if (r >= 0)
                r = tw_notify_event_set_token(&ev, inv, t, true);
        if (r >= 0)
                r = tw_notify_events_push(ret, &ev);
        tw_buf_done(&fix);
        return r;
}

/* One sink's marks and notices; exp[i] is token i's expiry finding or NULL. */
static int stages_sink(struct tw_arena *arena, struct tw_notify_sink_state *out,
                       const struct tw_notify_sink_state *old, size_t si,
                       const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                       const struct tw_finding *const *exp, const struct tw_notify_events *fired,
                       int64_t now, struct tw_notify_events *ret)
{
        const struct tw_stages *st = flt->stages;
        struct tw_notify_marks m = {.arena = arena};
        int r = 0;

        for (size_t i = 0; i < inv->n_tokens && r >= 0; i++) {
                const struct tw_token *t = &inv->tokens[i];
                const struct tw_notify_stage_mark *om = tw_notify_stage_mark_find(old, t->id);
                struct tw_finding f = {.token = i, .kind = TW_FINDING_EXPIRING};
                int64_t lead = om && om->end_at == t->end_at ? om->lead : 0;
                int stage;

                if (!t->id || t->end_at == TW_NO_TIME)
                        continue;
                f.severity = exp[i] && exp[i]->severity > TW_SEVERITY_WARNING ? exp[i]->severity
                                                                              : TW_SEVERITY_WARNING;
                f.suppressed = exp[i] && exp[i]->suppressed;
                if (tw_notify_filter_routes(flt, inv, &f) &&
                    tw_stages_crossed(st, t->end_at, last_index(st, lead), now, &stage)) {
                        lead = st->lead[stage];
                        if (!fired_for(fired, si, t->id))
                                r = push_stage(ret, si, flt->name, inv, t, f.severity, lead, now);
                }
                if (r >= 0 && lead > 0)
                        r = tw_notify_marks_add(&m, t->id, t->end_at, lead);
        }
        /* a partial listing may only have missed a token: keep its mark */
        for (size_t i = 0; r >= 0 && old && !tw_inventory_complete(inv) && i < old->n_marks; i++)
                if (!tw_inventory_token(inv, old->marks[i].token_id))
                        r = tw_notify_marks_add(&m, old->marks[i].token_id, old->marks[i].end_at,
                                                old->marks[i].lead);
        if (r < 0) {
                tw_notify_marks_done(&m);
                return r;
        }
        return tw_notify_marks_install(&m, out);
}

int tw_notify_state_stages(struct tw_notify_state *s, const struct tw_notify_state *old,
                           const struct tw_inventory *inv, const struct tw_evaluation *ev,
                           const struct tw_notify_filter *filters, size_t n_filters,
                           const struct tw_notify_events *fired, int64_t now,
                           struct tw_notify_events *ret)
{
        const struct tw_finding **exp;
        int r = 0;

        if (!s || !inv || !ev || s->n_sinks != n_filters || ev->n_tokens != inv->n_tokens)
                return -EINVAL;
        exp = calloc(inv->n_tokens + 1, sizeof(*exp));
        if (!exp)
                return -ENOMEM;
        for (size_t i = 0; i < ev->n_findings; i++) {
                const struct tw_finding *f = &ev->findings[i];

                if (f->token < inv->n_tokens && tw_notify_family(f->kind) == TW_FINDING_EXPIRING &&
                    (!exp[f->token] || f->severity > exp[f->token]->severity))
                        exp[f->token] = f;
        }
        for (size_t i = 0; i < n_filters && r >= 0; i++) {
                const struct tw_notify_filter *flt = &filters[i];

                if (!flt->stages || !flt->stages->n)
                        continue;
                r = stages_sink(&s->arena, &s->sinks[i], tw_notify_state_sink(old, flt->name), i,
                                flt, inv, exp, fired, now, ret);
        }
        free(exp);
        return r;
}
