#include "core/notify/state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/inventory.h"
#include "core/notify/marks.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

/* A finding that counts for one sink. */
struct cand {
        const struct tw_token *token;
        const struct tw_finding *f;
};

static int cmp_key(const char *id_a, enum tw_finding_kind ka, const char *id_b,
                   enum tw_finding_kind kb)
{
        int c = strcmp(id_a, id_b);

        if (c)
                return c;
        return (int)tw_notify_family(ka) - (int)tw_notify_family(kb);
}

static int cmp_cand(const void *a, const void *b)
{
        const struct cand *x = a, *y = b;

        return cmp_key(x->token->id, x->f->kind, y->token->id, y->f->kind);
}

static void entry_done(struct tw_notify_entry *e)
{
        free(e->token_id);
        free(e->token_name);
        free(e->message);
        free(e->fix);
        free(e->owner);
        free(e->organization);
        memset(e, 0, sizeof(*e));
}

void tw_notify_state_free(struct tw_notify_state *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_sinks; i++) {
                for (size_t j = 0; j < s->sinks[i].n_entries; j++)
                        entry_done(&s->sinks[i].entries[j]);
                free(s->sinks[i].entries);
                tw_notify_stage_marks_free(s->sinks[i].marks, s->sinks[i].n_marks);
                free(s->sinks[i].name);
        }
        free(s->sinks);
        free(s);
}

const struct tw_notify_sink_state *tw_notify_state_sink(const struct tw_notify_state *s,
                                                        const char *name)
{
        for (size_t i = 0; s && name && i < s->n_sinks; i++)
                if (strcmp(s->sinks[i].name, name) == 0)
                        return &s->sinks[i];
        return NULL;
}

static char *dup_or_empty(const char *s)
{
        return strdup(s ? s : "");
}

struct step {
        struct tw_notify_events out;
        const struct tw_inventory *inv;
};

/* Appends the event of entry e (prev: the entry before, or NULL); tok is
 * e's token when the inventory still has it. */
static int push_event(struct step *st, size_t sink, const char *sink_name,
                      enum tw_notify_event_type type, const struct tw_token *tok,
                      const struct tw_notify_entry *e, const struct tw_notify_entry *prev,
                      int64_t now)
{
        struct tw_notify_event ev = {.expires_at = TW_NO_TIME};
        int r;

        ev.sink = sink;
        ev.type = type;
        ev.token_id = e->token_id;
        ev.token_name = e->token_name;
        ev.message = e->message;
        ev.fix = e->fix;
        ev.owner = e->owner;
        ev.organization = e->organization;
        ev.kind = e->kind;
        ev.severity = e->severity;
        ev.prev_kind = prev ? prev->kind : e->kind;
        ev.prev_severity = prev ? prev->severity : e->severity;
        ev.since = e->since;
        ev.changed_at = e->changed_at;
        ev.at = now;
        tw_notify_event_key(&ev, sink_name);
        /* the token object only for what push sinks send (not ACTIVE/CHANGED) */
        r = tok ? tw_notify_event_set_token(&ev, st->inv, tok, tw_notify_event_notifies(type)) : 0;
        if (r < 0)
                return r;
        return tw_notify_events_push(&st->out, &ev);
}

/* The finding's message (fix: its fix), or NULL on -ENOMEM. */
static char *render(const struct tw_evaluation *ev, const struct tw_inventory *inv,
                    const struct tw_finding *f, bool fix)
{
        struct tw_buf b;
        char *s = NULL;

        tw_buf_init(&b, TW_BUF_MAX_DEFAULT);
        if ((fix ? tw_finding_fix(ev, inv, f, &b) : tw_finding_message(ev, inv, f, &b)) >= 0)
                s = tw_buf_steal(&b);
        tw_buf_done(&b);
        return s;
}

/* A new entry for candidate c, continuing old (or NULL). */
static int entry_from(struct tw_notify_entry *ret, const struct cand *c,
                      const struct tw_notify_entry *old, int64_t now,
                      const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                      const struct tw_evaluation *ev)
{
        struct tw_notify_entry e = {0};

        e.token_id = dup_or_empty(c->token->id);
        e.token_name = dup_or_empty(c->token->name);
        e.message = render(ev, inv, c->f, false);
        e.fix = render(ev, inv, c->f, true);
        if (old && old->owner)
                e.owner = strdup(old->owner);
        else if (flt->keep_owner)
                (void)tw_notify_owner_labels(flt, inv, c->token, &e.owner);
        else
                e.owner = strdup("");
        e.organization = old && old->organization && *old->organization
                                 ? strdup(old->organization)
                                 : dup_or_empty(tw_token_organization_id(inv, c->token));
        if (!e.token_id || !e.token_name || !e.message || !e.fix || !e.owner || !e.organization) {
                entry_done(&e);
                return -ENOMEM;
        }
        e.kind = c->f->kind;
        e.severity = c->f->severity;
        e.since = old ? old->since : now;
        e.changed_at =
                old && old->kind == e.kind && old->severity == e.severity ? old->changed_at : now;
        e.last_sent = old ? old->last_sent : now;
        *ret = e;
        return 0;
}

static int entry_clone(struct tw_notify_entry *ret, const struct tw_notify_entry *old)
{
        struct tw_notify_entry e = *old;

        e.token_id = dup_or_empty(old->token_id);
        e.token_name = dup_or_empty(old->token_name);
        e.message = dup_or_empty(old->message);
        e.fix = dup_or_empty(old->fix);
        e.owner = dup_or_empty(old->owner);
        e.organization = dup_or_empty(old->organization);
        if (!e.token_id || !e.token_name || !e.message || !e.fix || !e.owner || !e.organization) {
                entry_done(&e);
                return -ENOMEM;
        }
        *ret = e;
        return 0;
}

/* Decides one matched pair: the event and the new entry's last_sent. */
static enum tw_notify_event_type decide(struct tw_notify_entry *e,
                                        const struct tw_notify_entry *old,
                                        const struct tw_notify_filter *flt, int64_t now)
{
        if (!old)
                return TW_NOTIFY_FIRING;
        if (e->kind != old->kind || e->severity > old->severity) {
                e->last_sent = now;
                return TW_NOTIFY_ESCALATED;
        }
        if (e->severity < old->severity)
                return TW_NOTIFY_CHANGED;
        if (flt->repeat_interval > 0 && now - old->last_sent >= flt->repeat_interval) {
                e->last_sent = now;
                return TW_NOTIFY_REMINDER;
        }
        return TW_NOTIFY_ACTIVE;
}

static int collect(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                   const struct tw_evaluation *ev, struct cand **ret, size_t *ret_n)
{
        struct cand *c = calloc(ev->n_findings ? ev->n_findings : 1, sizeof(*c));
        size_t n = 0;

        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < ev->n_findings; i++)
                if (tw_notify_filter_routes(flt, inv, &ev->findings[i]))
                        c[n++] = (struct cand){&inv->tokens[ev->findings[i].token],
                                               &ev->findings[i]};
        if (n)
                qsort(c, n, sizeof(*c), cmp_cand);
        /* Keep one per family: the more severe, expired over expiring on a tie. */
        size_t w = 0;
        for (size_t i = 0; i < n; i++) {
                if (w && cmp_cand(&c[w - 1], &c[i]) == 0) {
                        const struct tw_finding *a = c[w - 1].f, *b = c[i].f;

                        if (b->severity > a->severity ||
                            (b->severity == a->severity && b->kind == TW_FINDING_EXPIRED))
                                c[w - 1] = c[i];
                        continue;
                }
                c[w++] = c[i];
        }
        *ret = c;
        *ret_n = w;
        return 0;
}

/* On stale data a downgrade is not believed either: the old entry stays. */
static int keep_old(struct tw_notify_entry *e, const struct tw_notify_entry *old)
{
        struct tw_notify_entry copy;
        int r = entry_clone(&copy, old);

        if (r < 0)
                return r;
        entry_done(e);
        *e = copy;
        return 0;
}

static int step_sink(struct step *st, size_t si, const struct tw_notify_filter *flt,
                     const struct tw_notify_sink_state *old, const struct tw_inventory *inv,
                     const struct tw_evaluation *ev, int64_t now, bool stale,
                     struct tw_notify_sink_state *out)
{
        struct cand *c = NULL;
        size_t nc = 0, i = 0, j = 0, n_old = old ? old->n_entries : 0;
        bool complete = tw_inventory_complete(inv) && !stale;
        enum tw_notify_event_type type;
        int r;

        r = collect(flt, inv, ev, &c, &nc);
        if (r < 0)
                return r;
        out->entries = calloc(nc + n_old + 1, sizeof(*out->entries));
        if (!out->entries) {
                r = -ENOMEM;
                goto finish;
        }
        while (i < nc || j < n_old) {
                const struct tw_notify_entry *o = j < n_old ? &old->entries[j] : NULL;
                struct tw_notify_entry *e = &out->entries[out->n_entries];
                int cmp = i >= nc ? 1
                          : !o    ? -1
                                  : cmp_key(c[i].token->id, c[i].f->kind, o->token_id, o->kind);

                if (cmp > 0) { /* an old entry no longer counted */
                        j++;
                        if (complete) {
                                r = push_event(st, si, flt->name, TW_NOTIFY_RESOLVED,
                                               tw_inventory_token(inv, o->token_id), o, NULL, now);
                                if (r < 0)
                                        goto finish;
                                continue;
                        }
                        r = entry_clone(e, o);
                        if (r < 0)
                                goto finish;
                        out->n_entries++;
                        r = push_event(st, si, flt->name, TW_NOTIFY_ACTIVE, NULL, e, NULL, now);
                        if (r < 0)
                                goto finish;
                        continue;
                }
                if (cmp < 0)
                        o = NULL;
                else
                        j++;
                r = entry_from(e, &c[i], o, now, flt, inv, ev);
                if (r < 0)
                        goto finish;
                out->n_entries++;
                type = decide(e, o, flt, now);
                if (type == TW_NOTIFY_CHANGED && stale) {
                        r = keep_old(e, o);
                        if (r < 0)
                                goto finish;
                        type = TW_NOTIFY_ACTIVE;
                        o = NULL;
                }
                r = push_event(st, si, flt->name, type, c[i].token, e, o, now);
                if (r < 0)
                        goto finish;
                i++;
        }
finish:
        free(c);
        return r;
}

int tw_notify_state_step(const struct tw_notify_state *old, const struct tw_inventory *inv,
                         const struct tw_evaluation *ev, const struct tw_notify_filter *filters,
                         size_t n_filters, int64_t now, bool stale,
                         struct tw_notify_state **ret_state, struct tw_notify_events *ret_events)
{
        struct tw_notify_state *s = NULL;
        struct step st = {.inv = inv};
        int r;

        if (!inv || !ev || (n_filters && !filters) || ev->n_tokens != inv->n_tokens)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->sinks = calloc(n_filters + 1, sizeof(*s->sinks));
        if (!s->sinks) {
                r = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < n_filters; i++) {
                struct tw_notify_sink_state *out = &s->sinks[s->n_sinks];

                out->name = dup_or_empty(filters[i].name);
                if (!out->name) {
                        r = -ENOMEM;
                        goto fail;
                }
                s->n_sinks++;
                r = step_sink(&st, i, &filters[i], tw_notify_state_sink(old, filters[i].name), inv,
                              ev, now, stale, out);
                if (r < 0)
                        goto fail;
        }
        *ret_state = s;
        *ret_events = st.out;
        return 0;
fail:
        tw_notify_state_free(s);
        tw_notify_events_done(&st.out);
        return r;
}

int tw_notify_state_revert_sink(struct tw_notify_state *s, const struct tw_notify_state *old,
                                const char *name)
{
        const struct tw_notify_sink_state *o = tw_notify_state_sink(old, name);
        struct tw_notify_sink_state *dst = NULL;
        struct tw_notify_entry *entries;
        size_t n = o ? o->n_entries : 0;

        for (size_t i = 0; s && i < s->n_sinks; i++)
                if (strcmp(s->sinks[i].name, name) == 0)
                        dst = &s->sinks[i];
        if (!dst)
                return -ENOENT;
        entries = calloc(n + 1, sizeof(*entries));
        if (!entries)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (entry_clone(&entries[i], &o->entries[i]) < 0) {
                        while (i-- > 0)
                                entry_done(&entries[i]);
                        free(entries);
                        return -ENOMEM;
                }
        if (tw_notify_stages_revert(dst, o) < 0) {
                for (size_t i = 0; i < n; i++)
                        entry_done(&entries[i]);
                free(entries);
                return -ENOMEM;
        }
        for (size_t i = 0; i < dst->n_entries; i++)
                entry_done(&dst->entries[i]);
        free(dst->entries);
        dst->entries = entries;
        dst->n_entries = n;
        return 0;
}
