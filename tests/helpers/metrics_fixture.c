/* The metrics renderer's fixture (tests/helpers/metrics_fixture.h). */
#include "helpers/metrics_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/status.h"
#include "lib/arena.h"
#include "lib/http/http.h"
#include "lib/timeutil.h"

void mf_token(struct tw_inventory *inv, const char *id, const char *name, const char *scope,
              const char *kind, int64_t end_at, int64_t last_used, struct tw_subject *creator,
              const char *role_type, const char *role_entity, const char *role)
{
        struct tw_token t = {0};

        t.id = fix_dup(id);
        t.name = fix_dup(name);
        t.scope = fix_dup(scope);
        t.kind = fix_dup(kind);
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
                t.roles[0].entity_type = fix_dup(role_type);
                t.roles[0].entity_id = fix_dup(role_entity);
                t.roles[0].role = fix_dup(role);
                t.n_roles = 1;
        }
        assert_int_equal(tw_inventory_add_token(inv, &t), 0);
}

/* Three tokens: a healthy workspace token, an organization token with a
 * hostile name and no expiry, a deployment token of a scope-to-come. */
struct tw_inventory *mf_inventory(void)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_workspace w = {0};
        struct tw_deployment d = {0};

        assert_non_null(inv);
        w.id = fix_dup("ws-1");
        w.name = fix_dup("Data \"Eng\" \\ team\nB");
        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
        d.id = fix_dup("dep-1");
        d.name = fix_dup("prod");
        d.workspace_id = fix_dup("ws-1");
        assert_int_equal(tw_inventory_add_deployment(inv, &d), 0);
        mf_token(inv, "tok-a", "ci deploy", "WORKSPACE", "STANDARD", FIX_NOW + 86400 * 3,
                 FIX_NOW - 3600, fix_subject("u-1", "USER", "alice@example.com", "Alice A", NULL),
                 "WORKSPACE", "ws-1", "WORKSPACE_OPERATOR");
        mf_token(inv, "tok-b", "evil \"quote\" \\back\\slash\nnewline } # \xf0\x9f\x9a\x80",
                 "ORGANIZATION", NULL, TW_NO_TIME, TW_NO_TIME,
                 fix_subject("u-2", "USER", "bob@example.com", NULL, NULL), "ORGANIZATION", "org-1",
                 "ORGANIZATION_OWNER");
        mf_token(inv, "tok-c", "dag runner", "FUTURE_SCOPE", "DIRECT_ACCESS", FIX_NOW - 86400,
                 TW_NO_TIME, fix_subject("sk-1", "SERVICEKEY", NULL, NULL, "bootstrap key"),
                 "DEPLOYMENT", "dep-1", "DEPLOYMENT_ADMIN");
        assert_int_equal(tw_inventory_sort(inv), 0);
        /* Owners: from descriptions, one of them hostile (the
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

/* Findings for mf_inventory: tok-a expiring (critical), tok-b no_expiry
 * (warning) and over_privileged (critical, suppressed), tok-c expired. */
struct tw_evaluation *mf_evaluation(void)
{
        const struct {
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

void mf_status(struct tw_agent_status *st, struct tw_http_stats *http)
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
        st->cycles = 3;
        st->http = http;
        st->credential_expiry = FIX_NOW + 86400 * 30;
        st->config_reload_time = FIX_NOW - 600;
}
