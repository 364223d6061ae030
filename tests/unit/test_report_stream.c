/* The streamed report (tw_report_write): the same bytes as the buffered one,
 * JSON in pieces, and a sink's error stops it. */
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
#include <stdio.h>

#include <cjson/cJSON.h>

#define MANY_TOKENS 3000

/* Collects what the sink gets; fails with fail_r on call number fail_at. */
struct collect {
        struct tw_buf text;
        size_t calls;
        size_t largest;
        size_t fail_at;
        int fail_r;
};

static int collect_write(void *ctx, const char *data, size_t len)
{
        struct collect *c = ctx;

        c->calls++;
        if (c->fail_at && c->calls == c->fail_at)
                return c->fail_r;
        if (len > c->largest)
                c->largest = len;
        return tw_buf_add(&c->text, data, len);
}

/* The fixture, plus MANY_TOKENS tokens without findings (hostile names) when
 * many: enough for a JSON report of several 64 KiB pieces. */
static struct tw_snapshot fix_snapshot(bool with_eval, bool many)
{
        static const char *const roles[6] = {"WORKSPACE", "ws-1", "WORKSPACE_AUTHOR"};
        struct tw_config *cfg = NULL;
        struct tw_inventory *inv = fix_inventory();
        char id[32];

        assert_int_equal(tw_config_new_default(&cfg), 0);
        /* Ids after "tok-d": the fixture's evaluation keeps covering tokens 0-3. */
        for (int i = 0; many && i < MANY_TOKENS; i++) {
                snprintf(id, sizeof(id), "tok-gen-%05d", i);
                fix_token(inv, id, FIX_HOSTILE, "WORKSPACE", "STANDARD", FIX_NOW + FIX_DAY * i,
                          TW_NO_TIME, fix_subject("u-1", "USER", NULL, "Alice\nA", NULL), roles);
        }
        return (struct tw_snapshot){
                .cfg = cfg, .inv = inv, .ev = with_eval ? fix_evaluation() : NULL};
}

static void snapshot_done(struct tw_snapshot *snap)
{
        tw_evaluation_free((struct tw_evaluation *)snap->ev);
        tw_inventory_free((struct tw_inventory *)snap->inv);
        tw_config_free((struct tw_config *)snap->cfg);
}

/* The streamed JSON is what cJSON_Print() gives for the whole document:
 * parsed back and printed as one tree, it comes out byte for byte the same. */
static void test_json_stream_is_whole_tree(void **state)
{
        static const struct {
                const char *name;
                bool with_eval, many, empty;
        } cases[] = {
                {"fixture", true, false, false},
                {"without evaluation", false, false, false},
                {"many tokens", true, true, false},
                {"empty inventory", false, false, true},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_snapshot snap = fix_snapshot(cases[i].with_eval, cases[i].many);
                struct tw_inventory *empty = tw_inventory_new("org-empty", "v1beta1");
                const struct tw_inventory *fixture = snap.inv;
                struct tw_buf out;
                cJSON *root;
                char *again;

                assert_non_null(empty);
                if (cases[i].empty)
                        snap.inv = empty;
                tw_buf_init(&out, 0);
                assert_int_equal(tw_report_render(&snap, TW_REPORT_JSON, &out), 0);
                root = cJSON_ParseWithLength(out.ptr, out.len);
                if (!root)
                        fail_msg("%s: the streamed JSON does not parse", cases[i].name);
                again = cJSON_Print(root);
                assert_non_null(again);
                if (strlen(again) + 1 != out.len || memcmp(again, out.ptr, out.len - 1) != 0 ||
                    out.ptr[out.len - 1] != '\n')
                        fail_msg("%s: the streamed JSON differs from the whole tree printed",
                                 cases[i].name);
                free(again);
                cJSON_Delete(root);
                tw_buf_done(&out);
                snap.inv = fixture;
                tw_inventory_free(empty);
                snapshot_done(&snap);
        }
}

/* tw_report_write() sends what tw_report_render() returns, in every format;
 * JSON in several pieces of about 64 KiB, never the whole report at once. */
static void test_write_matches_render(void **state)
{
        static const enum tw_report_format fmts[] = {TW_REPORT_TABLE, TW_REPORT_JSON, TW_REPORT_CSV,
                                                     TW_REPORT_MARKDOWN};
        struct tw_snapshot snap = fix_snapshot(true, true);

        (void)state;
        for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
                struct collect c = {.calls = 0};
                struct tw_report_sink sink = {.write = collect_write, .ctx = &c};
                struct tw_buf want;

                tw_buf_init(&c.text, 0);
                tw_buf_init(&want, 0);
                assert_int_equal(tw_report_render(&snap, fmts[i], &want), 0);
                assert_int_equal(tw_report_write(&snap, fmts[i], &sink), 0);
                assert_int_equal(c.text.len, want.len);
                assert_memory_equal(c.text.ptr, want.ptr, want.len);
                if (fmts[i] == TW_REPORT_JSON) {
                        assert_true(want.len > 4 * (64 << 10));
                        assert_true(c.calls > 4);
                        assert_true(c.largest < 2 * (64 << 10));
                } else {
                        assert_int_equal(c.calls, 1);
                }
                tw_buf_done(&want);
                tw_buf_done(&c.text);
        }
        snapshot_done(&snap);
}

/* A sink's error stops the report at once and is returned. */
static void test_sink_error_stops(void **state)
{
        static const struct {
                enum tw_report_format fmt;
                size_t fail_at;
        } cases[] = {
                {TW_REPORT_TABLE, 1}, {TW_REPORT_CSV, 1},  {TW_REPORT_MARKDOWN, 1},
                {TW_REPORT_JSON, 1},  {TW_REPORT_JSON, 2}, {TW_REPORT_JSON, 5},
        };
        struct tw_snapshot snap = fix_snapshot(true, true);

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct collect c = {.fail_at = cases[i].fail_at, .fail_r = -EPIPE};
                struct tw_report_sink sink = {.write = collect_write, .ctx = &c};

                tw_buf_init(&c.text, 0);
                assert_int_equal(tw_report_write(&snap, cases[i].fmt, &sink), -EPIPE);
                assert_int_equal(c.calls, cases[i].fail_at);
                tw_buf_done(&c.text);
        }
        assert_int_equal(tw_report_write(&snap, TW_REPORT_JSON, NULL), -EINVAL);
        assert_int_equal(tw_report_write(NULL, TW_REPORT_JSON, &(struct tw_report_sink){0}),
                         -EINVAL);
        snapshot_done(&snap);
}

/* The stdio sink writes to its FILE *. */
static void test_stdio_sink(void **state)
{
        struct tw_snapshot snap = fix_snapshot(true, false);
        struct tw_report_sink sink;
        struct tw_buf want;
        FILE *f = tmpfile();
        char *got;
        long len;

        (void)state;
        assert_non_null(f);
        sink = (struct tw_report_sink){.write = tw_report_write_stdio, .ctx = f};
        tw_buf_init(&want, 0);
        assert_int_equal(tw_report_render(&snap, TW_REPORT_JSON, &want), 0);
        assert_int_equal(tw_report_write(&snap, TW_REPORT_JSON, &sink), 0);
        assert_int_equal(fflush(f), 0);
        len = ftell(f);
        assert_int_equal(len, (long)want.len);
        got = malloc(want.len);
        assert_non_null(got);
        rewind(f);
        assert_int_equal(fread(got, 1, want.len, f), want.len);
        assert_memory_equal(got, want.ptr, want.len);
        free(got);
        fclose(f);
        tw_buf_done(&want);
        snapshot_done(&snap);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_json_stream_is_whole_tree),
                cmocka_unit_test(test_write_matches_render),
                cmocka_unit_test(test_sink_error_stops),
                cmocka_unit_test(test_stdio_sink),
        };

        (void)fix_render;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
