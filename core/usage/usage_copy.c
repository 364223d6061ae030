/* Copies of a usage index (core/usage/usage.h): the daemon's reader hands the
 * daemon's thread a deep copy after each fetch, and the indexes of several
 * organizations are merged into one for the evaluator and the exporters. */
#include "core/usage/usage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

static char *dup_str(const char *s, bool *failed)
{
        char *c;

        if (!s)
                return NULL;
        c = strdup(s);
        if (!c)
                *failed = true;
        return c;
}

static struct tw_usage_source *copy_sources(const struct tw_usage_source *s, size_t n, bool *failed)
{
        struct tw_usage_source *c = calloc(n ? n : 1, sizeof(*c));

        if (!c) {
                *failed = true;
                return NULL;
        }
        for (size_t i = 0; i < n; i++) {
                c[i] = s[i];
                c[i].value = dup_str(s[i].value, failed);
        }
        return c;
}

/* Appends a copy of token usage o to u (an id u holds already is counted
 * in tokens_dropped, as one over the limit would be).  0 or -ENOMEM. */
static int add_token_copy(struct tw_usage *u, const struct tw_token_usage *o)
{
        struct tw_token_usage *t;
        bool failed = false;

        if (tw_strmap_get(&u->by_id, o->token_id, NULL) || u->n_tokens >= u->lim.max_tokens) {
                u->tokens_dropped++;
                return 0;
        }
        if (tw_array_reserve((void **)&u->tokens, u->n_tokens, &u->cap_tokens, sizeof(*u->tokens)) <
            0)
                return -ENOMEM;
        t = &u->tokens[u->n_tokens];
        *t = *o;
        t->ips = t->agents = NULL;
        t->ops = NULL;
        t->n_ips = t->n_agents = t->n_ops = 0;
        t->token_id = dup_str(o->token_id, &failed);
        if (failed || tw_strmap_put(&u->by_id, t->token_id, u->n_tokens) < 0) {
                free(t->token_id);
                return -ENOMEM;
        }
        u->n_tokens++; /* counted now: tw_usage_free() frees the rest */
        t->ips = copy_sources(o->ips, o->n_ips, &failed);
        t->n_ips = t->ips ? o->n_ips : 0;
        t->agents = copy_sources(o->agents, o->n_agents, &failed);
        t->n_agents = t->agents ? o->n_agents : 0;
        t->ops = calloc(o->n_ops ? o->n_ops : 1, sizeof(*t->ops));
        for (size_t i = 0; t->ops && i < o->n_ops; i++) {
                t->ops[i] = o->ops[i];
                t->ops[i].op = dup_str(o->ops[i].op, &failed);
                t->n_ops++;
        }
        return failed || !t->ops ? -ENOMEM : 0;
}

static int add_event_copy(struct tw_usage *u, const struct tw_lifecycle_event *o)
{
        struct tw_lifecycle_event *ev;
        bool failed = false;

        if (tw_array_reserve((void **)&u->lifecycle, u->n_lifecycle, &u->cap_lifecycle,
                             sizeof(*u->lifecycle)) < 0)
                return -ENOMEM;
        ev = &u->lifecycle[u->n_lifecycle++];
        *ev = *o;
        ev->token_id = dup_str(o->token_id, &failed);
        ev->token_name = dup_str(o->token_name, &failed);
        ev->actor_id = dup_str(o->actor_id, &failed);
        ev->source_ip = dup_str(o->source_ip, &failed);
        ev->user_agent = dup_str(o->user_agent, &failed);
        return failed ? -ENOMEM : 0;
}

static int by_time(const void *a, const void *b)
{
        const struct tw_lifecycle_event *x = a, *y = b;

        return (x->at_ms > y->at_ms) - (x->at_ms < y->at_ms);
}

/* Keeps the newest max_lifecycle events, oldest first. */
static void trim_lifecycle(struct tw_usage *u)
{
        size_t extra;

        if (u->n_lifecycle <= u->lim.max_lifecycle)
                return;
        extra = u->n_lifecycle - u->lim.max_lifecycle;
        for (size_t i = 0; i < extra; i++) {
                free(u->lifecycle[i].token_id);
                free(u->lifecycle[i].token_name);
                free(u->lifecycle[i].actor_id);
                free(u->lifecycle[i].source_ip);
                free(u->lifecycle[i].user_agent);
        }
        memmove(u->lifecycle, u->lifecycle + extra, u->lim.max_lifecycle * sizeof(*u->lifecycle));
        u->n_lifecycle = u->lim.max_lifecycle;
}

int tw_usage_merge(struct tw_usage *into, const struct tw_usage *from)
{
        size_t had = into->n_lifecycle;
        int r = 0;

        into->entries += from->entries;
        into->unlinked += from->unlinked;
        into->tokens_dropped += from->tokens_dropped;
        for (size_t i = 0; r == 0 && i < from->n_tokens; i++)
                r = add_token_copy(into, &from->tokens[i]);
        for (size_t i = 0; r == 0 && i < from->n_lifecycle; i++)
                r = add_event_copy(into, &from->lifecycle[i]);
        if (had && into->n_lifecycle > had) /* two time-ordered runs: one order */
                qsort(into->lifecycle, into->n_lifecycle, sizeof(*into->lifecycle), by_time);
        trim_lifecycle(into);
        return r;
}

int tw_usage_copy(const struct tw_usage *u, struct tw_usage **ret)
{
        struct tw_usage *c = NULL;
        int r = tw_usage_new(&u->lim, &c);

        if (r == 0)
                r = tw_usage_merge(c, u);
        if (r < 0) {
                tw_usage_free(c);
                return r;
        }
        *ret = c;
        return 0;
}
