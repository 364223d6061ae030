#include "core/usage/usage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/usage/permissions_internal.h"
#include "lib/buf.h"
#include "lib/timeutil.h"
#include "lib/utf8.h"

#define OP_MAX 256
#define ID_MAX 128

const char *tw_lifecycle_action_to_string(enum tw_lifecycle_action a)
{
        static const char *const names[] = {
                [TW_LIFECYCLE_CREATED] = "created",
                [TW_LIFECYCLE_UPDATED] = "updated",
                [TW_LIFECYCLE_ROTATED] = "rotated",
                [TW_LIFECYCLE_DELETED] = "deleted",
        };

        return (unsigned)a < _TW_LIFECYCLE_MAX ? names[a] : "unknown";
}

int tw_usage_new(const struct tw_usage_limits *lim, struct tw_usage **ret)
{
        struct tw_usage *u = calloc(1, sizeof(*u));

        if (!u)
                return -ENOMEM;
        if (lim)
                u->lim = *lim;
        if (!u->lim.max_tokens)
                u->lim.max_tokens = 10000;
        if (!u->lim.max_sources)
                u->lim.max_sources = 16;
        if (!u->lim.max_operations)
                u->lim.max_operations = 32;
        if (!u->lim.max_lifecycle)
                u->lim.max_lifecycle = 1000;
        tw_strmap_init(&u->by_id);
        tw_strmap_init(&u->known_map);
        *ret = u;
        return 0;
}

static void sources_free(struct tw_usage_source *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(s[i].value);
        free(s);
}

static void lifecycle_event_done(struct tw_lifecycle_event *ev)
{
        free(ev->token_id);
        free(ev->token_name);
        free(ev->actor_id);
        free(ev->source_ip);
        free(ev->user_agent);
}

static void known_free(struct tw_usage *u)
{
        for (size_t i = 0; i < u->n_known; i++)
                free(u->known[i]);
        free(u->known);
        u->known = NULL;
        u->n_known = 0;
        tw_strmap_done(&u->known_map);
        tw_strmap_init(&u->known_map);
}

void tw_usage_free(struct tw_usage *u)
{
        if (!u)
                return;
        for (size_t i = 0; i < u->n_tokens; i++) {
                struct tw_token_usage *t = &u->tokens[i];

                free(t->token_id);
                sources_free(t->ips, t->n_ips);
                sources_free(t->agents, t->n_agents);
                for (size_t k = 0; k < t->n_ops; k++)
                        free(t->ops[k].op);
                free(t->ops);
        }
        free(u->tokens);
        for (size_t i = 0; i < u->n_lifecycle; i++)
                lifecycle_event_done(&u->lifecycle[i]);
        free(u->lifecycle);
        tw_strmap_done(&u->by_id);
        known_free(u);
        free(u);
}

int tw_usage_set_known_tokens(struct tw_usage *u, const char *const *ids, size_t n)
{
        known_free(u);
        u->known = calloc(n ? n : 1, sizeof(*u->known));
        if (!u->known)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int r;

                if (!ids[i])
                        continue;
                u->known[u->n_known] = strdup(ids[i]);
                if (!u->known[u->n_known])
                        return -ENOMEM;
                r = tw_strmap_put(&u->known_map, u->known[u->n_known], u->n_known);
                u->n_known++;
                if (r == -ENOMEM)
                        return r;
        }
        return 0;
}

const struct tw_token_usage *tw_usage_find(const struct tw_usage *u, const char *token_id)
{
        size_t i;

        return u && token_id && tw_strmap_get(&u->by_id, token_id, &i) ? &u->tokens[i] : NULL;
}

/* Where s (n bytes) is cut to fit TW_USAGE_VALUE_MAX with "...": n when it
 * fits, else a byte offset that splits no UTF-8 character. */
static size_t cap_cut(const char *s, size_t n)
{
        return n <= TW_USAGE_VALUE_MAX ? n : tw_utf8_cut(s, n, TW_USAGE_VALUE_MAX - 3);
}

/* A copy of s capped as cap_cut() says, "..." marking a cut; NULL for NULL
 * (and on -ENOMEM: the callers check). */
static char *dup_capped(const char *s)
{
        size_t n, cut;
        char *c;

        if (!s)
                return NULL;
        n = strlen(s);
        cut = cap_cut(s, n);
        if (cut == n)
                return strdup(s);
        c = malloc(cut + 4);
        if (c) {
                memcpy(c, s, cut);
                memcpy(c + cut, "...", 4);
        }
        return c;
}

/* Whether stored (a capped copy) is what dup_capped(value) would make. */
static bool same_capped(const char *stored, const char *value)
{
        size_t n = strlen(value), cut = cap_cut(value, n);

        if (cut == n)
                return strcmp(stored, value) == 0;
        return strncmp(stored, value, cut) == 0 && strcmp(stored + cut, "...") == 0;
}

static int add_lifecycle(struct tw_usage *u, const struct tw_auditlog_entry *e,
                         enum tw_lifecycle_action action, const char *token_id)
{
        struct tw_lifecycle_event ev = {
                .at_ms = e->time_ms,
                .action = action,
                .actor_type = e->subject,
                .status = e->status,
        };

        ev.token_id = token_id[0] ? strdup(token_id) : NULL;
        ev.token_name = dup_capped(e->request_name);
        ev.actor_id = dup_capped(e->subject_id);
        ev.source_ip = dup_capped(e->source_ip);
        ev.user_agent = dup_capped(e->user_agent);
        if ((token_id[0] && !ev.token_id) || (e->request_name && !ev.token_name) ||
            (e->subject_id && !ev.actor_id) || (e->source_ip && !ev.source_ip) ||
            (e->user_agent && !ev.user_agent))
                goto nomem;
        if (u->n_lifecycle == u->lim.max_lifecycle) {
                lifecycle_event_done(&u->lifecycle[0]);
                memmove(u->lifecycle, u->lifecycle + 1,
                        (u->n_lifecycle - 1) * sizeof(*u->lifecycle));
                u->n_lifecycle--;
        } else if (tw_array_reserve((void **)&u->lifecycle, u->n_lifecycle, &u->cap_lifecycle,
                                    sizeof(*u->lifecycle)) < 0) {
                goto nomem;
        }
        u->lifecycle[u->n_lifecycle++] = ev;
        return 0;
nomem:
        lifecycle_event_done(&ev);
        return -ENOMEM;
}

/* Counts value in a bounded list: the least recently seen goes when full. */
static int count_source(struct tw_usage_source **list, size_t *n, uint64_t *dropped, size_t max,
                        const char *value, int64_t t)
{
        struct tw_usage_source *s = *list;
        size_t victim = 0;
        char *copy;

        if (!value)
                return 0;
        for (size_t i = 0; i < *n; i++) {
                if (same_capped(s[i].value, value)) {
                        s[i].count++;
                        if (t > s[i].last_ms)
                                s[i].last_ms = t;
                        if (t < s[i].first_ms)
                                s[i].first_ms = t;
                        return 0;
                }
                if (s[i].last_ms < s[victim].last_ms)
                        victim = i;
        }
        copy = dup_capped(value);
        if (!copy)
                return -ENOMEM;
        if (*n < max) {
                s = realloc(s, (*n + 1) * sizeof(*s));
                if (!s) {
                        free(copy);
                        return -ENOMEM;
                }
                *list = s;
                victim = (*n)++;
        } else {
                free(s[victim].value);
                (*dropped)++;
        }
        s[victim] = (struct tw_usage_source){copy, 1, t, t};
        return 0;
}

/* The operation an entry stands for, or "" for none. */
static void operation_of(const struct tw_auditlog_entry *e, char *buf, size_t size)
{
        char t[OP_MAX];

        buf[0] = '\0';
        if (e->image_push) {
                snprintf(buf, size, "IMAGE_PUSH registry");
        } else if (e->kind == TW_AUDITLOG_KIND_AIRFLOW_UI) {
                snprintf(buf, size, "AIRFLOW_UI");
        } else if (e->kind == TW_AUDITLOG_KIND_REST && strlen(e->method) < 16) {
                tw_usage_path_template(e->path, t, sizeof(t));
                snprintf(buf, size, "%.15s %.200s", e->method, t);
        } else if (e->kind == TW_AUDITLOG_KIND_GRAPHQL && e->operation_name) {
                snprintf(buf, size, "GRAPHQL %.128s", e->operation_name);
        }
}

static int count_op(struct tw_usage *u, struct tw_token_usage *t, const char *op, int64_t ms)
{
        struct tw_usage_op *o;
        size_t victim = 0;
        char *copy;

        if (!op[0])
                return 0;
        for (size_t i = 0; i < t->n_ops; i++) {
                if (strcmp(t->ops[i].op, op) == 0) {
                        t->ops[i].count++;
                        if (ms > t->ops[i].last_ms)
                                t->ops[i].last_ms = ms;
                        return 0;
                }
                if (t->ops[i].last_ms < t->ops[victim].last_ms)
                        victim = i;
        }
        copy = strdup(op);
        if (!copy)
                return -ENOMEM;
        if (t->n_ops < u->lim.max_operations) {
                o = realloc(t->ops, (t->n_ops + 1) * sizeof(*o));
                if (!o) {
                        free(copy);
                        return -ENOMEM;
                }
                t->ops = o;
                victim = t->n_ops++;
        } else {
                free(t->ops[victim].op);
                t->ops_dropped++;
        }
        t->ops[victim] = (struct tw_usage_op){copy, 1, ms};
        return 0;
}

/* The record of token id, created if there is room; NULL if not. */
static struct tw_token_usage *token_slot(struct tw_usage *u, const char *id, int *ret_err)
{
        struct tw_token_usage *t;
        size_t i;

        *ret_err = 0;
        if (tw_strmap_get(&u->by_id, id, &i))
                return &u->tokens[i];
        if (u->n_tokens >= u->lim.max_tokens) {
                u->tokens_dropped++;
                return NULL;
        }
        if (tw_array_reserve((void **)&u->tokens, u->n_tokens, &u->cap_tokens, sizeof(*u->tokens)) <
            0)
                goto nomem;
        t = &u->tokens[u->n_tokens];
        memset(t, 0, sizeof(*t));
        t->token_id = strdup(id);
        t->first_ms = INT64_MAX;
        t->last_ms = INT64_MIN;
        t->last_push_ms = TW_NO_TIME;
        if (!t->token_id)
                goto nomem;
        if (tw_strmap_put(&u->by_id, t->token_id, u->n_tokens) < 0) {
                free(t->token_id);
                goto nomem;
        }
        u->n_tokens++;
        return t;
nomem:
        *ret_err = -ENOMEM;
        return NULL;
}

static int add_usage(struct tw_usage *u, const struct tw_auditlog_entry *e)
{
        struct tw_token_usage *t;
        char op[OP_MAX];
        size_t ignored;
        int r;

        if (!e->subject_id || !tw_strmap_get(&u->known_map, e->subject_id, &ignored)) {
                u->unlinked++;
                return 0;
        }
        t = token_slot(u, e->subject_id, &r);
        if (!t)
                return r;
        t->calls++;
        if (e->time_ms < t->first_ms)
                t->first_ms = e->time_ms;
        if (e->time_ms > t->last_ms)
                t->last_ms = e->time_ms;
        if (e->image_push) {
                t->image_pushes++;
                if (t->last_push_ms == TW_NO_TIME || e->time_ms > t->last_push_ms)
                        t->last_push_ms = e->time_ms;
        }
        r = count_source(&t->ips, &t->n_ips, &t->ips_dropped, u->lim.max_sources, e->source_ip,
                         e->time_ms);
        if (r == 0)
                r = count_source(&t->agents, &t->n_agents, &t->agents_dropped, u->lim.max_sources,
                                 e->user_agent, e->time_ms);
        /* A refused call (4xx/5xx) is no evidence of a permission needed. */
        op[0] = '\0';
        if (e->status < 400)
                operation_of(e, op, sizeof(op));
        if (r == 0)
                r = count_op(u, t, op, e->time_ms);
        return r;
}

int tw_usage_add(struct tw_usage *u, const struct tw_auditlog_entry *e)
{
        enum tw_lifecycle_action action;
        char id[ID_MAX];
        int r;

        u->entries++;
        if (e->kind == TW_AUDITLOG_KIND_REST &&
            tw_usage_lifecycle_match(e->method, e->path, &action, id, sizeof(id))) {
                r = add_lifecycle(u, e, action, id);
                if (r < 0)
                        return r;
        }
        if (e->subject == TW_AUDITLOG_SUBJECT_SERVICEKEY)
                return add_usage(u, e);
        return 0;
}

static bool ranks_above(const struct tw_usage_source *a, const struct tw_usage_source *b)
{
        return a->count > b->count || (a->count == b->count && a->last_ms > b->last_ms);
}

size_t tw_usage_top(const struct tw_usage_source *src, size_t n, const struct tw_usage_source **out,
                    size_t k)
{
        size_t got = 0, j;

        /* Insertion into a sorted top k: n is small (at most max_sources). */
        for (size_t i = 0; i < n && k > 0; i++) {
                if (got < k)
                        j = got++;
                else if (ranks_above(&src[i], out[k - 1]))
                        j = k - 1;
                else
                        continue;
                for (; j > 0 && ranks_above(&src[i], out[j - 1]); j--)
                        out[j] = out[j - 1];
                out[j] = &src[i];
        }
        return got;
}

const char *tw_usage_lowest_role(const struct tw_token_usage *t, const char *scope)
{
        const char *ops[256];
        size_t n = 0;

        /* Operations dropped for room are evidence lost: no suggestion. */
        if (!t || t->n_ops == 0 || t->ops_dropped || t->n_ops > sizeof(ops) / sizeof(ops[0]))
                return NULL;
        for (size_t i = 0; i < t->n_ops; i++)
                ops[n++] = t->ops[i].op;
        return tw_permissions_lowest_role(ops, n, scope);
}
