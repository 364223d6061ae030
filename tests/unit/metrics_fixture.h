/* A small in-code inventory with hostile names, its evaluation and an agent
 * status, for the metrics renderer's tests.  Included by test_metrics.c only. */
#ifndef TW_TESTS_UNIT_METRICS_FIXTURE_H
#define TW_TESTS_UNIT_METRICS_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "lib/arena.h"
#include "core/status.h"
#include "lib/timeutil.h"
#include "lib/http/http.h"

#define FIX_NOW 1750000000 /* 2025-06-15T15:06:40Z */

static char *dup_or_null(const char *s)
{
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        assert_non_null(d);
        return d;
}

static struct tw_subject *fix_subject(const char *id, const char *type, const char *username,
                                      const char *full_name, const char *token_name)
{
        struct tw_subject *s = calloc(1, sizeof(*s));

        assert_non_null(s);
        s->id = dup_or_null(id);
        s->subject_type = dup_or_null(type);
        s->username = dup_or_null(username);
        s->full_name = dup_or_null(full_name);
        s->api_token_name = dup_or_null(token_name);
        return s;
}

static void fix_token(struct tw_inventory *inv, const char *id, const char *name, const char *scope,
                      const char *kind, int64_t end_at, int64_t last_used,
                      struct tw_subject *creator, const char *role_type, const char *role_entity,
                      const char *role)
{
        struct tw_token t = {0};

        t.id = dup_or_null(id);
        t.name = dup_or_null(name);
        t.scope = dup_or_null(scope);
        t.kind = dup_or_null(kind);
        t.start_at = FIX_NOW - 86400 * 100;
        t.created_at = FIX_NOW - 86400 * 100;
        t.updated_at = t.created_at;
        t.end_at = end_at;
        t.last_used_at = last_used;
        t.last_rotated_at = TW_NO_TIME;
        t.created_by = creator;
        if (role) {
                t.roles = calloc(1, sizeof(*t.roles));
                assert_non_null(t.roles);
                t.roles[0].entity_type = dup_or_null(role_type);
                t.roles[0].entity_id = dup_or_null(role_entity);
                t.roles[0].role = dup_or_null(role);
                t.n_roles = 1;
        }
        assert_int_equal(tw_inventory_add_token(inv, &t), 0);
}

/* Three tokens: a healthy workspace token, an organization token with a
 * hostile name and no expiry, a deployment token of a scope-to-come. */
static struct tw_inventory *fix_inventory(void)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_workspace w = {0};
        struct tw_deployment d = {0};

        assert_non_null(inv);
        w.id = dup_or_null("ws-1");
        w.name = dup_or_null("Data \"Eng\" \\ team\nB");
        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
        d.id = dup_or_null("dep-1");
        d.name = dup_or_null("prod");
        d.workspace_id = dup_or_null("ws-1");
        assert_int_equal(tw_inventory_add_deployment(inv, &d), 0);
        fix_token(inv, "tok-a", "ci deploy", "WORKSPACE", "STANDARD", FIX_NOW + 86400 * 3,
                  FIX_NOW - 3600, fix_subject("u-1", "USER", "alice@example.com", "Alice A", NULL),
                  "WORKSPACE", "ws-1", "WORKSPACE_OPERATOR");
        fix_token(inv, "tok-b", "evil \"quote\" \\back\\slash\nnewline } # \xf0\x9f\x9a\x80",
                  "ORGANIZATION", NULL, TW_NO_TIME, TW_NO_TIME,
                  fix_subject("u-2", "USER", "bob@example.com", NULL, NULL), "ORGANIZATION",
                  "org-1", "ORGANIZATION_OWNER");
        fix_token(inv, "tok-c", "dag runner", "FUTURE_SCOPE", "DIRECT_ACCESS", FIX_NOW - 86400,
                  TW_NO_TIME, fix_subject("sk-1", "SERVICEKEY", NULL, NULL, "bootstrap key"),
                  "DEPLOYMENT", "dep-1", "DEPLOYMENT_ADMIN");
        assert_int_equal(tw_inventory_sort(inv), 0);
        /* Owners (issue 12): from descriptions, one of them hostile (the
         * inventory's strings live in its arena). */
        inv->tokens[0].description = tw_arena_strdup(
                &inv->arena, "deploys DAGs; team=data-eng; repo=github.com/acme/dags", &(int){0});
        inv->tokens[1].description = tw_arena_strdup(
                &inv->arena,
                "team=evil\"} 1\nx; repo=<script>; contact=ops@acme.com; owner=\\ back", &(int){0});
        inv->tokens[2].description =
                tw_arena_strdup(&inv->arena, "owner: ml-team\ncontact: ml@acme.com", &(int){0});
        return inv;
}

/* Findings for fix_inventory: tok-a expiring (critical), tok-b no_expiry
 * (warning) and over_privileged (critical, suppressed), tok-c expired. */
static struct tw_evaluation *fix_evaluation(void)
{
        static const struct {
                size_t token;
                enum tw_finding_kind kind;
                enum tw_severity sev;
                bool suppressed;
        } rows[] = {
                {0, TW_FINDING_EXPIRING, TW_SEVERITY_CRITICAL, false},
                {1, TW_FINDING_NO_EXPIRY, TW_SEVERITY_WARNING, false},
                {1, TW_FINDING_OVER_PRIVILEGED, TW_SEVERITY_CRITICAL, true},
                {2, TW_FINDING_EXPIRED, TW_SEVERITY_CRITICAL, false},
        };
        struct tw_evaluation *ev = calloc(1, sizeof(*ev));
        size_t n = sizeof(rows) / sizeof(rows[0]);

        assert_non_null(ev);
        ev->now = FIX_NOW;
        ev->findings = calloc(n, sizeof(*ev->findings));
        ev->token_first = calloc(3, sizeof(size_t));
        ev->token_count = calloc(3, sizeof(size_t));
        assert_non_null(ev->findings);
        ev->n_findings = n;
        ev->n_tokens = 3;
        for (size_t i = 0; i < n; i++) {
                struct tw_finding *f = &ev->findings[i];

                f->token = rows[i].token;
                f->kind = rows[i].kind;
                f->severity = rows[i].sev;
                f->at = TW_NO_TIME;
                f->suppressed = rows[i].suppressed;
                f->suppressed_until = rows[i].suppressed ? FIX_NOW + 86400 : TW_NO_TIME;
                if (!ev->token_count[f->token])
                        ev->token_first[f->token] = i;
                ev->token_count[f->token]++;
                if (f->suppressed)
                        ev->suppressed_count++;
                else
                        ev->active[f->kind][f->severity]++;
        }
        return ev;
}

static void fix_status(struct tw_agent_status *st, struct tw_http_stats *http)
{
        memset(http, 0, sizeof(*http));
        tw_http_stats_count(http, "tokens", 200);
        tw_http_stats_count(http, "tokens", 200);
        tw_http_stats_count(http, "tokens", 429);
        tw_http_stats_count(http, "users", 200);
        tw_http_stats_count(http, "users", 0);
        http->retries[TW_RETRY_RATE_LIMITED] = 1;
        http->retries[TW_RETRY_CONNECTION] = 1;

        tw_agent_status_init(st, "1.2.3-test");
        st->collected = true;
        st->collection_success = true;
        for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                st->listing_success[k] = true;
        st->last_success = FIX_NOW;
        st->collection_duration = 1.25;
        st->http = http;
        st->credential_expiry = FIX_NOW + 86400 * 30;
        st->config_reload_time = FIX_NOW - 600;
}

#endif
