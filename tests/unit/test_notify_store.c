/* The notifier's state and ack files: every number bounded before it is
 * converted (out of range is a corrupt file, never undefined behaviour),
 * Idempotency-Keys without CR/LF; a bad file is set aside and the notifier
 * starts clean. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/notify/state.h"
#include "exporters/notify/store_internal.h"
#include "exporters/notify/sink_internal.h"
#include "lib/statefile.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ITEM(id, at, key)                                                               \
        "{\"state\":{\"sinks\":{}},\"next_id\":5,\"queues\":{\"a\":[{\"id\":" id        \
        ",\"event\":\"firing\",\"key\":\"" key "\",\"body\":\"{}\",\"coalesce\":false," \
        "\"created_at\":" at "}]}}"

static const struct {
        const char *name, *text;
        int want;
        uint64_t next_id;
} state_cases[] = {
        {"empty state", "{\"state\":{\"sinks\":{}}}", 0, 0},
        {"next_id", "{\"state\":{\"sinks\":{}},\"next_id\":42}", 0, 42},
        {"next_id at 2^53", "{\"state\":{\"sinks\":{}},\"next_id\":9007199254740992}", 0,
         9007199254740992ULL},
        {"next_id 1e300", "{\"state\":{\"sinks\":{}},\"next_id\":1e300}", -EBADMSG, 0},
        {"next_id over 2^53", "{\"state\":{\"sinks\":{}},\"next_id\":9007199254740994}", -EBADMSG,
         0},
        {"next_id negative", "{\"state\":{\"sinks\":{}},\"next_id\":-1}", -EBADMSG, 0},
        {"next_id a string", "{\"state\":{\"sinks\":{}},\"next_id\":\"7\"}", -EBADMSG, 0},
        {"no state", "{\"next_id\":1}", -EBADMSG, 0},
        {"not an object", "[1]", -EBADMSG, 0},
        {"not JSON", "{\"state\":", -EBADMSG, 0},
        {"a queued item", ITEM("3", "1780315200", "k1"), 0, 5},
        {"item created_at 1e300", ITEM("3", "1e300", "k1"), -EBADMSG, 0},
        {"item created_at -1e300", ITEM("3", "-1e300", "k1"), -EBADMSG, 0},
        {"item id 1e300", ITEM("1e300", "0", "k1"), -EBADMSG, 0},
        {"item id 0", ITEM("0", "0", "k1"), -EBADMSG, 0},
        {"item key with CR LF", ITEM("3", "0", "k\\r\\nX-Evil: 1"), -EBADMSG, 0},
        {"queue not an array", "{\"state\":{\"sinks\":{}},\"queues\":{\"a\":{}}}", -EBADMSG, 0},
        {"entry time 1e300",
         "{\"state\":{\"sinks\":{\"a\":[{\"token_id\":\"t\",\"token_name\":\"n\",\"kind\":"
         "\"expiring\",\"severity\":\"warning\",\"message\":\"m\",\"since\":1e300,"
         "\"changed_at\":0,\"last_sent\":0}]}}}",
         -EBADMSG, 0},
};

static void test_parse_state(void **unused)
{
        (void)unused;
        for (size_t i = 0; i < ARRAY_SIZE(state_cases); i++) {
                struct tw_notify_state *st = NULL;
                cJSON *queues = NULL;
                uint64_t next_id = 0;
                const char *t = state_cases[i].text;

                print_message("case: %s\n", state_cases[i].name);
                assert_int_equal(tw_notify_store_parse_state(t, strlen(t), &st, &next_id, &queues),
                                 state_cases[i].want);
                if (state_cases[i].want == 0) {
                        assert_int_equal(next_id, state_cases[i].next_id);
                        assert_non_null(st);
                        assert_true(cJSON_IsObject(queues));
                }
                tw_notify_state_free(st);
                cJSON_Delete(queues);
        }
}

static const struct {
        const char *name, *text;
        int want;
} ack_cases[] = {
        {"acks", "{\"a\":3,\"b\":0}", 0},
        {"ack 1e300", "{\"a\":1e300}", -EBADMSG},
        {"ack negative", "{\"a\":-5}", -EBADMSG},
        {"ack NaN-like string", "{\"a\":\"nan\"}", -EBADMSG},
        {"not an object", "3", -EBADMSG},
};

static void test_parse_acks(void **unused)
{
        (void)unused;
        for (size_t i = 0; i < ARRAY_SIZE(ack_cases); i++) {
                cJSON *acks = NULL;
                const char *t = ack_cases[i].text;

                print_message("case: %s\n", ack_cases[i].name);
                assert_int_equal(tw_notify_store_parse_acks(t, strlen(t), &acks),
                                 ack_cases[i].want);
                cJSON_Delete(acks);
        }
}

static void remove_file(const char *dir, const char *name)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_int_equal(unlink(path), 0);
}

/* An out-of-range next_id (the fuzzer's find) is set aside, the store opens
 * clean, and its next ids stay exact. */
static void test_out_of_range_set_aside(void **unused)
{
        static const char bad[] = "{\"state\":{\"sinks\":{}},\"next_id\":1e300}";
        struct tw_notify_store *st = NULL;
        char dir[] = "/tmp/tw-store-XXXXXX", *text = NULL;
        size_t len;

        (void)unused;
        assert_non_null(mkdtemp(dir));
        assert_int_equal(tw_statefile_write(dir, TW_NOTIFY_STATE_FILE, bad, strlen(bad)), 0);
        assert_int_equal(tw_statefile_write(dir, TW_NOTIFY_ACKS_FILE, "{\"a\":7}", 7), 0);
        assert_int_equal(tw_notify_store_open(dir, 1780315200, &st), 0);
        assert_int_equal(tw_notify_store_next_id(st), 7); /* from the good ack file */
        assert_null(tw_notify_store_take_state(st));
        assert_int_equal(tw_notify_store_acked(st, "a"), 7);
        assert_int_equal(tw_statefile_read(dir, TW_NOTIFY_STATE_FILE, 1 << 20, &text, &len),
                         -ENOENT);
        assert_int_equal(tw_statefile_read(dir, TW_NOTIFY_STATE_FILE ".corrupt-1780315200", 1 << 20,
                                           &text, &len),
                         0);
        assert_string_equal(text, bad);
        free(text);
        assert_int_equal(tw_notify_store_ack(st, "a", 9), 0);
        assert_int_equal(tw_notify_store_ack(st, "a", 8), 0); /* never goes back */
        assert_int_equal(tw_notify_store_acked(st, "a"), 9);
        tw_notify_store_free(st);
        remove_file(dir, TW_NOTIFY_STATE_FILE ".corrupt-1780315200");
        remove_file(dir, TW_NOTIFY_ACKS_FILE);
        assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_state),
                cmocka_unit_test(test_parse_acks),
                cmocka_unit_test(test_out_of_range_set_aside),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
