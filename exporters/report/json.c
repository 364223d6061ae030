/* The JSON report: a stable contract (issues 2 and 3); fields may be added,
 * never renamed.  Absent values are null, never missing keys. */
#include "exporters/report/report_internal.h"
#include "exporters/report/report.h"
#include "exporters/report/usage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/token_json.h"
#include "lib/json.h"
#include "lib/timeutil.h"

/* A new object appended to arr.  NULL on -ENOMEM. */
static cJSON *add_object(cJSON *arr)
{
        cJSON *o = cJSON_CreateObject();

        if (o && !cJSON_AddItemToArray(arr, o)) {
                cJSON_Delete(o);
                o = NULL;
        }
        return o;
}

static cJSON *add_count(cJSON *obj, const char *key, size_t n)
{
        return cJSON_AddNumberToObject(obj, key, (double)n);
}

static int add_header(const struct tw_snapshot *snap, cJSON *root)
{
        const struct tw_inventory *inv = snap->inv;
        cJSON *errors, *cred, *e;
        struct tw_buf policy;
        bool ok;

        ok = tw_json_add_time(root, "generated_at", tw_report_generated_at(snap)) &&
             tw_json_add_str(root, "organization_id", inv->organization_id) &&
             tw_json_add_str(root, "api_version", inv->api_version) &&
             cJSON_AddBoolToObject(root, "complete", tw_inventory_complete(inv));
        if (!ok || !(errors = cJSON_AddArrayToObject(root, "errors")))
                return -ENOMEM;
        for (size_t i = 0; i < inv->n_errors; i++) {
                e = add_object(errors);
                if (!e)
                        return -ENOMEM;
                if (!tw_json_add_str(e, "listing", inv->errors[i].listing) ||
                    !tw_json_add_str(e, "message", inv->errors[i].message))
                        return -ENOMEM;
        }
        cred = cJSON_AddObjectToObject(root, "credential");
        if (!cred || !tw_json_add_str(cred, "token_id", inv->credential.token_id) ||
            !tw_json_add_time(cred, "expires_at", inv->credential.expires_at))
                return -ENOMEM;
        tw_buf_init(&policy, 1 << 16);
        ok = tw_report_describe_policy(snap, &policy) >= 0 &&
             tw_json_add_str(root, "policy", snap->cfg ? (policy.ptr ? policy.ptr : "") : NULL);
        tw_buf_done(&policy);
        return ok ? 0 : -ENOMEM;
}

static int add_workspaces(const struct tw_inventory *inv, cJSON *root)
{
        cJSON *arr = cJSON_AddArrayToObject(root, "workspaces"), *w;

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < inv->n_workspaces; i++) {
                w = add_object(arr);
                if (!w)
                        return -ENOMEM;
                if (!tw_json_add_str(w, "id", inv->workspaces[i].id) ||
                    !tw_json_add_str(w, "name", inv->workspaces[i].name))
                        return -ENOMEM;
        }
        return 0;
}

static int add_findings(const struct tw_snapshot *snap, size_t token, cJSON *tok,
                        struct tw_buf *msg)
{
        cJSON *arr = cJSON_AddArrayToObject(tok, "findings"), *o;
        const struct tw_finding *f = NULL;
        size_t n = tw_evaluation_token_findings(snap->ev, token, &f);
        int r;

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                o = add_object(arr);
                if (!o)
                        return -ENOMEM;
                tw_buf_reset(msg);
                r = tw_finding_message(snap->ev, snap->inv, &f[i], msg);
                if (r < 0)
                        return r;
                if (!tw_json_add_str(o, "kind", tw_finding_kind_to_string(f[i].kind)) ||
                    !tw_json_add_str(o, "severity", tw_severity_to_string(f[i].severity)) ||
                    !tw_json_add_str(o, "message", msg->ptr ? msg->ptr : ""))
                        return -ENOMEM;
                tw_buf_reset(msg);
                r = tw_finding_fix(snap->ev, snap->inv, &f[i], msg);
                if (r < 0)
                        return r;
                if (!tw_json_add_str(o, "fix", msg->len ? msg->ptr : NULL) ||
                    !cJSON_AddBoolToObject(o, "suppressed", f[i].suppressed) ||
                    !tw_json_add_time(o, "suppressed_until",
                                      f[i].suppressed ? f[i].suppressed_until : TW_NO_TIME) ||
                    !tw_json_add_str(o, "suppressed_reason",
                                     f[i].suppressed ? f[i].suppressed_reason : NULL))
                        return -ENOMEM;
        }
        return 0;
}

/* {"warning": n, "critical": n} per kind. */
static int add_kind_counts(cJSON *parent, const char *key,
                           const size_t counts[_TW_FINDING_KIND_MAX][_TW_SEVERITY_MAX])
{
        cJSON *o = cJSON_AddObjectToObject(parent, key), *k;

        if (!o)
                return -ENOMEM;
        for (int kind = 0; kind < _TW_FINDING_KIND_MAX; kind++) {
                k = cJSON_AddObjectToObject(o, tw_finding_kind_to_string(kind));
                if (!k)
                        return -ENOMEM;
                for (int sev = TW_SEVERITY_WARNING; sev < _TW_SEVERITY_MAX; sev++)
                        if (!add_count(k, tw_severity_to_string(sev), counts[kind][sev]))
                                return -ENOMEM;
        }
        return 0;
}

static int add_soonest(const struct tw_snapshot *snap, const struct tw_report_summary *s,
                       cJSON *sum)
{
        const struct tw_token *t;
        cJSON *o;

        if (s->soonest == SIZE_MAX)
                return cJSON_AddNullToObject(sum, "soonest_expiry") ? 0 : -ENOMEM;
        t = &snap->inv->tokens[s->soonest];
        o = cJSON_AddObjectToObject(sum, "soonest_expiry");
        if (!o || !tw_json_add_str(o, "token_id", t->id) || !tw_json_add_str(o, "name", t->name) ||
            !tw_json_add_time(o, "expires_at", t->end_at))
                return -ENOMEM;
        return 0;
}

static int add_summary(const struct tw_snapshot *snap, cJSON *root)
{
        struct tw_report_summary s;
        cJSON *sum, *scopes;
        int r;

        r = tw_report_summarize(snap, &s);
        if (r < 0)
                return r;
        r = -ENOMEM;
        sum = cJSON_AddObjectToObject(root, "summary");
        if (!sum || !add_count(sum, "tokens", s.n_tokens) ||
            !add_count(sum, "active_findings", s.n_active) ||
            !add_count(sum, "suppressed_findings", s.n_suppressed))
                goto out;
        if (add_kind_counts(sum, "active", s.active) < 0 ||
            add_kind_counts(sum, "suppressed", s.suppressed) < 0)
                goto out;
        scopes = cJSON_AddObjectToObject(sum, "tokens_by_scope");
        if (!scopes)
                goto out;
        for (size_t i = 0; i < s.n_scopes; i++)
                if (!add_count(scopes, s.scopes[i].scope, s.scopes[i].count))
                        goto out;
        if (!add_count(sum, "tokens_without_expiry", s.without_expiry) ||
            !add_count(sum, "tokens_expired", s.expired))
                goto out;
        r = add_soonest(snap, &s, sum);
out:
        tw_report_summary_done(&s);
        return r;
}

static int add_notes(const struct tw_evaluation *ev, cJSON *root)
{
        cJSON *notes = cJSON_AddArrayToObject(root, "suppressions"), *errs, *o;

        if (!notes)
                return -ENOMEM;
        for (size_t i = 0; ev && i < ev->n_notes; i++) {
                const struct tw_suppression_note *n = &ev->notes[i];

                o = add_object(notes);
                if (!o)
                        return -ENOMEM;
                if (!tw_json_add_str(o, "token_id", n->token_id) ||
                    !tw_json_add_str(o, "kind", n->kind) ||
                    !tw_json_add_time(o, "until", n->until) ||
                    !tw_json_add_str(o, "reason", n->reason) ||
                    !tw_json_add_str(o, "status", n->stale ? "stale" : "lapsed"))
                        return -ENOMEM;
        }
        errs = cJSON_AddArrayToObject(root, "evaluation_errors");
        if (!errs)
                return -ENOMEM;
        for (size_t i = 0; ev && i < ev->n_errors; i++) {
                o = cJSON_CreateString(ev->errors[i] ? ev->errors[i] : "");
                if (!o)
                        return -ENOMEM;
                if (!cJSON_AddItemToArray(errs, o)) {
                        cJSON_Delete(o);
                        return -ENOMEM;
                }
        }
        return 0;
}

/*
 * The report goes out in pieces, never as one tree: the head (header and
 * workspaces) and the tail (summary, suppressions, evaluation errors) are
 * printed by cJSON as two small objects, and the tokens one object at a
 * time between them.  cJSON_Print() lays an object out with one tab per
 * level after every newline and separates array items with ", ", so the
 * spliced text is byte for byte what printing the whole tree gave.
 */
#define CHUNK ((size_t)64 << 10)

struct stream {
        const struct tw_report_sink *sink;
        struct tw_buf buf;
        struct tw_buf msg;                    /* one finding's message */
        struct tw_report_history history;     /* the token changes per token */
        struct tw_report_lifecycle lifecycle; /* who changed each token */
};

static int stream_flush(struct stream *s)
{
        int r = 0;

        if (s->buf.len)
                r = s->sink->write(s->sink->ctx, s->buf.ptr, s->buf.len);
        tw_buf_reset(&s->buf);
        return r;
}

static int stream_add(struct stream *s, const char *data, size_t len)
{
        int r = tw_buf_add(&s->buf, data, len);

        if (r >= 0 && s->buf.len >= CHUNK)
                r = stream_flush(s);
        return r;
}

static int stream_adds(struct stream *s, const char *text)
{
        return stream_add(s, text, strlen(text));
}

/* Adds text printed at the top level as it reads `depth` levels down: every
 * newline gets depth more tabs (cJSON escapes newlines inside strings, so
 * every raw one is layout). */
static int stream_add_nested(struct stream *s, const char *text, size_t len, size_t depth)
{
        static const char tabs[] = "\t\t\t\t";
        const char *nl;
        int r = 0;

        if (depth > sizeof(tabs) - 1)
                return -EINVAL;
        while (r >= 0 && (nl = memchr(text, '\n', len))) {
                r = stream_add(s, text, (size_t)(nl - text) + 1);
                if (r >= 0)
                        r = stream_add(s, tabs, depth);
                len -= (size_t)(nl - text) + 1;
                text = nl + 1;
        }
        if (r >= 0)
                r = stream_add(s, text, len);
        return r;
}

/* Prints obj, adds text[skip_head .. len - skip_tail] and frees obj
 * (ownership is taken on every path). */
static int stream_add_object(struct stream *s, cJSON *obj, size_t skip_head, size_t skip_tail,
                             size_t depth)
{
        char *text = obj ? cJSON_Print(obj) : NULL;
        size_t len = text ? strlen(text) : 0;
        int r = -ENOMEM;

        cJSON_Delete(obj);
        if (text && len >= skip_head + skip_tail)
                r = stream_add_nested(s, text + skip_head, len - skip_head - skip_tail, depth);
        free(text);
        return r;
}

/* Token i with its findings, two levels down (root object, tokens array). */
static int stream_token(struct stream *s, const struct tw_snapshot *snap, size_t i)
{
        cJSON *o = tw_token_json(snap->inv, &snap->inv->tokens[i]);

        if (o &&
            (add_findings(snap, i, o, &s->msg) < 0 || tw_report_owner_json(snap, i, o) < 0 ||
             tw_report_usage_token_json(snap, &s->history, i, o) < 0 ||
             tw_report_lifecycle_token_json(snap, &s->lifecycle, &snap->inv->tokens[i], o) < 0)) {
                cJSON_Delete(o);
                return -ENOMEM;
        }
        return stream_add_object(s, o, 0, 0, 2);
}

/* The root object up to and including the tokens array. */
static int stream_head(struct stream *s, const struct tw_snapshot *snap,
                       const struct tw_report_layout *opts)
{
        size_t *order = NULL;
        cJSON *head = cJSON_CreateObject();
        int r = -ENOMEM;

        if (head)
                r = add_header(snap, head);
        if (r >= 0)
                r = add_workspaces(snap->inv, head);
        if (r < 0) {
                cJSON_Delete(head);
                return r;
        }
        /* "{\n\t...workspaces...\n}" without its closing "\n}". */
        r = stream_add_object(s, head, 0, 2, 0);
        if (r >= 0)
                r = tw_report_order(snap, opts, false, &order);
        if (r >= 0)
                r = stream_adds(s, ",\n\t\"tokens\":\t[");
        for (size_t i = 0; r >= 0 && i < snap->inv->n_tokens; i++) {
                if (i > 0)
                        r = stream_adds(s, ", ");
                if (r >= 0)
                        r = stream_token(s, snap, order[i]);
        }
        free(order);
        if (r >= 0)
                r = stream_adds(s, "],");
        return r;
}

/* The root object after the tokens array, and the final newline. */
static int stream_tail(struct stream *s, const struct tw_snapshot *snap)
{
        cJSON *tail = cJSON_CreateObject();
        int r = -ENOMEM;

        if (tail)
                r = add_summary(snap, tail);
        if (r >= 0)
                r = add_notes(snap->ev, tail);
        if (r >= 0)
                r = tw_report_usage_root_json(snap, tail);
        if (r >= 0)
                r = tw_report_lifecycle_root_json(snap, tail);
        if (r < 0) {
                cJSON_Delete(tail);
                return r;
        }
        /* "\n\t\"summary\": ...\n}" without the opening "{". */
        r = stream_add_object(s, tail, 1, 0, 0);
        if (r >= 0)
                r = stream_add(s, "\n", 1);
        return r;
}

int tw_report_write_json(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                         const struct tw_report_sink *sink)
{
        struct stream s = {.sink = sink};
        int r;

        tw_buf_init(&s.buf, TW_BUF_MAX_DEFAULT);
        tw_buf_init(&s.msg, TW_BUF_MAX_DEFAULT);
        r = tw_report_history_init(snap, &s.history);
        if (r >= 0)
                r = tw_report_lifecycle_init(snap, &s.lifecycle);
        if (r >= 0)
                r = stream_head(&s, snap, opts);
        if (r >= 0)
                r = stream_tail(&s, snap);
        if (r >= 0)
                r = stream_flush(&s);
        tw_report_history_done(&s.history);
        tw_report_lifecycle_done(&s.lifecycle);
        tw_buf_done(&s.buf);
        tw_buf_done(&s.msg);
        return r;
}
