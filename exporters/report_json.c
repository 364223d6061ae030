/* The JSON report: a stable contract (issues 2 and 3); fields may be added,
 * never renamed.  Absent values are null, never missing keys. */
#include "exporters/report_util.h"
#include "exporters/report.h"

#include <errno.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "core/evaluate.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"

/* Adds s, or null for NULL.  NULL on -ENOMEM. */
static cJSON *add_str(cJSON *obj, const char *key, const char *s)
{
        return s ? cJSON_AddStringToObject(obj, key, s) : cJSON_AddNullToObject(obj, key);
}

/* Adds t as RFC 3339 UTC, or null for TW_NO_TIME. */
static cJSON *add_time(cJSON *obj, const char *key, int64_t t)
{
        char ts[TW_RFC3339_LEN];

        if (t == TW_NO_TIME)
                return cJSON_AddNullToObject(obj, key);
        return cJSON_AddStringToObject(obj, key, tw_time_format(t, ts));
}

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

        ok = add_time(root, "generated_at", tw_report_generated_at(snap)) &&
             add_str(root, "organization_id", inv->organization_id) &&
             add_str(root, "api_version", inv->api_version) &&
             cJSON_AddBoolToObject(root, "complete", tw_inventory_complete(inv));
        if (!ok || !(errors = cJSON_AddArrayToObject(root, "errors")))
                return -ENOMEM;
        for (size_t i = 0; i < inv->n_errors; i++) {
                e = add_object(errors);
                if (!e)
                        return -ENOMEM;
                if (!add_str(e, "listing", inv->errors[i].listing) ||
                    !add_str(e, "message", inv->errors[i].message))
                        return -ENOMEM;
        }
        cred = cJSON_AddObjectToObject(root, "credential");
        if (!cred || !add_str(cred, "token_id", inv->credential.token_id) ||
            !add_time(cred, "expires_at", inv->credential.expires_at))
                return -ENOMEM;
        tw_buf_init(&policy, 1 << 16);
        ok = tw_report_describe_policy(snap, &policy) >= 0 &&
             add_str(root, "policy", snap->cfg ? (policy.ptr ? policy.ptr : "") : NULL);
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
                if (!add_str(w, "id", inv->workspaces[i].id) ||
                    !add_str(w, "name", inv->workspaces[i].name))
                        return -ENOMEM;
        }
        return 0;
}

static int add_roles(const struct tw_inventory *inv, const struct tw_token *t, cJSON *tok)
{
        cJSON *arr = cJSON_AddArrayToObject(tok, "roles"), *o;

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_roles; i++) {
                const struct tw_role *role = &t->roles[i];

                o = add_object(arr);
                if (!o)
                        return -ENOMEM;
                if (!add_str(o, "entity_type", role->entity_type) ||
                    !add_str(o, "entity_id", role->entity_id) ||
                    !add_str(o, "entity_name", inv ? tw_inventory_entity_name(inv, role) : NULL) ||
                    !add_str(o, "role", role->role) ||
                    !cJSON_AddBoolToObject(o, "custom_role", tw_role_is_custom(role)))
                        return -ENOMEM;
        }
        return 0;
}

static int add_findings(const struct tw_snapshot *snap, size_t token, cJSON *tok)
{
        cJSON *arr = cJSON_AddArrayToObject(tok, "findings"), *o;
        const struct tw_finding *f = NULL;
        size_t n = tw_report_token_findings(snap, token, &f);

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                o = add_object(arr);
                if (!o)
                        return -ENOMEM;
                if (!add_str(o, "kind", tw_finding_kind_to_string(f[i].kind)) ||
                    !add_str(o, "severity", tw_severity_to_string(f[i].severity)) ||
                    !add_str(o, "message", f[i].message ? f[i].message : "") ||
                    !cJSON_AddBoolToObject(o, "suppressed", f[i].suppressed) ||
                    !add_time(o, "suppressed_until",
                              f[i].suppressed ? f[i].suppressed_until : TW_NO_TIME) ||
                    !add_str(o, "suppressed_reason",
                             f[i].suppressed ? f[i].suppressed_reason : NULL))
                        return -ENOMEM;
        }
        return 0;
}

static int add_creator(const struct tw_subject *s, cJSON *tok)
{
        cJSON *o;

        if (!s)
                return cJSON_AddNullToObject(tok, "created_by") ? 0 : -ENOMEM;
        o = cJSON_AddObjectToObject(tok, "created_by");
        if (!o || !add_str(o, "id", s->id) || !add_str(o, "subject_type", s->subject_type) ||
            !add_str(o, "name", tw_subject_name(s)))
                return -ENOMEM;
        return 0;
}

cJSON *tw_report_token_json(const struct tw_inventory *inv, const struct tw_token *t)
{
        cJSON *o = cJSON_CreateObject();

        if (!o)
                return NULL;
        if (!add_str(o, "id", t->id) || !add_str(o, "name", t->name) ||
            !add_str(o, "description", t->description) || !add_str(o, "scope", t->scope) ||
            !add_str(o, "kind", t->kind) || !add_str(o, "short_token", t->short_token) ||
            !add_time(o, "start_at", t->start_at) || !add_time(o, "created_at", t->created_at) ||
            !add_time(o, "expires_at", t->end_at) ||
            !add_time(o, "last_used_at", t->last_used_at) || add_creator(t->created_by, o) < 0 ||
            add_roles(inv, t, o) < 0) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

static int add_token(const struct tw_snapshot *snap, size_t i, cJSON *arr)
{
        cJSON *o = tw_report_token_json(snap->inv, &snap->inv->tokens[i]);

        if (!o)
                return -ENOMEM;
        if (!cJSON_AddItemToArray(arr, o)) {
                cJSON_Delete(o);
                return -ENOMEM;
        }
        return add_findings(snap, i, o);
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
        if (!o || !add_str(o, "token_id", t->id) || !add_str(o, "name", t->name) ||
            !add_time(o, "expires_at", t->end_at))
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
                if (!add_str(o, "token_id", n->token_id) || !add_str(o, "kind", n->kind) ||
                    !add_time(o, "until", n->until) || !add_str(o, "reason", n->reason) ||
                    !add_str(o, "status", n->stale ? "stale" : "lapsed"))
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

int tw_report_render_json(const struct tw_snapshot *snap, struct tw_buf *out)
{
        cJSON *root = cJSON_CreateObject(), *tokens;
        char *text = NULL;
        int r = -ENOMEM;

        if (!root)
                goto out;
        r = add_header(snap, root);
        if (r >= 0)
                r = add_workspaces(snap->inv, root);
        if (r < 0)
                goto out;
        r = -ENOMEM;
        tokens = cJSON_AddArrayToObject(root, "tokens");
        if (!tokens)
                goto out;
        for (size_t i = 0; i < snap->inv->n_tokens; i++) {
                r = add_token(snap, i, tokens);
                if (r < 0)
                        goto out;
        }
        r = add_summary(snap, root);
        if (r >= 0)
                r = add_notes(snap->ev, root);
        if (r < 0)
                goto out;
        text = cJSON_Print(root);
        if (!text) {
                r = -ENOMEM;
                goto out;
        }
        r = tw_buf_adds(out, text);
        if (r >= 0)
                r = tw_buf_addc(out, '\n');
out:
        free(text);
        cJSON_Delete(root);
        return r;
}
