/* The renewal families of the metrics page (exporters/metrics/renewal.c):
 * when each token with a copy renews, the renewals by result, the next
 * attempts. */
#include "exporters/metrics/renewal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/inventory.h"
#include "core/rotation/rotation.h"
#include "core/snapshot.h"
#include "helpers/config_case.h"
#include "helpers/evaluate_fixture.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define COPIES                                                                   \
        "[deliver.gh]\ntoken = ci-deploy\ntype = github\ncredential_file = /c\n" \
        "repository = acme/dags\nsecret = S\n"                                   \
        "[deliver.file]\ntoken = ci-deploy\ntype = file\npath = /f\n"            \
        "[deliver.forever]\ntoken = forever\ntype = file\npath = /g\n"           \
        "[deliver.typo]\ntoken = ci-deplyo\ntype = file\npath = /h\n"

#define HAS(line) assert_non_null(strstr(out.ptr, line "\n"))
#define LACKS(text) assert_null(strstr(out.ptr, text))

/* ci-deploy (expires in 3 days, issued 87 days ago), forever (no expiry),
 * lonely (no copy). */
static struct tw_inventory *inventory(void)
{
        struct tw_inventory *inv = ef_base_inventory();
        struct token_spec a = HEALTHY_TOKEN("tok"), b = HEALTHY_TOKEN("forever-id"),
                          c = HEALTHY_TOKEN("lonely");

        a.name = "ci-deploy";
        a.start = a.created = NOW - 87 * DAY;
        a.end = NOW + 3 * DAY;
        b.name = "forever";
        b.end = TW_NO_TIME;
        c.name = "lonely";
        ef_add_token(inv, &a);
        ef_add_token(inv, &b);
        ef_add_token(inv, &c);
        inv->collected_at = NOW;
        return inv;
}

static void render(const char *rotation, const struct tw_renewal_stats *st, struct tw_buf *out)
{
        char text[1024];
        struct tw_config *cfg;
        struct tw_inventory *inv = inventory();
        struct tw_snapshot snap;

        snprintf(text, sizeof(text), "%s%s", rotation, COPIES);
        cfg = tw_test_config_load("renewal", text);
        snap = (struct tw_snapshot){.cfg = cfg, .inv = inv};
        tw_buf_init(out, 1 << 20);
        assert_int_equal(tw_metrics_renewal(&snap, st, out), 0);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

static void renewal_times(void **state)
{
        struct tw_buf out;

        (void)state;
        render("[rotation]\nenabled = true\n", NULL, &out);
        HAS("# TYPE astro_token_renewal_timestamp_seconds gauge");
        /* endAt - 30d: one series for the two copies */
        HAS("astro_token_renewal_timestamp_seconds{token_id=\"tok\",organization=\"org1\"} "
            "1777982400");
        assert_null(strstr(strstr(out.ptr, "{token_id=\"tok\"") + 1, "{token_id=\"tok\""));
        LACKS("token_id=\"forever-id\""); /* never expires: never renewed */
        LACKS("token_id=\"lonely\"");     /* no copy: never renewed */
        tw_buf_done(&out);

        /* a share of the lifetime: 33% of 90 days before endAt */
        render("[rotation]\nenabled = true\nbefore = 33%\n", NULL, &out);
        HAS("astro_token_renewal_timestamp_seconds{token_id=\"tok\",organization=\"org1\"} "
            "1778008320");
        tw_buf_done(&out);

        render("[rotation]\nenabled = false\n", NULL, &out);
        HAS("# TYPE astro_token_renewal_timestamp_seconds gauge");
        LACKS("astro_token_renewal_timestamp_seconds{");
        tw_buf_done(&out);
}

static void counts_and_next_attempts(void **state)
{
        struct tw_renewal_stats st = {.success = 2, .failure = 3, .n_retries = 2};
        struct tw_buf out;

        (void)state;
        render("", NULL, &out);
        HAS("# TYPE tokenwatch_renewals_total counter");
        HAS("tokenwatch_renewals_total{result=\"success\"} 0");
        HAS("tokenwatch_renewals_total{result=\"failure\"} 0");
        HAS("# TYPE tokenwatch_renewal_next_attempt_timestamp_seconds gauge");
        LACKS("tokenwatch_renewal_next_attempt_timestamp_seconds{");
        tw_buf_done(&out);

        snprintf(st.retries[0].token_id, sizeof(st.retries[0].token_id), "tok");
        st.retries[0].at = NOW + 3600;
        snprintf(st.retries[1].token_id, sizeof(st.retries[1].token_id), "other");
        st.retries[1].at = NOW + 7200;
        render("", &st, &out);
        HAS("tokenwatch_renewals_total{result=\"success\"} 2");
        HAS("tokenwatch_renewals_total{result=\"failure\"} 3");
        HAS("tokenwatch_renewal_next_attempt_timestamp_seconds{token_id=\"tok\"} 1780318800");
        HAS("tokenwatch_renewal_next_attempt_timestamp_seconds{token_id=\"other\"} 1780322400");
        tw_buf_done(&out);
}

/* No configuration or inventory (the first page): the families, no samples. */
static void nothing_yet(void **state)
{
        struct tw_buf out;

        (void)state;
        tw_buf_init(&out, 1 << 16);
        assert_int_equal(tw_metrics_renewal(NULL, NULL, &out), 0);
        HAS("# TYPE astro_token_renewal_timestamp_seconds gauge");
        HAS("tokenwatch_renewals_total{result=\"failure\"} 0");
        tw_buf_done(&out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(renewal_times),
                cmocka_unit_test(counts_and_next_attempts),
                cmocka_unit_test(nothing_yet),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
