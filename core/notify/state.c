#include "core/notify/state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/inventory.h"
#include "core/notify/marks_internal.h"
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

void tw_notify_state_free(struct tw_notify_state *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_sinks; i++) {
                free(s->sinks[i].entries);
                free(s->sinks[i].marks);
        }
        free(s->sinks);
        tw_arena_done(&s->arena);
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

/* A finding's strings, rendered once per step whatever the number of
 * sinks it counts for, in the new state's arena. */
struct rendered {
        const char *token_id, *token_name, *message, *fix, *organization;
};

struct step {
        struct tw_notify_events out;
        const struct tw_inventory *inv;
        const struct tw_evaluation *ev;
        struct tw_arena *arena; /* the new state's */
        struct rendered *cache; /* per finding of ev; NULL message: not yet */
        struct tw_buf tmp;
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

/* A copy of text in a, "" for NULL; NULL on -ENOMEM. */
static const char *copy(struct tw_arena *a, const char *text)
{
        int failed = 0;
        const char *p = tw_arena_strdup(a, text ? text : "", &failed);

        return failed ? NULL : p;
}

/* The same for text that repeats (owner labels, organizations). */
static const char *intern(struct tw_arena *a, const char *text)
{
        int failed = 0;
        const char *p = tw_arena_intern(a, text ? text : "", &failed);

        return failed ? NULL : p;
}

/* Finding f's rendering (once per step), or NULL on -ENOMEM. */
static const struct rendered *render(struct step *st, const struct cand *c)
{
        struct rendered *rd = &st->cache[c->f - st->ev->findings];
        int r;

        if (rd->message)
                return rd;
        tw_buf_reset(&st->tmp);
        r = tw_finding_message(st->ev, st->inv, c->f, &st->tmp);
        rd->message = r >= 0 ? copy(st->arena, st->tmp.ptr) : NULL;
        tw_buf_reset(&st->tmp);
        r = tw_finding_fix(st->ev, st->inv, c->f, &st->tmp);
        rd->fix = r >= 0 ? copy(st->arena, st->tmp.ptr) : NULL;
        rd->token_id = copy(st->arena, c->token->id);
        rd->token_name = copy(st->arena, c->token->name);
        rd->organization = intern(st->arena, tw_token_organization_id(st->inv, c->token));
        if (!rd->message || !rd->fix || !rd->token_id || !rd->token_name || !rd->organization) {
                rd->message = NULL;
                return NULL;
        }
        return rd;
}

/* The owner labels of a new entry (filter.keep_owner), or NULL on -ENOMEM. */
static const char *owner_of(struct step *st, const struct tw_notify_filter *flt,
                            const struct tw_token *t)
{
        char *labels = NULL;
        const char *p;

        if (!flt->keep_owner)
                return "";
        if (tw_notify_owner_labels(flt, st->inv, t, &labels) < 0)
                return NULL;
        p = intern(st->arena, labels);
        free(labels);
        return p;
}

/* A new entry for candidate c, continuing old (or NULL). */
static int entry_from(struct step *st, struct tw_notify_entry *ret, const struct cand *c,
                      const struct tw_notify_entry *old, int64_t now,
                      const struct tw_notify_filter *flt)
{
        const struct rendered *rd = render(st, c);
        struct tw_notify_entry e = {0};

        if (!rd)
                return -ENOMEM;
        e.token_id = rd->token_id;
        e.token_name = rd->token_name;
        e.message = rd->message;
        e.fix = rd->fix;
        e.owner = old && old->owner ? intern(st->arena, old->owner) : owner_of(st, flt, c->token);
        e.organization = old && old->organization && *old->organization
                                 ? intern(st->arena, old->organization)
                                 : rd->organization;
        if (!e.owner || !e.organization)
                return -ENOMEM;
        e.kind = c->f->kind;
        e.severity = c->f->severity;
        e.since = old ? old->since : now;
        e.changed_at =
                old && old->kind == e.kind && old->severity == e.severity ? old->changed_at : now;
        e.last_sent = old ? old->last_sent : now;
        *ret = e;
        return 0;
}

/* A copy of old whose strings live in a. */
static int entry_clone(struct tw_arena *a, struct tw_notify_entry *ret,
                       const struct tw_notify_entry *old)
{
        struct tw_notify_entry e = *old;

        e.token_id = copy(a, old->token_id);
        e.token_name = copy(a, old->token_name);
        e.message = copy(a, old->message);
        e.fix = copy(a, old->fix);
        e.owner = intern(a, old->owner);
        e.organization = intern(a, old->organization);
        if (!e.token_id || !e.token_name || !e.message || !e.fix || !e.owner || !e.organization)
                return -ENOMEM;
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

/* An old entry no longer counted: it resolves when the data is complete,
 * else it is kept as it was and stays ACTIVE. */
static int uncounted(struct step *st, size_t si, const struct tw_notify_filter *flt,
                     const struct tw_notify_entry *o, bool complete, int64_t now,
                     struct tw_notify_sink_state *out)
{
        struct tw_notify_entry *e = &out->entries[out->n_entries];
        int r;

        if (complete)
                return push_event(st, si, flt->name, TW_NOTIFY_RESOLVED,
                                  tw_inventory_token(st->inv, o->token_id), o, NULL, now);
        r = entry_clone(st->arena, e, o);
        if (r < 0)
                return r;
        out->n_entries++;
        return push_event(st, si, flt->name, TW_NOTIFY_ACTIVE, NULL, e, NULL, now);
}

/* A counted candidate, continuing old (or NULL): its entry and its event. */
static int counted(struct step *st, size_t si, const struct tw_notify_filter *flt,
                   const struct cand *c, const struct tw_notify_entry *o, bool stale, int64_t now,
                   struct tw_notify_sink_state *out)
{
        struct tw_notify_entry *e = &out->entries[out->n_entries];
        enum tw_notify_event_type type;
        int r;

        r = entry_from(st, e, c, o, now, flt);
        if (r < 0)
                return r;
        out->n_entries++;
        type = decide(e, o, flt, now);
        if (type == TW_NOTIFY_CHANGED && stale) {
                /* on stale data a downgrade is not believed either */
                r = entry_clone(st->arena, e, o);
                if (r < 0)
                        return r;
                type = TW_NOTIFY_ACTIVE;
                o = NULL;
        }
        return push_event(st, si, flt->name, type, c->token, e, o, now);
}

static int step_sink(struct step *st, size_t si, const struct tw_notify_filter *flt,
                     const struct tw_notify_sink_state *old, int64_t now, bool stale,
                     struct tw_notify_sink_state *out)
{
        struct cand *c = NULL;
        size_t nc = 0, i = 0, j = 0, n_old = old ? old->n_entries : 0;
        bool complete = tw_inventory_complete(st->inv) && !stale;
        int r;

        r = collect(flt, st->inv, st->ev, &c, &nc);
        if (r < 0)
                return r;
        out->entries = calloc(nc + n_old + 1, sizeof(*out->entries));
        if (!out->entries)
                r = -ENOMEM;
        /* both sorted by (token id, family): a merge */
        while (r >= 0 && (i < nc || j < n_old)) {
                const struct tw_notify_entry *o = j < n_old ? &old->entries[j] : NULL;
                int cmp = i >= nc ? 1
                          : !o    ? -1
                                  : cmp_key(c[i].token->id, c[i].f->kind, o->token_id, o->kind);

                if (cmp > 0) {
                        r = uncounted(st, si, flt, o, complete, now, out);
                        j++;
                        continue;
                }
                if (cmp == 0)
                        j++;
                r = counted(st, si, flt, &c[i], cmp == 0 ? o : NULL, stale, now, out);
                i++;
        }
        free(c);
        return r;
}

int tw_notify_state_step(const struct tw_notify_state *old, const struct tw_inventory *inv,
                         const struct tw_evaluation *ev, const struct tw_notify_filter *filters,
                         size_t n_filters, int64_t now, bool stale,
                         struct tw_notify_state **ret_state, struct tw_notify_events *ret_events)
{
        struct tw_notify_state *s = NULL;
        struct step st = {.inv = inv, .ev = ev};
        int r = -ENOMEM;

        if (!inv || !ev || (n_filters && !filters) || ev->n_tokens != inv->n_tokens)
                return -EINVAL;
        tw_buf_init(&st.tmp, TW_BUF_MAX_DEFAULT);
        s = calloc(1, sizeof(*s));
        if (!s)
                goto fail;
        tw_arena_init(&s->arena);
        st.arena = &s->arena;
        s->sinks = calloc(n_filters + 1, sizeof(*s->sinks));
        st.cache = calloc(ev->n_findings + 1, sizeof(*st.cache));
        if (!s->sinks || !st.cache)
                goto fail;
        for (size_t i = 0; i < n_filters; i++) {
                struct tw_notify_sink_state *out = &s->sinks[s->n_sinks];

                out->name = copy(&s->arena, filters[i].name);
                if (!out->name) {
                        r = -ENOMEM;
                        goto fail;
                }
                s->n_sinks++;
                r = step_sink(&st, i, &filters[i], tw_notify_state_sink(old, filters[i].name), now,
                              stale, out);
                if (r < 0)
                        goto fail;
        }
        free(st.cache);
        tw_buf_done(&st.tmp);
        *ret_state = s;
        *ret_events = st.out;
        return 0;
fail:
        free(st.cache);
        tw_buf_done(&st.tmp);
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
                if (entry_clone(&s->arena, &entries[i], &o->entries[i]) < 0) {
                        free(entries);
                        return -ENOMEM;
                }
        if (tw_notify_stages_revert(dst, o, &s->arena) < 0) {
                free(entries);
                return -ENOMEM;
        }
        free(dst->entries);
        dst->entries = entries;
        dst->n_entries = n;
        return 0;
}
