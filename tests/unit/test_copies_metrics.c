/* The copies' families of the metrics page (exporters/metrics/copies.c):
 * per copy and token from the verdicts, check health from the states; no
 * series for what cannot be told. */
#include "exporters/metrics/copies.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/copies.h"
#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "helpers/config_case.h"
#include "helpers/evaluate_fixture.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define COPIES                                                                              \
        "[deliver.gh]\ntoken = ci-deploy\ntype = github\ncredential_file = /c\n"            \
        "repository = acme/dags\nsecret = S\n"                                              \
        "[deliver.file]\ntoken = ci-deploy\ntype = file\npath = /f\n"                       \
        "[deliver.down]\ntoken = ci-deploy\ntype = vault\ncredential_file = /c\npath = p\n" \
        "key = k\n"                                                                         \
        "[deliver.never]\ntoken = ci-deploy\ntype = exec\ncommand = /bin/true\n"            \
        "[deliver.typo]\ntoken = ci-deplyo\ntype = file\npath = /g\n"

static void families(void **state)
{
        struct tw_config *cfg = tw_test_config_load("copies", COPIES);
        struct tw_inventory *inv = ef_base_inventory();
        struct token_spec tok = HEALTHY_TOKEN("tok");
        struct tw_copy_state st[5];
        struct tw_copies copies = {.configs = cfg->copies, .states = st, .n = 5};
        struct tw_eval_inputs in = {.copies = &copies};
        struct tw_evaluation *ev = NULL;
        struct tw_snapshot snap;
        struct tw_buf out;

        (void)state;
        tok.name = "ci-deploy";
        tok.created = NOW - 10 * DAY;
        ef_add_token(inv, &tok);
        for (int i = 0; i < 5; i++)
                tw_copy_state_init(&st[i]);
        /* gh: written before the token was created; file: missing; down:
         * failed, never read; never: exec; typo: read, token unknown */
        st[0] = (struct tw_copy_state){.status = TW_COPY_STATE_CHECKED,
                                       .checked_at = NOW - 60,
                                       .known = true,
                                       .known_at = NOW - 60,
                                       .exists = true,
                                       .updated_at = NOW - 20 * DAY,
                                       .iat = TW_NO_TIME};
        st[1] = (struct tw_copy_state){.status = TW_COPY_STATE_CHECKED,
                                       .checked_at = NOW - 60,
                                       .known = true,
                                       .known_at = NOW - 60,
                                       .updated_at = TW_NO_TIME,
                                       .iat = TW_NO_TIME};
        st[2].status = TW_COPY_STATE_FAILED;
        st[2].checked_at = NOW - 30;
        st[2].failures = 3;
        st[4] = st[1];
        st[4].exists = true;
        assert_int_equal(tw_evaluate_with(inv, &cfg->policy, NULL, 0, &in, NOW, &ev), 0);
        snap = (struct tw_snapshot){.cfg = cfg, .inv = inv, .ev = ev, .copies = &copies};
        tw_buf_init(&out, 1 << 20);
        assert_int_equal(tw_copies_metrics(&snap, &out), 0);
#define HAS(line) assert_non_null(strstr(out.ptr, line "\n"))
#define LACKS(text) assert_null(strstr(out.ptr, text))
        HAS("astro_token_copy_updated_timestamp_seconds{token_id=\"tok\",deliver=\"gh\","
            "organization=\"org1\"} 1778587200");
        HAS("astro_token_copy_stale{token_id=\"tok\",deliver=\"gh\",organization=\"org1\"} 1");
        HAS("astro_token_copy_stale{token_id=\"tok\",deliver=\"file\",organization=\"org1\"} 1");
        LACKS("deliver=\"down\",organization"); /* never read: nothing to tell */
        LACKS("deliver=\"never\"");             /* exec: never checked */
        LACKS("deliver=\"typo\",organization"); /* no token to name */
        HAS("tokenwatch_copy_check_success{deliver=\"gh\"} 1");
        HAS("tokenwatch_copy_check_success{deliver=\"down\"} 0");
        HAS("tokenwatch_copy_check_success{deliver=\"typo\"} 0");
        HAS("tokenwatch_copy_last_check_timestamp_seconds{deliver=\"down\"} 1780315170");
        HAS("tokenwatch_copy_check_failures_total{deliver=\"down\"} 3");
        HAS("# TYPE tokenwatch_copy_check_failures_total counter");
        tw_buf_done(&out);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

/* Without copies, every family is there with no sample. */
static void none(void **state)
{
        struct tw_snapshot snap = {0};
        struct tw_buf out;

        (void)state;
        tw_buf_init(&out, 1 << 20);
        assert_int_equal(tw_copies_metrics(&snap, &out), 0);
        assert_non_null(strstr(out.ptr, "# TYPE astro_token_copy_stale gauge\n"));
        assert_non_null(strstr(out.ptr, "# TYPE tokenwatch_copy_check_success gauge\n"));
        assert_null(strstr(out.ptr, "} "));
        tw_buf_done(&out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(families),
                cmocka_unit_test(none),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
