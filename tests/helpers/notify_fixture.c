/* Hand-built inventories, evaluations and events for the notification tests. */
#include "helpers/notify_fixture.h"

#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/evaluate/evaluate.h"
#include "exporters/sinks/sinks.h"
#include "lib/buf.h"
#include "helpers/golden.h"
#include "lib/timeutil.h"

char *nf_strdup(const char *s)
{
        char *p = s ? strdup(s) : NULL;

        assert_true(!s || p);
        return p;
}

/* Adds a token with one role (entity_type NULL: none) and a USER creator. */
void nf_add_token(struct tw_inventory *inv, const char *id, const char *name,
                  const char *entity_type, const char *entity_id, const char *role, int64_t end_at)
{
        struct tw_token t = {0};

        t.id = nf_strdup(id);
        t.name = nf_strdup(name);
        t.description = nf_strdup("CI deploys");
        t.short_token = nf_strdup("abc123");
        t.scope = nf_strdup(entity_type ? entity_type : "ORGANIZATION");
        t.kind = nf_strdup("STANDARD");
        t.start_at = NOW - 80 * DAY;
        t.end_at = end_at;
        t.created_at = NOW - 80 * DAY;
        t.updated_at = NOW - 80 * DAY;
        t.last_used_at = NOW - 2 * DAY;
        t.last_rotated_at = TW_NO_TIME;
        if (entity_type) {
                t.roles = calloc(1, sizeof(*t.roles));
                assert_non_null(t.roles);
                t.n_roles = 1;
                t.roles[0].entity_type = nf_strdup(entity_type);
                t.roles[0].entity_id = nf_strdup(entity_id);
                t.roles[0].role = nf_strdup(role);
        }
        t.created_by = calloc(1, sizeof(*t.created_by));
        assert_non_null(t.created_by);
        t.created_by->id = nf_strdup("user-jane");
        t.created_by->subject_type = nf_strdup("USER");
        t.created_by->username = nf_strdup("jane@example.com");
        t.created_by->full_name = nf_strdup("Jane <Doe> & Co");
        assert_int_equal(tw_inventory_add_token(inv, &t), 0);
}

void nf_add_workspace(struct tw_inventory *inv, const char *id, const char *name)
{
        struct tw_workspace w = {nf_strdup(id), nf_strdup(name)};

        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
}

void nf_add_deployment(struct tw_inventory *inv, const char *id, const char *name, const char *ws)
{
        struct tw_deployment d = {nf_strdup(id), nf_strdup(name), nf_strdup(ws)};

        assert_int_equal(tw_inventory_add_deployment(inv, &d), 0);
}

static int cmp_finding(const void *a, const void *b)
{
        const struct tw_finding *x = a, *y = b;

        if (x->token != y->token)
                return x->token < y->token ? -1 : 1;
        return (int)x->kind - (int)y->kind;
}

/* The data a finding of kind k of token t is made of: its times, and a
 * first-role reason for the kinds that list reasons. */
static void nf_finding_data(struct tw_evaluation *ev, struct tw_finding *f,
                            const struct tw_token *t)
{
        struct tw_finding_reason *rs;

        f->fix = f->kind == TW_FINDING_OVER_PRIVILEGED ? TW_FIX_UPDATE_ROLE
                 : f->kind == TW_FINDING_EXPIRED || f->kind == TW_FINDING_EXPIRING ||
                                 f->kind == TW_FINDING_NEW_SOURCE
                         ? TW_FIX_ROTATE
                         : TW_FIX_DELETE;
        f->at = f->kind == TW_FINDING_UNUSED ? t->last_used_at : t->end_at;
        f->after = f->severity == TW_SEVERITY_CRITICAL ? 7 * DAY : 30 * DAY;
        f->first_reason = ev->n_reasons;
        if ((f->kind != TW_FINDING_ORPHANED && f->kind != TW_FINDING_OVER_PRIVILEGED) ||
            !t->n_roles)
                return;
        rs = &ev->reasons[ev->n_reasons++];
        *rs = (struct tw_finding_reason){
                .kind = f->kind == TW_FINDING_ORPHANED ? TW_REASON_ENTITY_GONE
                                                       : TW_REASON_ROLE_ABOVE,
                .ceiling = strcmp(t->roles[0].entity_type, "ORGANIZATION") == 0
                                   ? "ORGANIZATION_BILLING_ADMIN"
                                   : "WORKSPACE_OPERATOR",
                .at = TW_NO_TIME,
        };
        rs->target = rs->ceiling;
        f->n_reasons = 1;
}

/* An evaluation of inv holding exactly the findings given. */
struct tw_evaluation *nf_evaluation(const struct tw_inventory *inv, const struct nf_finding *fs,
                                    int64_t now)
{
        struct tw_evaluation *ev = calloc(1, sizeof(*ev));
        size_t n = 0;

        assert_non_null(ev);
        while (fs && fs[n].token_id)
                n++;
        ev->now = now;
        ev->n_tokens = inv->n_tokens;
        ev->findings = calloc(n + 1, sizeof(*ev->findings));
        ev->reasons = calloc(n + 1, sizeof(*ev->reasons));
        ev->token_first = calloc(inv->n_tokens + 1, sizeof(size_t));
        ev->token_count = calloc(inv->n_tokens + 1, sizeof(size_t));
        assert_true(ev->findings && ev->reasons && ev->token_first && ev->token_count);
        for (size_t i = 0; i < n; i++) {
                struct tw_finding *f = &ev->findings[i];
                const struct tw_token *t = tw_inventory_token(inv, fs[i].token_id);

                assert_non_null(t);
                f->token = (size_t)(t - inv->tokens);
                f->kind = fs[i].kind;
                f->severity = fs[i].severity;
                nf_finding_data(ev, f, t);
                f->suppressed = fs[i].suppressed;
                f->suppressed_until = fs[i].suppressed ? now + DAY : TW_NO_TIME;
                f->suppressed_reason = fs[i].suppressed ? "accepted" : NULL;
        }
        ev->n_findings = n;
        if (n)
                qsort(ev->findings, n, sizeof(*ev->findings), cmp_finding);
        for (size_t i = n; i-- > 0;) {
                ev->token_first[ev->findings[i].token] = i;
                ev->token_count[ev->findings[i].token]++;
        }
        return ev;
}

struct tw_inventory *nf_hostile_inventory(void)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");

        assert_non_null(inv);
        nf_add_workspace(inv, "ws-1", "Data <Eng>");
        nf_add_token(inv, "tok-a", NF_HOSTILE, "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR",
                     NOW + 3 * DAY);
        return inv;
}

const struct tw_notify_event *nf_hostile_event(struct tw_notify_events *evs,
                                               const struct tw_inventory *inv,
                                               enum tw_notify_event_type type,
                                               enum tw_finding_kind kind, enum tw_severity sev,
                                               const char *key)
{
        const struct tw_token *t = tw_inventory_token(inv, "tok-a");
        struct tw_notify_event e = {.expires_at = TW_NO_TIME};
        struct tw_buf fix;

        assert_non_null(t);
        tw_buf_init(&fix, 0);
        assert_int_equal(tw_token_fix_command(t, TW_FIX_ROTATE, NULL, NULL, &fix), 0);
        e.type = type;
        e.token_id = "tok-a";
        e.token_name = NF_HOSTILE;
        e.kind = kind;
        e.severity = sev;
        e.prev_kind = TW_FINDING_EXPIRING;
        e.prev_severity = TW_SEVERITY_WARNING;
        e.message = "Token \"" NF_HOSTILE "\" expires 2026-06-04 12:00 UTC (in 3 days).";
        e.fix = fix.ptr;
        e.organization = "org-1";
        e.since = NOW - 2 * DAY;
        e.changed_at = NOW - HOUR;
        e.at = NOW;
        snprintf(e.idempotency_key, sizeof(e.idempotency_key), "%s", key);
        /* resolved: the token was deleted, only the copies are left */
        if (type != TW_NOTIFY_RESOLVED)
                assert_int_equal(
                        tw_notify_event_set_token(&e, inv, t, tw_notify_event_notifies(type)), 0);
        assert_int_equal(tw_notify_events_push(evs, &e), 0);
        tw_buf_done(&fix);
        return &evs->events[evs->n - 1];
}

const struct tw_sink_ctx nf_sink_ctx = {
        .organization_id = "org-1",
        .now = NOW,
        .routing_key = "R0UT1NG",
        .alert_ttl = 900,
};

void nf_hostile_events(struct tw_notify_events *evs, const struct tw_inventory *inv)
{
        nf_hostile_event(evs, inv, TW_NOTIFY_FIRING, TW_FINDING_EXPIRING, TW_SEVERITY_WARNING,
                         "k-firing");
        nf_hostile_event(evs, inv, TW_NOTIFY_ESCALATED, TW_FINDING_EXPIRING, TW_SEVERITY_CRITICAL,
                         "k-escalated");
        nf_hostile_event(evs, inv, TW_NOTIFY_RESOLVED, TW_FINDING_EXPIRING, TW_SEVERITY_CRITICAL,
                         "k-resolved");
        nf_hostile_event(evs, inv, TW_NOTIFY_REMINDER, TW_FINDING_EXPIRING, TW_SEVERITY_CRITICAL,
                         "k-reminder");
}

void nf_golden_bodies(const char *format, const char *file, const struct tw_inventory *inv,
                      const struct tw_notify_event *evs, size_t n)
{
        const struct tw_sink_format *f = tw_sink_format_find(format);
        struct tw_sink_ctx c = nf_sink_ctx;
        cJSON *arr = cJSON_CreateArray(), *p, *back;
        char *text;

        assert_non_null(f);
        c.inv = inv;
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(f->build(&c, &evs[i], 1, &p, NULL), 0);
                cJSON_AddItemToArray(arr, p);
        }
        text = cJSON_Print(arr);
        assert_non_null(text);
        back = cJSON_Parse(text); /* hostile names stay valid JSON */
        assert_non_null(back);
        cJSON_Delete(back);
        tw_golden_check(file, text, strlen(text));
        free(text);
        cJSON_Delete(arr);
}

void nf_golden_format(const char *format, const char *file, size_t n)
{
        struct tw_inventory *inv = nf_hostile_inventory();
        struct tw_notify_events evs = {0};

        assert_true(n <= 4);
        nf_hostile_events(&evs, inv);
        nf_golden_bodies(format, file, inv, evs.events, n);
        tw_notify_events_done(&evs);
        tw_inventory_free(inv);
}
