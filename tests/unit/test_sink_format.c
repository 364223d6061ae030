/* The sink format table: lookup, the config checks that depend on the
 * format (core/ does not know the formats) with file:line:key, and the
 * generic format's signature. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "exporters/notify/sink_config.h"
#include "exporters/sinks/sinks.h"
#include "lib/buf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NOW ((int64_t)1780315200)

static void test_find(void **unused)
{
        static const char *const names[] = {"generic", "slack", "teams", "pagerduty",
                                            "alertmanager"};

        (void)unused;
        assert_string_equal(tw_sink_format_find(NULL)->name, "generic");
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                assert_non_null(tw_sink_format_find(names[i]));
                assert_string_equal(tw_sink_format_find(names[i])->name, names[i]);
                assert_non_null(tw_sink_format_find(names[i])->build);
        }
        assert_null(tw_sink_format_find("email"));
        assert_null(tw_sink_format_find("Slack"));
}

/* A config that loads (core's checks pass) and then fails (or passes, want
 * NULL) the sinks' check with want in the errors; secret never in them. */
static const struct {
        const char *name, *text, *want, *secret;
} cases[] = {
        {"unknown format", "[webhook.a]\nurl = https://h.example\nformat = email\n",
         "t.ini:3: [webhook.a] format: expected generic, slack, teams, pagerduty or alertmanager",
         NULL},
        {"neither url nor url_file", "[webhook.a]\nformat = slack\n",
         "t.ini:2: [webhook.a] url: exactly one of url and url_file is required", NULL},
        {"pagerduty without routing key", "[webhook.pd]\nformat = pagerduty\n",
         "t.ini:2: [webhook.pd] routing_key: format = pagerduty needs exactly one of routing_key "
         "and routing_key_file",
         NULL},
        {"pagerduty with both routing keys",
         "[webhook.pd]\nformat = pagerduty\nrouting_key = R0UT1NG\nrouting_key_file = /etc/r\n",
         "t.ini:3: [webhook.pd] routing_key: format = pagerduty needs exactly one", "R0UT1NG"},
        {"routing key on slack",
         "[webhook.s]\nformat = slack\nurl_file = /etc/u\nrouting_key = R0UT1NG\n",
         "t.ini:4: [webhook.s] routing_key: only for format = pagerduty", "R0UT1NG"},
        {"secret on teams", "[webhook.t]\nformat = teams\nurl_file = /etc/u\nsecret = S3CR3T\n",
         "t.ini:4: [webhook.t] secret: signing is only for format = generic", "S3CR3T"},
        {"pagerduty needs no url", "[webhook.pd]\nformat = pagerduty\nrouting_key = R0UT1NG\n",
         NULL, NULL},
        {"alertmanager pair", "[webhook.am]\nformat = alertmanager\nurl = https://a, https://b\n",
         NULL, NULL},
        {"generic by default, signed", "[webhook.g]\nurl_file = /etc/u\nsecret_file = /etc/s\n",
         NULL, NULL},
};

static void test_config_check(void **unused)
{
        (void)unused;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct tw_config *cfg = NULL;
                struct tw_buf err;
                int r;

                print_message("case: %s\n", cases[i].name);
                tw_buf_init(&err, 0);
                assert_int_equal(tw_config_load_string(cases[i].text, "t.ini", &cfg, &err), 0);
                r = tw_sink_config_check(cfg, &err);
                if (!cases[i].want) {
                        assert_int_equal(r, 0);
                        assert_int_equal(err.len, 0);
                } else {
                        assert_int_equal(r, -EINVAL);
                        assert_non_null(err.ptr);
                        if (!strstr(err.ptr, cases[i].want))
                                fail_msg("want \"%s\" in:\n%s", cases[i].want, err.ptr);
                        if (cases[i].secret)
                                assert_null(strstr(err.ptr, cases[i].secret));
                }
                tw_config_free(cfg);
                tw_buf_done(&err);
        }
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than the block size). */
static void test_hmac_rfc4231(void **unused)
{
        static const struct {
                const char *name, *key, *data, *want;
                size_t key_len;
        } rfc[] = {
                {"case 1",
                 "\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b",
                 "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                 20},
                {"case 2", "Jefe", "what do ya want for nothing?",
                 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", 4},
                {"case 6", NULL, "Test Using Larger Than Block-Size Key - Hash Key First",
                 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", 131},
        };
        char key6[131];
        char hex[65];

        (void)unused;
        memset(key6, 0xaa, sizeof(key6));
        for (size_t i = 0; i < ARRAY_SIZE(rfc); i++) {
                print_message("case: %s\n", rfc[i].name);
                assert_int_equal(tw_hmac_sha256_hex(rfc[i].key ? rfc[i].key : key6, rfc[i].key_len,
                                                    rfc[i].data, strlen(rfc[i].data), hex),
                                 0);
                assert_string_equal(hex, rfc[i].want);
        }
}

/* The signature covers "<timestamp>.<body>": same as HMAC over that string. */
static void test_sign(void **unused)
{
        char sig[72], hex[65];
        const char *body = "{\"event\":\"firing\"}";
        const char *signed_text = "1780315200.{\"event\":\"firing\"}";

        (void)unused;
        assert_int_equal(tw_sink_sign("s3cret", NOW, body, strlen(body), sig), 0);
        assert_int_equal(tw_hmac_sha256_hex("s3cret", 6, signed_text, strlen(signed_text), hex), 0);
        assert_int_equal(strncmp(sig, "sha256=", 7), 0);
        assert_string_equal(sig + 7, hex);
        assert_int_equal(tw_sink_sign("other", NOW, body, strlen(body), sig), 0);
        assert_string_not_equal(sig + 7, hex);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_find),
                cmocka_unit_test(test_config_check),
                cmocka_unit_test(test_hmac_rfc4231),
                cmocka_unit_test(test_sign),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
