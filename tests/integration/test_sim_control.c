/*
 * Self-tests of tw-astrosim's /_sim/ control routes and of the tw-astrosim
 * binary (TW_SIM_BIN), over real HTTP on 127.0.0.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "helpers/helpers.h"
#include "helpers/sim_client.h"
#include "helpers/wait.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DEMO_CRED "cl6657ttnfefw2oilj7qlpiho"

/* One control or API call and the status it must answer. */
static void call(struct tw_sim *sim, const char *method, const char *path, const char *body,
                 long want)
{
        char url[1024];
        struct tw_test_resp r;

        snprintf(url, sizeof(url), "%s%s", tw_sim_url(sim), path);
        tw_test_req(&r, method, url, tw_sim_org_credential(sim), body);
        print_message("%s %s\n", method, path);
        assert_int_equal(r.rc, CURLE_OK);
        assert_int_equal(r.status, want);
        tw_buf_done(&r.body);
}

static void test_control_routes(void **state)
{
        struct tw_sim *sim = tw_test_start_demo();
        char tok[512], ctl[512];
        size_t n = tw_sim_token_count(sim);
        cJSON *stats, *log;

        (void)state;
        tw_test_tokens_path(sim, "/v1", "/" DEMO_CRED, tok, sizeof(tok));
        call(sim, "POST", "/_sim/faults",
             "[{\"type\":\"status\",\"status\":429,\"retry_after\":1,\"count\":1,"
             "\"match\":\"/tokens\"},{\"type\":\"drop\",\"match\":\"/users\"}]",
             200);
        call(sim, "GET", tok, NULL, 429);
        call(sim, "GET", tok, NULL, 200);
        call(sim, "DELETE", "/_sim/faults", NULL, 200);
        call(sim, "POST", "/_sim/faults", "{\"type\":\"hang\",\"hang_ms\":10}", 200);
        call(sim, "GET", tok, NULL, 200);
        call(sim, "DELETE", "/_sim/faults", NULL, 200);
        call(sim, "POST", "/_sim/faults", "[{\"type\":\"explode\"}]", 400);
        call(sim, "POST", "/_sim/faults", "not json", 400);

        snprintf(ctl, sizeof(ctl), "/_sim/tokens/%s", DEMO_CRED);
        call(sim, "DELETE", ctl, NULL, 200);
        call(sim, "DELETE", ctl, NULL, 404);
        call(sim, "GET", tok, NULL, 404);
        assert_int_equal(tw_sim_token_count(sim), n - 1);
        call(sim, "PUT", ctl,
             "{\"name\":\"restored\",\"scope\":\"ORGANIZATION\","
             "\"endAt\":\"@+1d\"}",
             200);
        call(sim, "PUT", ctl, "{\"id\":\"another\",\"name\":\"x\"}", 400);
        call(sim, "GET", tok, NULL, 200);
        assert_int_equal(tw_sim_token_count(sim), n);
        call(sim, "GET", "/_sim/nothing", NULL, 404);

        /* Stats count API requests only: 5 GETs above. */
        stats = tw_test_get_json(sim, "/_sim/stats", 200);
        assert_int_equal(tw_test_num(stats, "requests"), 5);
        assert_int_equal(tw_test_num(stats, "status_429"), 1);
        assert_int_equal(tw_test_num(stats, "max_in_flight"), 1);
        assert_int_equal(tw_test_num(stats, "tokens"), (int)n);
        cJSON_Delete(stats);
        log = tw_test_get_json(sim, "/_sim/requests", 200);
        assert_int_equal(cJSON_GetArraySize(log), 5);
        assert_int_equal(tw_test_num(cJSON_GetArrayItem(log, 0), "status"), 429);
        cJSON_Delete(log);
        call(sim, "DELETE", "/_sim/stats", NULL, 200);
        stats = tw_test_get_json(sim, "/_sim/stats", 200);
        assert_int_equal(tw_test_num(stats, "requests"), 0);
        cJSON_Delete(stats);
        tw_sim_stop(sim);
}

static bool file_exists(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0;
}

/* Reads a file into buf (NUL-terminated, cut to fit). */
static void slurp(const char *path, char *buf, size_t size)
{
        char *data = tw_test_read_file(path, NULL);

        snprintf(buf, size, "%s", data);
        free(data);
}

static void test_binary(void **state)
{
        const char *bin = getenv("TW_SIM_BIN"), *src = getenv("TW_SOURCE_DIR");
        char dir[] = "/tmp/tw-sim-bin-XXXXXX", port_file[256], cred_file[256], err_file[256];
        char fixture[4096], url[512], port[32], cred[4096], err[4096];
        posix_spawn_file_actions_t fa;
        struct stat st;
        struct tw_test_resp r;
        pid_t pid;
        int status;

        (void)state;
        if (!bin || !src) {
                print_message("TW_SIM_BIN or TW_SOURCE_DIR unset: skipped\n");
                skip();
        }
        assert_non_null(mkdtemp(dir));
        snprintf(port_file, sizeof(port_file), "%s/port", dir);
        snprintf(cred_file, sizeof(cred_file), "%s/cred", dir);
        snprintf(err_file, sizeof(err_file), "%s/stderr", dir);
        snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/demo-org.json", src);
        {
                char *argv[] = {(char *)bin,   "--fixture",   fixture,
                                "--port-file", port_file,     "--credential-file",
                                cred_file,     "--base-time", "2026-05-28T20:26:40Z",
                                NULL};

                posix_spawn_file_actions_init(&fa);
                posix_spawn_file_actions_addopen(&fa, 2, err_file, O_WRONLY | O_CREAT | O_TRUNC,
                                                 0600);
                assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
                posix_spawn_file_actions_destroy(&fa);
        }
        /* Wait for the port file (written by rename: never partial). */
        TW_TEST_WAIT_FOR(file_exists(port_file), TW_TEST_WAIT_MS);
        slurp(port_file, port, sizeof(port));
        slurp(cred_file, cred, sizeof(cred));
        assert_int_equal(stat(cred_file, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);

        snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/organizations/%s/tokens/%s", atoi(port),
                 "cm9r8jgormxbek92l8s8wppie", DEMO_CRED);
        tw_test_req(&r, "GET", url, cred, NULL);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body.ptr, "\"endAt\":\"2026-07-27T20:26:40Z\""));
        tw_buf_done(&r.body);

        kill(pid, SIGTERM);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        slurp(err_file, err, sizeof(err));
        snprintf(url, sizeof(url), "tw-astrosim listening on http://127.0.0.1:%d\n", atoi(port));
        assert_string_equal(err, url);
        assert_null(strstr(err, cred));
        unlink(port_file);
        unlink(cred_file);
        unlink(err_file);
        rmdir(dir);
}

static void test_credential_file_and_bad_fixture(void **state)
{
        struct tw_sim_options o = {.fixture_path = "/nonexistent/fixture.json"};
        char path[] = "/tmp/tw-sim-test-XXXXXX";
        struct tw_sim *sim;
        struct stat st;
        char buf[2048];
        FILE *f;
        int fd;

        (void)state;
        assert_null(tw_sim_start(&o));
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "{\"organization\": 3}", 19), 19);
        close(fd);
        o.fixture_path = path;
        assert_null(tw_sim_start(&o));

        o.fixture_path = NULL;
        sim = tw_sim_start(&o);
        assert_non_null(sim);
        assert_int_equal(tw_sim_token_count(sim), 0);
        assert_int_equal(tw_sim_write_credential(sim, path), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        f = fopen(path, "r");
        assert_non_null(f);
        assert_non_null(fgets(buf, sizeof(buf), f));
        fclose(f);
        assert_string_equal(buf, tw_sim_org_credential(sim));
        unlink(path);
        tw_sim_stop(sim);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_control_routes),
                cmocka_unit_test(test_binary),
                cmocka_unit_test(test_credential_file_and_bad_fixture),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
