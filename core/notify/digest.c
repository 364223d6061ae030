/* A sink's digest: routed findings grouped by severity and team. */
#include "core/notify/digest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/inventory.h"
#include "core/notify/state.h"
#include "lib/idkey.h"

static const char *name_of(const struct tw_token *t)
{
        return t->name ? t->name : "";
}

static int cmp_entry(const void *a, const void *b)
{
        const struct tw_digest_entry *x = a, *y = b;
        int c;

        if (x->finding->severity != y->finding->severity)
                return x->finding->severity > y->finding->severity ? -1 : 1;
        if (!*x->team != !*y->team) /* no team: last */
                return *x->team ? -1 : 1;
        c = strcmp(x->team, y->team);
        if (!c)
                c = strcmp(name_of(x->token), name_of(y->token));
        if (!c)
                c = strcmp(x->token->id, y->token->id);
        if (!c)
                c = (int)x->finding->kind - (int)y->finding->kind;
        return c;
}

static int make_groups(struct tw_digest *d)
{
        d->groups = calloc(d->n_entries + 1, sizeof(*d->groups));
        if (!d->groups)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_entries; i++) {
                const struct tw_digest_entry *e = &d->entries[i];
                struct tw_digest_group *g = d->n_groups ? &d->groups[d->n_groups - 1] : NULL;

                if (e->finding->severity == TW_SEVERITY_CRITICAL)
                        d->n_critical++;
                else
                        d->n_warning++;
                if (g && g->severity == e->finding->severity && strcmp(g->team, e->team) == 0) {
                        g->n++;
                        continue;
                }
                d->groups[d->n_groups++] = (struct tw_digest_group){
                        .severity = e->finding->severity, .team = e->team, .first = i, .n = 1};
        }
        return 0;
}

int tw_digest_build(const struct tw_inventory *inv, const struct tw_evaluation *ev,
                    const struct tw_notify_filter *flt, const struct tw_owner_policy *policy,
                    int64_t period, struct tw_digest *ret)
{
        const struct tw_owner_policy none = {0};
        struct tw_digest d = {.inv = inv, .ev = ev, .period = period};
        struct tw_owner owner;
        int r;

        if (!inv || !ev || !flt || !ret || ev->n_tokens != inv->n_tokens)
                return -EINVAL;
        d.entries = calloc(ev->n_findings + 1, sizeof(*d.entries));
        if (!d.entries)
                return -ENOMEM;
        for (size_t i = 0; i < ev->n_findings; i++) {
                const struct tw_finding *f = &ev->findings[i];
                struct tw_digest_entry *e = &d.entries[d.n_entries];

                if (!tw_notify_filter_routes(flt, inv, f))
                        continue;
                e->token = &inv->tokens[f->token];
                e->finding = f;
                r = tw_owner_resolve(inv, e->token, policy ? policy : &none, &owner);
                if (r == 0)
                        memcpy(e->team, owner.team, sizeof(e->team));
                d.n_entries++;
        }
        if (d.n_entries)
                qsort(d.entries, d.n_entries, sizeof(*d.entries), cmp_entry);
        r = make_groups(&d);
        if (r < 0) {
                tw_digest_done(&d);
                return r;
        }
        *ret = d;
        return 0;
}

void tw_digest_done(struct tw_digest *d)
{
        if (!d)
                return;
        free(d->entries);
        free(d->groups);
        memset(d, 0, sizeof(*d));
}

void tw_digest_key(const char *sink, int64_t period, char ret[33])
{
        tw_idkey(ret, "digest\n%s\n%" PRId64, sink ? sink : "", period);
}
