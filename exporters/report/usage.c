/* The report's audit parts shared by every format, and their JSON: the
 * token changes of the audit trail ("events", top level and per token) and
 * the audit-log usage per token ("usage") and where it comes from
 * ("usage_source").  Additive fields only; absent
 * values are null, never missing keys. */
#include "exporters/report/usage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "core/events.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/usage/usage.h"
#include "exporters/report/report_internal.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/timeutil.h"

#define TOP_SOURCES 5

static int cmp_event(const void *a, const void *b)
{
        const struct tw_event *x = *(const struct tw_event *const *)a;
        const struct tw_event *y = *(const struct tw_event *const *)b;
        int c = strcmp(x->token_id ? x->token_id : "", y->token_id ? y->token_id : "");

        if (c)
                return c;
        /* the history is oldest first: its order breaks ties */
        return x < y ? -1 : x > y;
}

int tw_report_history_init(const struct tw_snapshot *snap, struct tw_report_history *h)
{
        const struct tw_event_history *hist = snap->history;

        *h = (struct tw_report_history){0};
        if (!hist || hist->n_events == 0)
                return 0;
        h->by_token = calloc(hist->n_events, sizeof(*h->by_token));
        if (!h->by_token)
                return -ENOMEM;
        for (size_t i = 0; i < hist->n_events; i++)
                h->by_token[i] = &hist->events[i];
        h->n = hist->n_events;
        qsort(h->by_token, h->n, sizeof(*h->by_token), cmp_event);
        return 0;
}

void tw_report_history_done(struct tw_report_history *h)
{
        free(h->by_token);
        *h = (struct tw_report_history){0};
}

size_t tw_report_history_token(const struct tw_report_history *h, const char *token_id,
                               const struct tw_event *const **ret_first)
{
        size_t lo = 0, hi = h->n, end;

        *ret_first = NULL;
        if (!token_id)
                return 0;
        while (lo < hi) { /* the first event with an id >= token_id */
                size_t mid = lo + (hi - lo) / 2;
                const char *id = h->by_token[mid]->token_id;

                if (strcmp(id ? id : "", token_id) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (end = lo; end < h->n && h->by_token[end]->token_id &&
                       strcmp(h->by_token[end]->token_id, token_id) == 0;
             end++)
                ;
        if (end > lo)
                *ret_first = &h->by_token[lo];
        return end - lo;
}

const struct tw_token_usage *tw_report_token_usage(const struct tw_snapshot *snap,
                                                   const struct tw_token *t)
{
        return snap->usage && t->id ? tw_usage_find(snap->usage, t->id) : NULL;
}

const char *tw_report_least_role(const struct tw_token_usage *u, const struct tw_token *t)
{
        return u && t->scope ? tw_usage_lowest_role(u, t->scope) : NULL;
}

int tw_report_sources_text(const struct tw_usage_source *src, size_t n, size_t k,
                           struct tw_buf *out)
{
        const struct tw_usage_source *top[TOP_SOURCES];
        size_t m = tw_usage_top(src, n, top, k < TOP_SOURCES ? k : TOP_SOURCES);
        int r = 0;

        for (size_t i = 0; r >= 0 && i < m; i++)
                r = tw_buf_printf(out, "%s%s (%llu)", i ? ", " : "", top[i]->value,
                                  (unsigned long long)top[i]->count);
        if (r >= 0 && n > m)
                r = tw_buf_printf(out, " +%zu more", n - m);
        return r;
}

static int cmp_op(const void *a, const void *b)
{
        const struct tw_usage_op *x = *(const struct tw_usage_op *const *)a;
        const struct tw_usage_op *y = *(const struct tw_usage_op *const *)b;

        if (x->count != y->count)
                return x->count > y->count ? -1 : 1;
        return x < y ? -1 : x > y; /* ties: the order kept */
}

/* The operations most called first (ties: the index's order), at most k,
 * into *ret (caller frees).  Returns how many, or -ENOMEM. */
static ssize_t top_ops(const struct tw_token_usage *u, const struct tw_usage_op ***ret, size_t k)
{
        const struct tw_usage_op **v;

        *ret = NULL;
        v = calloc(u->n_ops ? u->n_ops : 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < u->n_ops; i++)
                v[i] = &u->ops[i];
        qsort(v, u->n_ops, sizeof(*v), cmp_op);
        *ret = v;
        return (ssize_t)(u->n_ops < k ? u->n_ops : k);
}

int tw_report_ops_text(const struct tw_token_usage *u, size_t k, struct tw_buf *out)
{
        const struct tw_usage_op **top;
        ssize_t m = top_ops(u, &top, k);
        int r = m < 0 ? (int)m : 0;

        for (ssize_t i = 0; r >= 0 && i < m; i++)
                r = tw_buf_printf(out, "%s%s (%llu)", i ? ", " : "", top[i]->op,
                                  (unsigned long long)top[i]->count);
        if (r >= 0 && u->n_ops > (size_t)m)
                r = tw_buf_printf(out, " +%zu more", u->n_ops - (size_t)m);
        free(top);
        return r;
}

int tw_report_event_change(const struct tw_event *e, struct tw_buf *out)
{
        if (e->before && e->after)
                return tw_buf_printf(out, "%s -> %s", e->before, e->after);
        return tw_buf_adds(out, e->after ? e->after : e->before ? e->before : "");
}

/* ---- JSON ---- */

static bool add_ms(cJSON *o, const char *k, int64_t ms)
{
        return tw_json_add_time(o, k, ms == TW_NO_TIME ? TW_NO_TIME : ms / 1000);
}

static bool add_num(cJSON *o, const char *k, double v)
{
        return cJSON_AddNumberToObject(o, k, v) != NULL;
}

/* The audit file's shape of an event, every key present. */
static bool add_event(cJSON *arr, const struct tw_event *e)
{
        cJSON *o = cJSON_CreateObject();

        if (!o || !cJSON_AddItemToArray(arr, o)) {
                cJSON_Delete(o);
                return false;
        }
        return tw_json_add_time(o, "observed_at", e->observed_at) &&
               tw_json_add_str(o, "event", tw_event_kind_to_string(e->kind)) &&
               tw_json_add_str(o, "severity",
                               e->severity == TW_SEVERITY_NONE
                                       ? "info"
                                       : tw_severity_to_string(e->severity)) &&
               tw_json_add_str(o, "token_id", e->token_id) &&
               tw_json_add_str(o, "token_name", e->token_name) &&
               tw_json_add_str(o, "scope", e->scope) && tw_json_add_str(o, "before", e->before) &&
               tw_json_add_str(o, "after", e->after) && tw_json_add_str(o, "detail", e->detail);
}

static bool add_sources(cJSON *o, const char *key, const struct tw_usage_source *src, size_t n)
{
        const struct tw_usage_source *top[TOP_SOURCES];
        size_t m = tw_usage_top(src, n, top, TOP_SOURCES);
        cJSON *arr = cJSON_AddArrayToObject(o, key);

        for (size_t i = 0; arr && i < m; i++) {
                cJSON *s = cJSON_CreateObject();

                if (!s || !cJSON_AddItemToArray(arr, s)) {
                        cJSON_Delete(s);
                        return false;
                }
                if (!tw_json_add_str(s, "value", top[i]->value) ||
                    !add_num(s, "count", (double)top[i]->count) ||
                    !add_ms(s, "first_seen", top[i]->first_ms) ||
                    !add_ms(s, "last_seen", top[i]->last_ms))
                        return false;
        }
        return arr != NULL;
}

static cJSON *usage_json(const struct tw_token_usage *u, const struct tw_token *t)
{
        cJSON *o = cJSON_CreateObject(), *ops;
        const struct tw_usage_op **top = NULL;
        ssize_t m = top_ops(u, &top, SIZE_MAX);
        bool ok;

        ok = m >= 0 && o && add_ms(o, "first_seen", u->first_ms) &&
             add_ms(o, "last_seen", u->last_ms) && add_num(o, "calls", (double)u->calls) &&
             add_sources(o, "source_ips", u->ips, u->n_ips) &&
             add_num(o, "source_ips_total", (double)u->n_ips) &&
             add_num(o, "source_ips_dropped", (double)u->ips_dropped) &&
             add_sources(o, "user_agents", u->agents, u->n_agents) &&
             add_num(o, "user_agents_total", (double)u->n_agents) &&
             add_num(o, "user_agents_dropped", (double)u->agents_dropped) &&
             (ops = cJSON_AddArrayToObject(o, "operations")) != NULL;
        for (ssize_t i = 0; ok && i < m; i++) {
                cJSON *op = cJSON_CreateObject();

                ok = op && cJSON_AddItemToArray(ops, op);
                if (!ok)
                        cJSON_Delete(op);
                ok = ok && tw_json_add_str(op, "operation", top[i]->op) &&
                     add_num(op, "count", (double)top[i]->count) &&
                     add_ms(op, "last_seen", top[i]->last_ms);
        }
        free(top);
        ok = ok && add_num(o, "operations_total", (double)u->n_ops) &&
             add_num(o, "operations_dropped", (double)u->ops_dropped) &&
             add_num(o, "image_pushes", (double)u->image_pushes) &&
             add_ms(o, "last_image_push", u->last_push_ms) &&
             tw_json_add_str(o, "suggested_role", tw_report_least_role(u, t));
        if (!ok) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

int tw_report_usage_token_json(const struct tw_snapshot *snap, const struct tw_report_history *h,
                               size_t i, cJSON *tok)
{
        const struct tw_token *t = &snap->inv->tokens[i];
        const struct tw_token_usage *u = tw_report_token_usage(snap, t);
        const struct tw_event *const *first = NULL;
        cJSON *arr, *uo;

        if (!snap->history) {
                if (!cJSON_AddNullToObject(tok, "events"))
                        return -ENOMEM;
        } else {
                size_t n = tw_report_history_token(h, t->id, &first);

                arr = cJSON_AddArrayToObject(tok, "events");
                for (size_t k = 0; arr && k < n; k++)
                        if (!add_event(arr, first[k]))
                                return -ENOMEM;
                if (!arr)
                        return -ENOMEM;
        }
        if (!u)
                return cJSON_AddNullToObject(tok, "usage") ? 0 : -ENOMEM;
        uo = usage_json(u, t);
        if (!uo || !cJSON_AddItemToObject(tok, "usage", uo)) {
                cJSON_Delete(uo);
                return -ENOMEM;
        }
        return 0;
}

/* "events_since" and "events" (tw_report_usage_root_json()). */
static int events_json(const struct tw_snapshot *snap, cJSON *root)
{
        const struct tw_event_history *hist = snap->history;
        cJSON *arr;

        if (!hist)
                return cJSON_AddNullToObject(root, "events_since") &&
                                       cJSON_AddNullToObject(root, "events")
                               ? 0
                               : -ENOMEM;
        if (!tw_json_add_time(root, "events_since", hist->since))
                return -ENOMEM;
        arr = cJSON_AddArrayToObject(root, "events");
        for (size_t i = 0; arr && i < hist->n_events; i++)
                if (!add_event(arr, &hist->events[i]))
                        return -ENOMEM;
        return arr ? 0 : -ENOMEM;
}

int tw_report_usage_root_json(const struct tw_snapshot *snap, cJSON *root)
{
        int r = events_json(snap, root);

        return r < 0 ? r
                     : tw_report_usage_source_json(snap->usage_origins, snap->n_usage_origins,
                                                   root);
}
