#include "core/events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define ROLES_MAX \
        ((size_t)16 << 20) /* thousands of roles fit; a listing never fails on one token */
#define DETAIL_MAX 256

static const char *const kind_names[_TW_EVENT_KIND_MAX] = {
        [TW_EVENT_CREATED] = "created",
        [TW_EVENT_DELETED] = "deleted",
        [TW_EVENT_ROTATED] = "rotated",
        [TW_EVENT_ROLES_CHANGED] = "roles_changed",
        [TW_EVENT_RENAMED] = "renamed",
        [TW_EVENT_DESCRIPTION_CHANGED] = "description_changed",
        [TW_EVENT_EXPIRED] = "expired",
        [TW_EVENT_CREATOR_DEPARTED] = "creator_departed",
        [TW_EVENT_RENEWED] = "renewed",
        [TW_EVENT_RENEWAL_FAILED] = "renewal_failed",
        [TW_EVENT_RETIRE_HELD] = "retire_held",
};

bool tw_event_pushed(const struct tw_event *e)
{
        return e->severity != TW_SEVERITY_NONE || e->kind == TW_EVENT_RENEWED;
}

const char *tw_event_kind_to_string(enum tw_event_kind k)
{
        return (unsigned)k < _TW_EVENT_KIND_MAX ? kind_names[k] : "unknown";
}

int tw_event_kind_from_string(const char *s, enum tw_event_kind *ret)
{
        for (int k = 0; s && k < _TW_EVENT_KIND_MAX; k++)
                if (strcmp(s, kind_names[k]) == 0) {
                        *ret = (enum tw_event_kind)k;
                        return 0;
                }
        return -EINVAL;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The token's roles as one canonical string, so that a reordering by the API
 * is no change: "ENTITY_TYPE:entity_id=ROLE" sorted, joined by ", ". */
static int roles_text(const struct tw_token *t, char **ret)
{
        struct tw_buf b, one;
        char **items = NULL;
        size_t i, n = 0;
        int r = 0;

        tw_buf_init(&b, ROLES_MAX);
        tw_buf_init(&one, ROLES_MAX);
        if (t->n_roles) {
                items = calloc(t->n_roles, sizeof(*items));
                if (!items)
                        return -ENOMEM;
        }
        for (i = 0; i < t->n_roles; i++) {
                const struct tw_role *ro = &t->roles[i];

                tw_buf_reset(&one);
                r = tw_buf_printf(&one, "%s:%s=%s", ro->entity_type ? ro->entity_type : "?",
                                  ro->entity_id ? ro->entity_id : "?", ro->role ? ro->role : "?");
                if (r < 0)
                        goto out;
                items[n] = tw_buf_steal(&one);
                if (!items[n++]) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        qsort(items, n, sizeof(*items), cmp_str);
        for (i = 0; i < n && r >= 0; i++)
                r = tw_buf_printf(&b, "%s%s", i ? ", " : "", items[i]);
        if (r >= 0) {
                *ret = tw_buf_steal(&b);
                r = *ret ? 0 : -ENOMEM;
        }
out:
        for (i = 0; i < n; i++)
                free(items[i]);
        free(items);
        tw_buf_done(&b);
        tw_buf_done(&one);
        return r;
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

static void listed_token_done(struct tw_listed_token *t)
{
        free(t->id);
        free(t->name);
        free(t->description);
        free(t->short_token);
        free(t->scope);
        free(t->organization_id);
        free(t->roles);
        free(t->replaced_by);
}

int tw_listed_token_copy(struct tw_listed_token *dst, const struct tw_listed_token *src)
{
        *dst = *src;
        dst->id = strdup(src->id);
        dst->name = dup_or_null(src->name);
        dst->description = dup_or_null(src->description);
        dst->short_token = dup_or_null(src->short_token);
        dst->scope = dup_or_null(src->scope);
        dst->organization_id = dup_or_null(src->organization_id);
        dst->roles = dup_or_null(src->roles);
        dst->replaced_by = dup_or_null(src->replaced_by);
        if ((src->replaced_by && !dst->replaced_by) || !dst->id || (src->name && !dst->name) ||
            (src->description && !dst->description) || (src->short_token && !dst->short_token) ||
            (src->scope && !dst->scope) || (src->organization_id && !dst->organization_id) ||
            (src->roles && !dst->roles)) {
                listed_token_done(dst);
                memset(dst, 0, sizeof(*dst));
                return -ENOMEM;
        }
        return 0;
}

void tw_listing_free(struct tw_listing *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n_tokens; i++)
                listed_token_done(&l->tokens[i]);
        free(l->tokens);
        free(l);
}

static int cmp_listed(const void *a, const void *b)
{
        return strcmp(((const struct tw_listed_token *)a)->id,
                      ((const struct tw_listed_token *)b)->id);
}

/* Sets the evaluator's flags of token i. */
static void set_flags(struct tw_listed_token *lt, const struct tw_evaluation *ev, size_t i)
{
        const struct tw_finding *f = NULL;
        size_t n = tw_evaluation_token_findings(ev, i, &f);

        for (size_t j = 0; j < n; j++) {
                lt->creator_departed |= f[j].kind == TW_FINDING_ORPHANED;
                lt->no_expiry |= f[j].kind == TW_FINDING_NO_EXPIRY;
                lt->over_privileged |= f[j].kind == TW_FINDING_OVER_PRIVILEGED;
        }
}

int tw_listing_from(const struct tw_inventory *inv, const struct tw_evaluation *ev,
                    struct tw_listing **ret_listing)
{
        struct tw_listing *l;
        int r = -ENOMEM;

        if (!inv || !ret_listing)
                return -EINVAL;
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->observed_at = inv->collected_at;
        if (inv->n_tokens) {
                l->tokens = calloc(inv->n_tokens, sizeof(*l->tokens));
                if (!l->tokens)
                        goto fail;
        }
        for (size_t i = 0; i < inv->n_tokens; i++) {
                const struct tw_token *t = &inv->tokens[i];
                struct tw_listed_token *lt = &l->tokens[l->n_tokens++];

                lt->id = strdup(t->id);
                lt->name = dup_or_null(t->name);
                lt->description = dup_or_null(t->description);
                lt->short_token = dup_or_null(t->short_token);
                lt->scope = dup_or_null(t->scope);
                lt->organization_id = dup_or_null(tw_token_organization_id(inv, t));
                if (!lt->id || (t->name && !lt->name) || (t->description && !lt->description) ||
                    (t->short_token && !lt->short_token) || (t->scope && !lt->scope) ||
                    !lt->organization_id)
                        goto fail;
                r = roles_text(t, &lt->roles);
                if (r < 0)
                        goto fail;
                lt->start_at = t->start_at;
                lt->end_at = t->end_at;
                lt->last_used_at = t->last_used_at;
                lt->last_rotated_at = t->last_rotated_at;
                set_flags(lt, ev, i);
        }
        tw_listing_sort(l); /* the inventory's ids are unique */
        *ret_listing = l;
        return 0;
fail:
        tw_listing_free(l);
        return r < 0 ? r : -ENOMEM;
}

int tw_listing_sort(struct tw_listing *l)
{
        qsort(l->tokens, l->n_tokens, sizeof(*l->tokens), cmp_listed);
        for (size_t i = 1; i < l->n_tokens; i++)
                if (strcmp(l->tokens[i - 1].id, l->tokens[i].id) == 0)
                        return -EBADMSG;
        return 0;
}

const struct tw_listed_token *tw_listing_find(const struct tw_listing *l, const char *id)
{
        struct tw_listed_token key = {.id = (char *)id};

        if (!l || !id || !l->n_tokens)
                return NULL;
        return bsearch(&key, l->tokens, l->n_tokens, sizeof(*l->tokens), cmp_listed);
}

void tw_event_done(struct tw_event *e)
{
        if (!e)
                return;
        free(e->token_id);
        free(e->token_name);
        free(e->scope);
        free(e->organization_id);
        free(e->before);
        free(e->after);
        free(e->detail);
        free(e->replaced_by);
        memset(e, 0, sizeof(*e));
}

void tw_events_done(struct tw_events *e)
{
        if (!e)
                return;
        for (size_t i = 0; i < e->n_events; i++)
                tw_event_done(&e->events[i]);
        free(e->events);
        e->events = NULL;
        e->n_events = 0;
}

struct diff {
        struct tw_events out;
        size_t cap;
        int64_t now;
        const struct tw_event_policy *policy;
};

static bool str_eq(const char *a, const char *b)
{
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Appends one event about t; before/after/detail are copied (NULL: none). */
static int add(struct diff *d, enum tw_event_kind kind, enum tw_severity sev,
               const struct tw_listed_token *t, const char *before, const char *after,
               const char *detail)
{
        struct tw_event *e;

        if (tw_array_reserve((void **)&d->out.events, d->out.n_events, &d->cap,
                             sizeof(*d->out.events)) < 0)
                return -ENOMEM;
        e = &d->out.events[d->out.n_events];
        memset(e, 0, sizeof(*e));
        e->kind = kind;
        e->severity = sev;
        e->observed_at = d->now;
        e->token_id = strdup(t->id);
        e->token_name = dup_or_null(t->name);
        e->scope = dup_or_null(t->scope);
        e->organization_id = dup_or_null(t->organization_id);
        e->before = dup_or_null(before);
        e->after = dup_or_null(after);
        e->detail = dup_or_null(detail);
        if (!e->token_id || (t->name && !e->token_name) || (t->scope && !e->scope) ||
            (t->organization_id && !e->organization_id) || (before && !e->before) ||
            (after && !e->after) || (detail && !e->detail)) {
                tw_event_done(e);
                return -ENOMEM;
        }
        d->out.n_events++;
        return 0;
}

/* Critical when the token was used within the window before `at`: its
 * pipelines are failing now.  Writes the evidence into detail. */
static enum tw_severity in_use(const struct diff *d, const struct tw_listed_token *t, int64_t at,
                               char detail[DETAIL_MAX])
{
        char when[TW_RFC3339_LEN];

        detail[0] = '\0';
        if (t->last_used_at == TW_NO_TIME) {
                snprintf(detail, DETAIL_MAX, "never used");
                return TW_SEVERITY_NONE;
        }
        tw_time_format(t->last_used_at, when);
        if (at - t->last_used_at <= d->policy->in_use_window) {
                snprintf(detail, DETAIL_MAX,
                         "in use: last used %s; pipelines that use it are failing now", when);
                return TW_SEVERITY_CRITICAL;
        }
        snprintf(detail, DETAIL_MAX, "last used %s", when);
        return TW_SEVERITY_NONE;
}

static int created(struct diff *d, const struct tw_listed_token *t)
{
        const char *why = t->no_expiry && t->over_privileged ? "no expiry, role above the ceiling"
                          : t->no_expiry                     ? "no expiry"
                          : t->over_privileged               ? "role above the ceiling"
                                                             : NULL;

        return add(d, TW_EVENT_CREATED, why ? TW_SEVERITY_WARNING : TW_SEVERITY_NONE, t, NULL,
                   t->roles, why);
}

static int deleted(struct diff *d, const struct tw_listed_token *t)
{
        char detail[DETAIL_MAX];
        enum tw_severity sev = in_use(d, t, d->now, detail);
        struct tw_event *e;
        int r;

        if (t->replaced_by) {
                sev = TW_SEVERITY_NONE;
                snprintf(detail, DETAIL_MAX, "replaced by %s (renewed by tokenwatch)",
                         t->replaced_by);
        }
        r = add(d, TW_EVENT_DELETED, sev, t, t->roles, NULL, detail);
        if (r < 0 || !t->replaced_by)
                return r;
        e = &d->out.events[d->out.n_events - 1];
        e->replaced_by = strdup(t->replaced_by);
        return e->replaced_by ? 0 : -ENOMEM;
}

/* A rotation keeps the id: a newer lastRotatedAt, or a new startAt/shortToken. */
static bool rotated(const struct tw_listed_token *a, const struct tw_listed_token *b)
{
        if (b->last_rotated_at != TW_NO_TIME &&
            (a->last_rotated_at == TW_NO_TIME || b->last_rotated_at > a->last_rotated_at))
                return true;
        return a->start_at != b->start_at || !str_eq(a->short_token, b->short_token);
}

static int changed(struct diff *d, const struct tw_listing *prev, const struct tw_listed_token *a,
                   const struct tw_listed_token *b)
{
        char x[TW_RFC3339_LEN], y[TW_RFC3339_LEN], detail[DETAIL_MAX];
        int r = 0;

        if (rotated(a, b)) {
                tw_time_format(a->start_at, x);
                tw_time_format(b->start_at, y);
                r = add(d, TW_EVENT_ROTATED, TW_SEVERITY_NONE, b,
                        a->start_at == TW_NO_TIME ? NULL : x, b->start_at == TW_NO_TIME ? NULL : y,
                        NULL);
        }
        if (r >= 0 && !str_eq(a->roles, b->roles))
                r = add(d, TW_EVENT_ROLES_CHANGED,
                        b->over_privileged && !a->over_privileged ? TW_SEVERITY_WARNING
                                                                  : TW_SEVERITY_NONE,
                        b, a->roles, b->roles,
                        b->over_privileged && !a->over_privileged ? "role above the ceiling"
                                                                  : NULL);
        if (r >= 0 && !str_eq(a->name, b->name))
                r = add(d, TW_EVENT_RENAMED, TW_SEVERITY_NONE, b, a->name, b->name, NULL);
        if (r >= 0 && !str_eq(a->description, b->description))
                r = add(d, TW_EVENT_DESCRIPTION_CHANGED, TW_SEVERITY_NONE, b, a->description,
                        b->description, NULL);
        if (r >= 0 && b->end_at != TW_NO_TIME && b->end_at > prev->observed_at &&
            b->end_at <= d->now) {
                enum tw_severity sev = in_use(d, b, b->end_at, detail);

                tw_time_format(b->end_at, x);
                r = add(d, TW_EVENT_EXPIRED, sev, b, NULL, x, detail);
        }
        if (r >= 0 && b->creator_departed && !a->creator_departed)
                r = add(d, TW_EVENT_CREATOR_DEPARTED, TW_SEVERITY_NONE, b, NULL, NULL, NULL);
        return r;
}

int tw_events_diff(const struct tw_listing *prev, const struct tw_listing *cur, bool cur_complete,
                   const struct tw_event_policy *policy, int64_t now, struct tw_events *ret_events)
{
        struct diff d = {.now = now, .policy = policy};
        size_t i = 0, j = 0;
        int r = 0;

        if (!cur || !policy || !ret_events)
                return -EINVAL;
        if (!prev) {
                *ret_events = d.out;
                return 0;
        }
        /* A merge walk over both listings, sorted by id. */
        while (r >= 0 && (i < prev->n_tokens || j < cur->n_tokens)) {
                int c = i == prev->n_tokens  ? 1
                        : j == cur->n_tokens ? -1
                                             : strcmp(prev->tokens[i].id, cur->tokens[j].id);

                if (c < 0) {
                        if (cur_complete)
                                r = deleted(&d, &prev->tokens[i]);
                        i++;
                } else if (c > 0) {
                        r = created(&d, &cur->tokens[j++]);
                } else {
                        r = changed(&d, prev, &prev->tokens[i++], &cur->tokens[j++]);
                }
        }
        if (r < 0) {
                tw_events_done(&d.out);
                return r;
        }
        *ret_events = d.out;
        return 0;
}
