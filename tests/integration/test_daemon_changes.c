/* The daemon (the shipped binary) against the test Astro API server and two
 * webhook receivers: a token deleted while in use reaches the sink whose
 * `changes` selects deletions, and not the one that selects creations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers/daemon_probe.h"
#include "helpers/helpers.h"
#include "helpers/wait.h"
#include "helpers/webhook_receiver.h"
#include "sim/sim.h"

extern char **environ;

#define IN_USE_ID "cinuse0000000000000000001"
#define IN_USE                                                                                    \
        "{\"id\":\"" IN_USE_ID "\",\"name\":\"ci-deployer\",\"scope\":\"ORGANIZATION\","          \
        "\"createdAt\":\"@-10d\",\"lastUsedAt\":\"@-1h\",\"endAt\":\"@+300d\","                   \
        "\"roles\":[{\"entityType\":\"ORGANIZATION\",\"entityId\":\"cm9r8jgormxbek92l8s8wppie\"," \
        "\"role\":\"ORGANIZATION_MEMBER\"}]}"

/* How many token_change bodies rx received; the last in *ret (if not NULL). */
static size_t changes(struct tw_webhook_receiver *rx, cJSON **ret)
{
        size_t n = 0;

        for (size_t i = 0; i < tw_webhook_receiver_count(rx); i++) {
                struct tw_webhook_request q;
                cJSON *j;

                assert_int_equal(tw_webhook_receiver_get(rx, i, &q), 0);
                j = cJSON_Parse(q.body);
                assert_non_null(j);
                if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "type")) ?: "",
                           "token_change") == 0) {
                        assert_non_null(q.idempotency_key);
                        n++;
                        if (ret) {
                                *ret = j;
                                j = NULL;
                        }
                }
                cJSON_Delete(j);
                tw_webhook_request_done(&q);
        }
        return n;
}

static void test_deleted_in_use_reaches_its_sink(void **unused)
{
        struct tw_webhook_receiver *del = NULL, *created = NULL;
        struct tw_sim_options so = {0};
        char fixture[4096], dir[64], config[128], cred[128], port_file[128];
        char *bin = getenv("TW_BIN");
        char *argv[] = {"tokenwatch", "-c", config, "run", "--port-file", port_file, NULL};
        struct tw_sim *sim;
        unsigned short port;
        uint64_t cycles;
        cJSON *j;
        pid_t pid;
        FILE *f;

        (void)unused;
        assert_non_null(bin);
        snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/demo-org.json", tw_test_source_dir());
        so.fixture_path = fixture;
        sim = tw_sim_start(&so);
        assert_non_null(sim);
        assert_int_equal(tw_sim_put_token(sim, IN_USE), 0);
        assert_int_equal(tw_webhook_receiver_start(&del), 0);
        assert_int_equal(tw_webhook_receiver_start(&created), 0);
        snprintf(dir, sizeof(dir), "/tmp/tw-daemon-changes-XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(config, sizeof(config), "%s/tokenwatch.ini", dir);
        snprintf(cred, sizeof(cred), "%s/credential", dir);
        snprintf(port_file, sizeof(port_file), "%s/port", dir);
        assert_int_equal(tw_sim_write_credential(sim, cred), 0);
        f = fopen(config, "w");
        assert_non_null(f);
        fprintf(f,
                "[astro]\napi_url = %s\ntoken_file = %s\nmax_retries = 0\n"
                "[agent]\ninterval = 1s\nlisten = 127.0.0.1:0\nlog_level = warn\n"
                "state_dir = %s/state\n"
                "[webhook.deletions]\nurl = http://127.0.0.1:%u/d\nchanges = deleted\n"
                "min_severity = critical\n"
                "[webhook.creations]\nurl = http://127.0.0.1:%u/c\nchanges = created\n",
                tw_sim_url(sim), cred, dir, tw_webhook_receiver_port(del),
                tw_webhook_receiver_port(created));
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(config, 0600), 0); /* inline webhook URLs are secrets */
        assert_int_equal(posix_spawn(&pid, bin, NULL, NULL, argv, environ), 0);
        port = tw_test_read_port(port_file);
        /* the first listing is the baseline; another cycle passes over it */
        tw_test_wait_cycles(port, 1);
        assert_int_equal(tw_sim_remove_token(sim, IN_USE_ID), 0);
        TW_TEST_WAIT_FOR(changes(del, NULL) > 0, TW_TEST_WAIT_MS);
        /* Nothing more, nothing elsewhere: two cycles after the one that saw
         * the deletion are over (their notifications queued) and both sinks'
         * queues are empty (a queued item counts until it is answered). */
        cycles = tw_test_wait_cycles(port, 0);
        tw_test_wait_cycles(port, cycles + 2);
        tw_test_wait_metric(port, "tokenwatch_notification_queue_length{sink=\"deletions\"}", 0);
        tw_test_wait_metric(port, "tokenwatch_notification_queue_length{sink=\"creations\"}", 0);
        kill(pid, SIGTERM);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        /* findings may come too: exactly one change, the deletion */
        assert_int_equal(changes(del, &j), 1);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "event")),
                            "deleted");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "severity")),
                            "critical");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                                    cJSON_GetObjectItemCaseSensitive(j, "token"), "id")),
                            IN_USE_ID);
        cJSON_Delete(j);
        assert_int_equal(changes(created, NULL), 0);
        tw_webhook_receiver_stop(del);
        tw_webhook_receiver_stop(created);
        tw_sim_stop(sim);
        snprintf(fixture, sizeof(fixture), "rm -rf '%s'", dir);
        assert_int_equal(system(fixture), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_deleted_in_use_reaches_its_sink),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
