/* The report renderers' fixture (tests/helpers/report_fixture.h): an
 * inventory with hostile names and a hand-built evaluation. */
#include "helpers/report_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/usage/usage.h"
#include "exporters/report/report.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

char *fix_dup(const char *s)
{
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        assert_non_null(d);
        return d;
}

struct tw_subject *fix_subject(const char *id, const char *type, const char *username,
                               const char *full_name, const char *token_name)
{
        struct tw_subject *s = calloc(1, sizeof(*s));

        assert_non_null(s);
        s->id = fix_dup(id);
        s->subject_type = fix_dup(type);
        s->username = fix_dup(username);
        s->full_name = fix_dup(full_name);
        s->api_token_name = fix_dup(token_name);
        return s;
}

/* A token with up to two roles ("TYPE", "entity", "ROLE" triples; NULL ends). */
void fix_token(struct tw_inventory *inv, const char *id, const char *name, const char *scope,
               const char *kind, int64_t end_at, int64_t last_used, struct tw_subject *creator,
               const char *const roles[6])
{
        struct tw_token t = {0};

        t.id = fix_dup(id);
        t.name = fix_dup(name);
        /* Owners: tok-a's from its description, tok-b's hostile one
         * dropped (its team falls to the next source). */
        t.description = fix_dup(
                strcmp(id, "tok-a") == 0   ? "used by CI; team=data-eng; repo=github.com/acme/dags"
                : strcmp(id, "tok-b") == 0 ? "used by \"CI\"; team=<img src=x onerror=alert(1)>; "
                                             "owner=\"eve\"\ncontact=ops@acme.com"
                : strcmp(id, "tok-d")      ? "used by \"CI\""
                                           : NULL);
        t.short_token = fix_dup(strcmp(id, "tok-d") ? "abc1234" : NULL);
        t.scope = fix_dup(scope);
        t.kind = fix_dup(kind);
        t.start_at = FIX_NOW - FIX_DAY * 100;
        t.created_at = FIX_NOW - FIX_DAY * 100;
        t.updated_at = t.created_at;
        t.end_at = end_at;
        t.last_used_at = last_used;
        t.last_rotated_at = TW_NO_TIME;
        t.created_by = creator;
        t.roles = calloc(2, sizeof(*t.roles));
        assert_non_null(t.roles);
        for (int i = 0; i < 2 && roles && roles[i * 3]; i++) {
                t.roles[i].entity_type = fix_dup(roles[i * 3]);
                t.roles[i].entity_id = fix_dup(roles[i * 3 + 1]);
                t.roles[i].role = fix_dup(roles[i * 3 + 2]);
                t.n_roles++;
        }
        assert_int_equal(tw_inventory_add_token(inv, &t), 0);
}

/* A name of 300 codepoints: 290 ASCII, 5 two-byte, 5 emoji. */
static char *make_long_name(void)
{
        struct tw_buf b;

        tw_buf_init(&b, 0);
        for (int i = 0; i < 290; i++)
                assert_int_equal(tw_buf_addc(&b, (char)('a' + i % 26)), 0);
        for (int i = 0; i < 5; i++)
                assert_int_equal(tw_buf_adds(&b, "\xc3\xa9"), 0);
        for (int i = 0; i < 5; i++)
                assert_int_equal(tw_buf_adds(&b, "\xf0\x9f\x94\x91"), 0);
        return tw_buf_steal(&b);
}

/*
 * tok-a  workspace token expiring in 3 days (critical)
 * tok-b  hostile name, organization owner, never expires, never used: no_expiry and
 *        orphaned (warning), over_privileged (critical, suppressed)
 * tok-c  deployment token with a custom role, expired a day ago (critical)
 * tok-d  300-character name, no creator, no roles, no findings
 * One failed listing.
 */
struct tw_inventory *fix_inventory(void)
{
        static const char *const roles_a[6] = {"WORKSPACE", "ws-1", "WORKSPACE_OPERATOR"};
        static const char *const roles_b[6] = {"ORGANIZATION", "org-1",   "ORGANIZATION_OWNER",
                                               "WORKSPACE",    "ws-gone", "WORKSPACE_OWNER"};
        static const char *const roles_c[6] = {"DEPLOYMENT", "dep-1", "CUSTOM_DEPLOYER"};
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_workspace w = {0};
        struct tw_deployment d = {0};
        char *long_name = make_long_name();

        assert_non_null(inv);
        inv->collected_at = FIX_NOW - 60;
        inv->credential.token_id = fix_dup("tok-a");
        inv->credential.expires_at = FIX_NOW + FIX_DAY * 3;
        for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                inv->listed[k] = true;
        w.id = fix_dup("ws-1");
        w.name = fix_dup("Data \"Eng\" | team");
        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
        d.id = fix_dup("dep-1");
        d.name = fix_dup("prod");
        d.workspace_id = fix_dup("ws-1");
        assert_int_equal(tw_inventory_add_deployment(inv, &d), 0);
        fix_token(inv, "tok-d", long_name, "WORKSPACE", "STANDARD", FIX_NOW + FIX_DAY * 60,
                  FIX_NOW - FIX_DAY * 2, NULL, NULL);
        fix_token(inv, "tok-c", "dag runner", "DEPLOYMENT", NULL, FIX_NOW - FIX_DAY, TW_NO_TIME,
                  fix_subject("sk-1", "SERVICEKEY", NULL, NULL, "bootstrap key"), roles_c);
        fix_token(inv, "tok-b", FIX_HOSTILE, "ORGANIZATION", NULL, TW_NO_TIME, TW_NO_TIME,
                  fix_subject("u-2", "USER", "bob@example.com", NULL, NULL), roles_b);
        fix_token(inv, "tok-a", "ci deploy", "WORKSPACE", "STANDARD", FIX_NOW + FIX_DAY * 3,
                  FIX_NOW - 3600, fix_subject("u-1", "USER", "alice@example.com", "Alice A", NULL),
                  roles_a);
        assert_int_equal(tw_inventory_add_error(inv, "tokens workspace=ws-9",
                                                "HTTP 403: not allowed | <i>requestId</i> r-1"),
                         0);
        assert_int_equal(tw_inventory_sort(inv), 0);
        free(long_name);
        return inv;
}

/* The findings described at fix_inventory(), a lapsed and a stale note and
 * an evaluation error.  Strings are literals (the evaluation's arena stays
 * empty). */
struct tw_evaluation *fix_evaluation(void)
{
        static const struct {
                size_t token;
                enum tw_finding_kind kind;
                enum tw_severity sev;
                bool suppressed;
                enum tw_fix_action fix;
                int64_t at, after;
        } rows[] = {
                {0, TW_FINDING_EXPIRING, TW_SEVERITY_CRITICAL, false, TW_FIX_ROTATE,
                 FIX_NOW + FIX_DAY * 3, FIX_DAY * 7},
                {1, TW_FINDING_NO_EXPIRY, TW_SEVERITY_WARNING, false, TW_FIX_DELETE, TW_NO_TIME, 0},
                {1, TW_FINDING_ORPHANED, TW_SEVERITY_WARNING, false, TW_FIX_DELETE, TW_NO_TIME, 0},
                {1, TW_FINDING_OVER_PRIVILEGED, TW_SEVERITY_CRITICAL, true, TW_FIX_UPDATE_ROLE,
                 TW_NO_TIME, 0},
                {2, TW_FINDING_EXPIRED, TW_SEVERITY_CRITICAL, false, TW_FIX_ROTATE,
                 FIX_NOW - FIX_DAY, 0},
        };
        /* tok-b's ws-gone role, and its ORGANIZATION_OWNER role above the ceiling */
        static const struct tw_finding_reason reasons[] = {
                {.kind = TW_REASON_ENTITY_GONE, .role = 1, .at = TW_NO_TIME},
                {.kind = TW_REASON_ROLE_ABOVE,
                 .role = 0,
                 .ceiling = "ORGANIZATION_BILLING_ADMIN",
                 .target = "ORGANIZATION_BILLING_ADMIN",
                 .at = TW_NO_TIME},
        };
        size_t n = sizeof(rows) / sizeof(rows[0]);
        struct tw_evaluation *ev = calloc(1, sizeof(*ev));

        assert_non_null(ev);
        ev->now = FIX_NOW;
        ev->findings = calloc(n, sizeof(*ev->findings));
        ev->token_first = calloc(4, sizeof(size_t));
        ev->token_count = calloc(4, sizeof(size_t));
        ev->reasons = calloc(2, sizeof(*ev->reasons));
        ev->notes = calloc(2, sizeof(*ev->notes));
        ev->errors = calloc(1, sizeof(char *));
        assert_true(ev->findings && ev->token_first && ev->token_count && ev->reasons &&
                    ev->notes && ev->errors);
        memcpy(ev->reasons, reasons, sizeof(reasons));
        ev->n_reasons = 2;
        ev->n_findings = n;
        ev->n_tokens = 4;
        for (size_t i = 0; i < n; i++) {
                struct tw_finding *f = &ev->findings[i];

                f->token = rows[i].token;
                f->kind = rows[i].kind;
                f->severity = rows[i].sev;
                f->fix = rows[i].fix;
                f->at = rows[i].at;
                f->after = rows[i].after;
                f->first_reason = f->kind == TW_FINDING_OVER_PRIVILEGED ? 1 : 0;
                f->n_reasons =
                        f->kind == TW_FINDING_ORPHANED || f->kind == TW_FINDING_OVER_PRIVILEGED;
                f->suppressed = rows[i].suppressed;
                f->suppressed_until = rows[i].suppressed ? FIX_NOW + FIX_DAY * 10 : TW_NO_TIME;
                f->suppressed_reason = rows[i].suppressed ? "accepted: \"SEC-1\"" : NULL;
                if (!ev->token_count[f->token])
                        ev->token_first[f->token] = i;
                ev->token_count[f->token]++;
                if (f->suppressed)
                        ev->suppressed_count++;
                else
                        ev->active[f->kind][f->severity]++;
        }
        ev->notes[0] = (struct tw_suppression_note){"tok-a", "unused", FIX_NOW - FIX_DAY,
                                                    "old exception", false};
        ev->notes[1] = (struct tw_suppression_note){"tok-zzz", NULL, FIX_NOW + FIX_DAY,
                                                    "gone | <script>", true};
        ev->n_notes = 2;
        ev->errors[0] = "orphan check of 1 token skipped: deployments not listed";
        ev->n_errors = 1;
        return ev;
}

/* The fixture rendered in fmt (with the change history and the usage when
 * with_eval); the caller frees the text. */
char *fix_render(enum tw_report_format fmt, bool with_eval, size_t *ret_len)
{
        struct tw_config *cfg = NULL;
        struct tw_inventory *inv = fix_inventory();
        struct tw_evaluation *ev = with_eval ? fix_evaluation() : NULL;
        struct tw_usage *usage = with_eval ? fix_usage() : NULL;
        struct fix_history hist;
        struct tw_snapshot snap;
        struct tw_buf out;

        fix_history_init(&hist);
        assert_int_equal(tw_config_new_default(&cfg), 0);
        snap = (struct tw_snapshot){.cfg = cfg,
                                    .inv = inv,
                                    .ev = ev,
                                    .usage = usage,
                                    .history = with_eval ? &hist.h : NULL};
        tw_buf_init(&out, 0);
        assert_int_equal(tw_report_render(&snap, fmt, &out), 0);
        fix_history_done(&hist);
        tw_usage_free(usage);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
        if (ret_len)
                *ret_len = out.len;
        return tw_buf_steal(&out);
}
