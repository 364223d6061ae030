/* The report: JSON contract (parsed back), formats, caps, golden files.
 * CSV, table and Markdown escaping are in test_report_text.c. */
#include "exporters/report/report.h"

#include "helpers/report_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#include <errno.h>

#include <cjson/cJSON.h>

#include "helpers/golden.h"

static cJSON *fix_json(bool with_eval)
{
        size_t len;
        char *text = fix_render(TW_REPORT_JSON, with_eval, &len);
        cJSON *root;

        assert_true(len > 2 && text[len - 1] == '\n' && text[len - 2] != '\n');
        root = cJSON_ParseWithLength(text, len);
        if (!root)
                fail_msg("report JSON does not parse: %s", text);
        free(text);
        return root;
}

static const cJSON *get(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        if (!v)
                fail_msg("missing key \"%s\"", key);
        return v;
}

static void assert_json_str(const cJSON *o, const char *key, const char *want)
{
        const cJSON *v = get(o, key);

        if (!cJSON_IsString(v))
                fail_msg("\"%s\" is not a string", key);
        if (strcmp(v->valuestring, want) != 0)
                fail_msg("\"%s\": got \"%s\", want \"%s\"", key, v->valuestring, want);
}

static void assert_json_null(const cJSON *o, const char *key)
{
        if (!cJSON_IsNull(get(o, key)))
                fail_msg("\"%s\" is not null", key);
}

static void assert_json_num(const cJSON *o, const char *key, double want)
{
        const cJSON *v = get(o, key);

        if (!cJSON_IsNumber(v) || cJSON_GetNumberValue(v) != want)
                fail_msg("\"%s\": want %g", key, want);
}

static const cJSON *token(const cJSON *root, int i)
{
        return cJSON_GetArrayItem(get(root, "tokens"), i);
}

static void test_json_header(void **state)
{
        cJSON *root = fix_json(true);
        const cJSON *err, *cred, *ws;

        (void)state;
        assert_json_str(root, "generated_at", "2025-06-15T15:06:40Z");
        assert_json_str(root, "organization_id", "org-1");
        assert_json_str(root, "api_version", "v1");
        assert_true(cJSON_IsFalse(get(root, "complete")));
        err = cJSON_GetArrayItem(get(root, "errors"), 0);
        assert_non_null(err);
        assert_json_str(err, "listing", "tokens workspace=ws-9");
        assert_json_str(err, "message", "HTTP 403: not allowed | <i>requestId</i> r-1");
        cred = get(root, "credential");
        assert_json_str(cred, "token_id", "tok-a");
        assert_json_str(cred, "expires_at", "2025-06-18T15:06:40Z");
        ws = cJSON_GetArrayItem(get(root, "workspaces"), 0);
        assert_json_str(ws, "id", "ws-1");
        assert_json_str(ws, "name", "Data \"Eng\" | team");
        assert_true(cJSON_IsString(get(root, "policy")));
        cJSON_Delete(root);
}

static void test_json_tokens(void **state)
{
        static const struct {
                const char *name;
                const char *id;
                const char *creator; /* NULL: created_by null */
                const char *expires; /* NULL: null */
                const char *last_used;
                int n_findings;
        } cases[] = {
                {"full name first", "tok-a", "Alice A", "2025-06-18T15:06:40Z",
                 "2025-06-15T14:06:40Z", 1},
                {"username, no expiry, never used", "tok-b", "bob@example.com", NULL, NULL, 3},
                {"service key's token name", "tok-c", "bootstrap key", "2025-06-14T15:06:40Z", NULL,
                 1},
                {"no creator, no findings", "tok-d", NULL, "2025-08-14T15:06:40Z",
                 "2025-06-13T15:06:40Z", 0},
        };
        cJSON *root = fix_json(true);

        (void)state;
        assert_int_equal(cJSON_GetArraySize(get(root, "tokens")), 4);
        for (int i = 0; i < 4; i++) {
                const cJSON *t = token(root, i);

                print_message("case: %s\n", cases[i].name);
                assert_json_str(t, "id", cases[i].id);
                if (cases[i].creator) {
                        assert_json_str(get(t, "created_by"), "name", cases[i].creator);
                        assert_true(cJSON_IsString(get(get(t, "created_by"), "subject_type")));
                } else {
                        assert_json_null(t, "created_by");
                }
                if (cases[i].expires)
                        assert_json_str(t, "expires_at", cases[i].expires);
                else
                        assert_json_null(t, "expires_at");
                if (cases[i].last_used)
                        assert_json_str(t, "last_used_at", cases[i].last_used);
                else
                        assert_json_null(t, "last_used_at");
                assert_json_str(t, "created_at", "2025-03-07T15:06:40Z");
                assert_json_str(t, "start_at", "2025-03-07T15:06:40Z");
                assert_true(cJSON_IsArray(get(t, "roles")));
                assert_int_equal(cJSON_GetArraySize(get(t, "findings")), cases[i].n_findings);
        }
        /* Hostile bytes survive the round trip exactly; absent strings are null. */
        assert_json_str(token(root, 1), "name", FIX_HOSTILE);
        assert_json_null(token(root, 1), "kind");
        assert_json_null(token(root, 3), "description");
        assert_json_null(token(root, 3), "short_token");
        assert_json_str(token(root, 0), "description",
                        "used by CI; team=data-eng; repo=github.com/acme/dags");
        assert_int_equal(strlen(cJSON_GetStringValue(get(token(root, 3), "name"))), 320);
        cJSON_Delete(root);
}

static void test_json_roles(void **state)
{
        cJSON *root = fix_json(true);
        const cJSON *r;

        (void)state;
        r = cJSON_GetArrayItem(get(token(root, 0), "roles"), 0);
        assert_json_str(r, "entity_type", "WORKSPACE");
        assert_json_str(r, "entity_id", "ws-1");
        assert_json_str(r, "entity_name", "Data \"Eng\" | team");
        assert_json_str(r, "role", "WORKSPACE_OPERATOR");
        assert_true(cJSON_IsFalse(get(r, "custom_role")));
        r = cJSON_GetArrayItem(get(token(root, 1), "roles"), 0);
        assert_json_null(r, "entity_name"); /* organizations have no name here */
        r = cJSON_GetArrayItem(get(token(root, 1), "roles"), 1);
        assert_json_null(r, "entity_name"); /* a workspace that no longer exists */
        r = cJSON_GetArrayItem(get(token(root, 2), "roles"), 0);
        assert_json_str(r, "entity_name", "prod");
        assert_json_str(r, "role", "CUSTOM_DEPLOYER");
        assert_true(cJSON_IsTrue(get(r, "custom_role")));
        cJSON_Delete(root);
}

static void test_json_findings(void **state)
{
        cJSON *root = fix_json(true);
        const cJSON *f;

        (void)state;
        f = cJSON_GetArrayItem(get(token(root, 1), "findings"), 1);
        assert_json_str(f, "kind", "orphaned");
        assert_json_str(f, "severity", "warning");
        assert_json_str(f, "message",
                        "Token \"" FIX_HOSTILE "\" is orphaned: its WORKSPACE_OWNER role points at "
                        "workspace ws-gone, which no longer exists.");
        assert_json_str(f, "fix", "astro organization token delete tok-b");
        assert_true(cJSON_IsFalse(get(f, "suppressed")));
        assert_json_null(f, "suppressed_until");
        assert_json_null(f, "suppressed_reason");
        f = cJSON_GetArrayItem(get(token(root, 1), "findings"), 2);
        assert_json_str(f, "kind", "over_privileged");
        assert_json_str(f, "severity", "critical");
        assert_true(cJSON_IsTrue(get(f, "suppressed")));
        assert_json_str(f, "suppressed_until", "2025-06-25T15:06:40Z");
        assert_json_str(f, "suppressed_reason", "accepted: \"SEC-1\"");
        cJSON_Delete(root);
}

static void test_json_summary(void **state)
{
        cJSON *root = fix_json(true);
        const cJSON *s = get(root, "summary"), *n, *soon;

        (void)state;
        assert_json_num(s, "tokens", 4);
        assert_json_num(s, "active_findings", 4);
        assert_json_num(s, "suppressed_findings", 1);
        assert_json_num(get(get(s, "active"), "expired"), "critical", 1);
        assert_json_num(get(get(s, "active"), "expiring"), "critical", 1);
        assert_json_num(get(get(s, "active"), "orphaned"), "warning", 1);
        assert_json_num(get(get(s, "active"), "over_privileged"), "critical", 0);
        assert_json_num(get(get(s, "suppressed"), "over_privileged"), "critical", 1);
        assert_json_num(get(s, "tokens_by_scope"), "WORKSPACE", 2);
        assert_json_num(get(s, "tokens_by_scope"), "ORGANIZATION", 1);
        assert_json_num(get(s, "tokens_by_scope"), "DEPLOYMENT", 1);
        assert_json_num(s, "tokens_without_expiry", 1);
        assert_json_num(s, "tokens_expired", 1);
        soon = get(s, "soonest_expiry"); /* tok-c already expired: not "soonest" */
        assert_json_str(soon, "token_id", "tok-a");
        assert_json_str(soon, "name", "ci deploy");
        assert_json_str(soon, "expires_at", "2025-06-18T15:06:40Z");

        assert_int_equal(cJSON_GetArraySize(get(root, "suppressions")), 2);
        n = cJSON_GetArrayItem(get(root, "suppressions"), 0);
        assert_json_str(n, "token_id", "tok-a");
        assert_json_str(n, "kind", "unused");
        assert_json_str(n, "until", "2025-06-14T15:06:40Z");
        assert_json_str(n, "status", "lapsed");
        n = cJSON_GetArrayItem(get(root, "suppressions"), 1);
        assert_json_null(n, "kind");
        assert_json_str(n, "status", "stale");
        assert_json_str(n, "reason", "gone | <script>");
        assert_string_equal(
                cJSON_GetStringValue(cJSON_GetArrayItem(get(root, "evaluation_errors"), 0)),
                "orphan check of 1 token skipped: deployments not listed");
        cJSON_Delete(root);
}

/* Without an evaluation: findings [] everywhere, the collection time. */
static void test_json_without_evaluation(void **state)
{
        cJSON *root = fix_json(false);

        (void)state;
        assert_json_str(root, "generated_at", "2025-06-15T15:05:40Z");
        for (int i = 0; i < 4; i++) {
                assert_true(cJSON_IsArray(get(token(root, i), "findings")));
                assert_int_equal(cJSON_GetArraySize(get(token(root, i), "findings")), 0);
        }
        assert_json_num(get(root, "summary"), "active_findings", 0);
        assert_int_equal(cJSON_GetArraySize(get(root, "suppressions")), 0);
        assert_int_equal(cJSON_GetArraySize(get(root, "evaluation_errors")), 0);
        cJSON_Delete(root);
}

/* An empty, complete inventory without config or evaluation renders in every format. */
static void test_empty_inventory(void **state)
{
        static const enum tw_report_format fmts[] = {TW_REPORT_TABLE, TW_REPORT_JSON, TW_REPORT_CSV,
                                                     TW_REPORT_MARKDOWN};
        struct tw_inventory *inv = tw_inventory_new("org-empty", "v1beta1");
        struct tw_snapshot snap = {.inv = inv};
        cJSON *root;
        struct tw_buf out;

        (void)state;
        assert_non_null(inv);
        inv->collected_at = TW_NO_TIME;
        for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
                tw_buf_init(&out, 0);
                assert_int_equal(tw_report_render(&snap, fmts[i], &out), 0);
                assert_true(out.len > 0);
                if (fmts[i] == TW_REPORT_JSON) {
                        root = cJSON_Parse(out.ptr);
                        assert_non_null(root);
                        assert_json_null(root, "generated_at");
                        assert_json_null(root, "policy");
                        assert_json_null(get(root, "credential"), "token_id");
                        assert_json_null(get(root, "credential"), "expires_at");
                        assert_json_null(get(root, "summary"), "soonest_expiry");
                        assert_true(cJSON_IsTrue(get(root, "complete")));
                        assert_int_equal(cJSON_GetArraySize(get(root, "tokens")), 0);
                        cJSON_Delete(root);
                }
                tw_buf_done(&out);
        }
        tw_inventory_free(inv);
}

static void test_format_from_string(void **state)
{
        static const struct {
                const char *in;
                int want_r;
                enum tw_report_format want;
        } cases[] = {
                {"table", 0, TW_REPORT_TABLE},
                {"json", 0, TW_REPORT_JSON},
                {"csv", 0, TW_REPORT_CSV},
                {"markdown", 0, TW_REPORT_MARKDOWN},
                {"md", 0, TW_REPORT_MARKDOWN},
                {"JSON", -EINVAL, 0},
                {"", -EINVAL, 0},
                {NULL, -EINVAL, 0},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                enum tw_report_format f = TW_REPORT_TABLE;

                assert_int_equal(tw_report_format_from_string(cases[i].in, &f), cases[i].want_r);
                if (cases[i].want_r == 0)
                        assert_int_equal(f, cases[i].want);
        }
}

/* A cap too small fails with -E2BIG and leaves what was there. */
static void test_cap_leaves_buffer(void **state)
{
        static const enum tw_report_format fmts[] = {TW_REPORT_TABLE, TW_REPORT_JSON, TW_REPORT_CSV,
                                                     TW_REPORT_MARKDOWN};
        struct tw_inventory *inv = fix_inventory();
        struct tw_evaluation *ev = fix_evaluation();
        struct tw_snapshot snap = {.inv = inv, .ev = ev};
        struct tw_buf out;

        (void)state;
        for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
                tw_buf_init(&out, 700);
                assert_int_equal(tw_buf_adds(&out, "before"), 0);
                assert_int_equal(tw_report_render(&snap, fmts[i], &out), -E2BIG);
                assert_int_equal(out.len, 6);
                assert_string_equal(out.ptr, "before");
                tw_buf_done(&out);
        }
        assert_int_equal(tw_report_render(NULL, TW_REPORT_JSON, &out), -EINVAL);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

static void test_golden(void **state)
{
        static const struct {
                enum tw_report_format fmt;
                const char *file;
        } cases[] = {
                {TW_REPORT_JSON, "report-small.json"},
                {TW_REPORT_CSV, "report-small.csv"},
                {TW_REPORT_MARKDOWN, "report-small.md"},
                {TW_REPORT_TABLE, "report-small.txt"},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t len;
                char *text = fix_render(cases[i].fmt, true, &len);

                tw_golden_check(cases[i].file, text, len);
                free(text);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_json_header),
                cmocka_unit_test(test_json_tokens),
                cmocka_unit_test(test_json_roles),
                cmocka_unit_test(test_json_findings),
                cmocka_unit_test(test_json_summary),
                cmocka_unit_test(test_json_without_evaluation),
                cmocka_unit_test(test_empty_inventory),
                cmocka_unit_test(test_format_from_string),
                cmocka_unit_test(test_cap_leaves_buffer),
                cmocka_unit_test(test_golden),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
