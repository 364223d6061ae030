#include "core/notify/state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/inventory.h"
#include "core/notify/state_stages.h"
#include "lib/buf.h"
#include "lib/idkey.h"

static const char *const event_names[_TW_NOTIFY_EVENT_MAX] = {
        [TW_NOTIFY_FIRING] = "firing",     [TW_NOTIFY_ESCALATED] = "escalated",
        [TW_NOTIFY_RESOLVED] = "resolved", [TW_NOTIFY_REMINDER] = "reminder",
        [TW_NOTIFY_CHANGED] = "changed",   [TW_NOTIFY_ACTIVE] = "active",
        [TW_NOTIFY_STAGE] = "stage",
};

const char *tw_notify_event_to_string(enum tw_notify_event_type t)
{
        return (unsigned)t < _TW_NOTIFY_EVENT_MAX ? event_names[t] : "unknown";
}

bool tw_notify_event_notifies(enum tw_notify_event_type t)
{
        return t == TW_NOTIFY_FIRING || t == TW_NOTIFY_ESCALATED || t == TW_NOTIFY_RESOLVED ||
               t == TW_NOTIFY_REMINDER || t == TW_NOTIFY_STAGE;
}

enum tw_finding_kind tw_notify_family(enum tw_finding_kind k)
{
        return k == TW_FINDING_EXPIRED ? TW_FINDING_EXPIRING : k;
}

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

static bool name_listed(const struct tw_notify_filter *flt, const char *s)
{
        for (size_t i = 0; s && i < flt->n_workspaces; i++)
                if (flt->workspaces[i] && strcmp(flt->workspaces[i], s) == 0)
                        return true;
        return false;
}

/* Whether the workspace (by id) is one the sink routes, by id or name. */
static bool workspace_listed(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                             const char *ws_id)
{
        const struct tw_workspace *w;

        if (name_listed(flt, ws_id))
                return true;
        w = ws_id ? tw_inventory_workspace(inv, ws_id) : NULL;
        return w && name_listed(flt, w->name);
}

static bool token_in_workspaces(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                                const struct tw_token *t)
{
        for (size_t i = 0; i < t->n_roles; i++) {
                const struct tw_role *r = &t->roles[i];
                const struct tw_deployment *d;

                if (!r->entity_type || !r->entity_id)
                        continue;
                if (strcmp(r->entity_type, "WORKSPACE") == 0 &&
                    workspace_listed(flt, inv, r->entity_id))
                        return true;
                if (strcmp(r->entity_type, "DEPLOYMENT") == 0) {
                        d = tw_inventory_deployment(inv, r->entity_id);
                        if (d && workspace_listed(flt, inv, d->workspace_id))
                                return true;
                }
        }
        return false;
}

static bool counts(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                   const struct tw_finding *f)
{
        if (f->suppressed || f->token >= inv->n_tokens)
                return false;
        if (flt->kinds && !(flt->kinds & (1u << f->kind)))
                return false;
        if (f->severity < flt->min_severity || f->severity == TW_SEVERITY_NONE)
                return false;
        if (flt->n_workspaces && !token_in_workspaces(flt, inv, &inv->tokens[f->token]))
                return false;
        return tw_notify_filter_routes_owner(flt, inv, &inv->tokens[f->token]);
}

bool tw_notify_filter_routes(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                             const struct tw_finding *f)
{
        return flt && inv && f && counts(flt, inv, f);
}

static void entry_done(struct tw_notify_entry *e)
{
        free(e->token_id);
        free(e->token_name);
        free(e->message);
        free(e->owner);
        free(e->organization);
        memset(e, 0, sizeof(*e));
}

void tw_notify_event_done(struct tw_notify_event *e)
{
        if (!e)
                return;
        free(e->token_id);
        free(e->token_name);
        free(e->message);
        free(e->owner);
        free(e->organization);
        memset(e, 0, sizeof(*e));
}

void tw_notify_events_done(struct tw_notify_events *e)
{
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++)
                tw_notify_event_done(&e->events[i]);
        free(e->events);
        e->events = NULL;
        e->n = 0;
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

int tw_notify_event_copy(struct tw_notify_event *dst, const struct tw_notify_event *src)
{
        struct tw_notify_event e = *src;

        e.token_id = dup_or_empty(src->token_id);
        e.token_name = dup_or_empty(src->token_name);
        e.message = dup_or_empty(src->message);
        e.owner = dup_or_empty(src->owner);
        e.organization = dup_or_empty(src->organization);
        if (!e.token_id || !e.token_name || !e.message || !e.owner || !e.organization) {
                tw_notify_event_done(&e);
                return -ENOMEM;
        }
        *dst = e;
        return 0;
}

/* Fills the idempotency key: hex of SHA-256(sink, token, kind, event, at), cut to 32. */
void tw_notify_event_key(struct tw_notify_event *ev, const char *sink)
{
        tw_idkey(ev->idempotency_key, "%s\n%s\n%s\n%s\n%" PRId64, sink, ev->token_id,
                 tw_finding_kind_to_string(ev->kind), tw_notify_event_to_string(ev->type), ev->at);
}

struct step {
        struct tw_notify_events out;
        size_t cap;
};

static int push_event(struct step *st, size_t sink, const char *sink_name,
                      enum tw_notify_event_type type, const struct tw_token *tok,
                      const struct tw_notify_entry *e, const struct tw_notify_entry *prev,
                      int64_t now)
{
        struct tw_notify_event ev = {0};
        int r;

        if (st->out.n == st->cap) {
                size_t ncap = st->cap ? st->cap * 2 : 16;
                void *p = realloc(st->out.events, ncap * sizeof(ev));

                if (!p)
                        return -ENOMEM;
                st->out.events = p;
                st->cap = ncap;
        }
        ev.sink = sink;
        ev.type = type;
        ev.token = tok;
        ev.token_id = e->token_id;
        ev.token_name = e->token_name;
        ev.message = e->message;
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
        r = tw_notify_event_copy(&st->out.events[st->out.n], &ev);
        if (r < 0)
                return r;
        st->out.n++;
        return 0;
}

/* The finding's message, or NULL on -ENOMEM. */
static char *message_of(const struct tw_evaluation *ev, const struct tw_inventory *inv,
                        const struct tw_finding *f)
{
        struct tw_buf b;
        char *s = NULL;

        tw_buf_init(&b, TW_BUF_MAX_DEFAULT);
        if (tw_finding_text(ev, inv, f, &b) >= 0)
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
        e.message = message_of(ev, inv, c->f);
        if (old && old->owner)
                e.owner = strdup(old->owner);
        else if (flt->keep_owner)
                (void)tw_notify_owner_labels(flt, inv, c->token, &e.owner);
        else
                e.owner = strdup("");
        e.organization = old && old->organization && *old->organization
                                 ? strdup(old->organization)
                                 : dup_or_empty(tw_token_organization_id(inv, c->token));
        if (!e.token_id || !e.token_name || !e.message || !e.owner || !e.organization) {
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
        e.owner = dup_or_empty(old->owner);
        e.organization = dup_or_empty(old->organization);
        if (!e.token_id || !e.token_name || !e.message || !e.owner || !e.organization) {
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
                if (counts(flt, inv, &ev->findings[i]))
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
        struct step st = {0};
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
