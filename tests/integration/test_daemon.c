/* The daemon (tw_daemon_run in a child process) against the test Astro API
 * server: scraped over HTTP, a token deleted, an API outage, SIGHUP with a
 * bad and a good config, SIGTERM with a transfer in flight. */
#include "agent/daemon/daemon.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#include "helpers/daemon_probe.h"
#include "helpers/helpers.h"
#include "helpers/wait.h"
#include "lib/timeutil.h"
#include "sim/sim.h"

struct env {
        struct tw_sim *sim;
        char dir[64], config[128], cred[128], port_file[128];
        pid_t pid;
        unsigned short port;
};

/* Writes the config atomically: the daemon may re-read it at any cycle. */
static void write_config(struct env *e, const char *listen, const char *extra)
{
        char tmp[sizeof(e->config) + 8];
        FILE *f;

        snprintf(tmp, sizeof(tmp), "%s.tmp", e->config);
        f = fopen(tmp, "w");
        assert_non_null(f);
        fprintf(f,
                "[astro]\napi_url = %s\ntoken_file = %s\nmax_retries = 0\nrequest_timeout = 60s\n"
                "[agent]\ninterval = 1s\nlisten = %s\nlog_level = warn\nstate_dir = %s/state\n%s",
                tw_sim_url(e->sim), e->cred, listen, e->dir, extra ? extra : "");
        assert_int_equal(fclose(f), 0);
        assert_int_equal(rename(tmp, e->config), 0);
}

static char *scrape(const struct env *e)
{
        char *body = tw_test_scrape(e->port);

        assert_non_null(body);
        return body;
}

/* The demo fixture's organization: the health series carry it. */
#define DEMO_ORG "cm9r8jgormxbek92l8s8wppie"

/* Scrapes until the page contains (or, with absent, lacks) needle. */
static char *scrape_until(const struct env *e, const char *needle, bool absent)
{
        int64_t deadline = tw_test_deadline(TW_TEST_WAIT_MS);

        for (;;) {
                char *page = tw_test_scrape(e->port);

                if (page && (strstr(page, needle) != NULL) != absent)
                        return page;
                free(page);
                if (!tw_test_poll_again(deadline))
                        fail_msg("the page never %s \"%s\"", absent ? "lost" : "showed", needle);
        }
}

/* Runs the shipped binary with posix_spawn(): this process has threads
 * (the test Astro API server), and a forked copy of it may hold their
 * locks; posix_spawn execs at once and does not copy an ASan-sized address
 * space.  A child left behind by a failed assertion is killed by
 * teardown(), one left by a ctest timeout by ctest's process-tree kill. */
static void start_daemon(struct env *e)
{
        const char *bin = getenv("TW_BIN");
        char *argv[] = {"tokenwatch", "-c", e->config, "run", "--port-file", e->port_file, NULL};
        struct stat st;

        assert_non_null(bin);
        unlink(e->port_file);
        assert_int_equal(posix_spawn(&e->pid, bin, NULL, NULL, argv, environ), 0);
        e->port = tw_test_read_port(e->port_file);
        assert_int_equal(stat(e->port_file, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600); /* written by tw_atomic_write_file() */
}

/* Sends sig and waits for the exit; the status, or -1 after ~10 s. */
static int stop_daemon(struct env *e, int sig)
{
        int status;

        int64_t deadline = tw_test_deadline(10000);

        kill(e->pid, sig);
        do {
                if (waitpid(e->pid, &status, WNOHANG) == e->pid)
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        } while (tw_test_poll_again(deadline));
        kill(e->pid, SIGKILL);
        waitpid(e->pid, &status, 0);
        return -1;
}

static int setup(void **state)
{
        static struct env e;
        char fixture[4096];
        struct tw_sim_options so = {0};

        snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/demo-org.json", tw_test_source_dir());
        so.fixture_path = fixture;
        e.sim = tw_sim_start(&so);
        assert_non_null(e.sim);
        snprintf(e.dir, sizeof(e.dir), "/tmp/tw-daemon-XXXXXX");
        assert_non_null(mkdtemp(e.dir));
        snprintf(e.config, sizeof(e.config), "%s/tokenwatch.ini", e.dir);
        snprintf(e.cred, sizeof(e.cred), "%s/credential", e.dir);
        snprintf(e.port_file, sizeof(e.port_file), "%s/port", e.dir);
        assert_int_equal(tw_sim_write_credential(e.sim, e.cred), 0);
        *state = &e;
        return 0;
}

static int teardown(void **state)
{
        struct env *e = *state;
        char cmd[256];

        if (e->pid > 0 && waitpid(e->pid, NULL, WNOHANG) == 0) {
                kill(e->pid, SIGKILL);
                waitpid(e->pid, NULL, 0);
        }
        tw_sim_stop(e->sim);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
        return system(cmd) == 0 ? 0 : -1;
}

#define BAD_TOKEN                                                                            \
        "{\"id\":\"cbadtime00000000000000001\",\"name\":\"bad\",\"scope\":\"ORGANIZATION\"," \
        "\"createdAt\":\"@-10d\",\"lastUsedAt\":\"2026-13-45T99:99:99Z\"}"

/* Removes the first token the page shows from the sim; writes the label
 * that names it into needle. */
static void remove_first_token(const struct env *e, char *needle, size_t size)
{
        char *page = scrape(e), id[96];
        const char *p = strstr(page, "astro_token_info{token_id=\"");

        assert_non_null(p);
        p += strlen("astro_token_info{token_id=\"");
        snprintf(id, sizeof(id), "%.*s", (int)strcspn(p, "\""), p);
        assert_int_equal(tw_sim_remove_token(e->sim, id), 0);
        snprintf(needle, size, "token_id=\"%s\"", id);
        free(page);
}

static void test_daemon_lifecycle(void **state)
{
        struct env *e = *state;
        char listen[64], needle[128], *page;
        size_t n_tokens = tw_sim_token_count(e->sim);

        write_config(e, "127.0.0.1:0", NULL);
        start_daemon(e);
        page = scrape_until(e, "tokenwatch_collection_success{organization=\"" DEMO_ORG "\"} 1",
                            false);
        assert_int_equal(tw_test_count_lines(page, "astro_token_info{"), n_tokens);
        assert_non_null(strstr(page, "tokenwatch_listing_success{organization=\"" DEMO_ORG
                                     "\",listing=\"tokens\"} 1"));
        assert_null(strchr(page, '@'));
        free(page);

        /* A deleted token disappears at the next cycle. */
        remove_first_token(e, needle, sizeof(needle));
        page = scrape_until(e, needle, true);
        assert_int_equal(tw_test_count_lines(page, "astro_token_info{"), n_tokens - 1);
        free(page);

        /* A token that does not parse is left out without holding back the
         * others: a deleted token still disappears (before, the daemon kept
         * serving the data from before the bad token). */
        assert_int_equal(tw_sim_put_token(e->sim, BAD_TOKEN), 0);
        remove_first_token(e, needle, sizeof(needle));
        page = scrape_until(e, needle, true);
        assert_int_equal(tw_test_count_lines(page, "astro_token_info{"), n_tokens - 2);
        assert_non_null(strstr(page, "tokenwatch_listing_success{organization=\"" DEMO_ORG
                                     "\",listing=\"tokens\"} 0"));
        assert_non_null(
                strstr(page, "tokenwatch_collection_success{organization=\"" DEMO_ORG "\"} 0"));
        free(page);
        assert_int_equal(tw_sim_remove_token(e->sim, "cbadtime00000000000000001"), 0);
        free(scrape_until(e, "tokenwatch_collection_success{organization=\"" DEMO_ORG "\"} 1",
                          false));

        /* An outage keeps the last good data and says so. */
        {
                struct tw_sim_fault f = {
                        .type = TW_SIM_FAULT_STATUS, .status = 503, .retry_after = -1};

                assert_int_equal(tw_sim_add_fault(e->sim, &f), 0);
        }
        page = scrape_until(e, "tokenwatch_collection_success{organization=\"" DEMO_ORG "\"} 0",
                            false);
        assert_int_equal(tw_test_count_lines(page, "astro_token_info{"), n_tokens - 2);
        assert_non_null(strstr(page, "tokenwatch_listing_success{organization=\"" DEMO_ORG
                                     "\",listing=\"tokens\"} 0"));
        free(page);
        tw_sim_clear_faults(e->sim);
        free(scrape_until(e, "tokenwatch_collection_success{organization=\"" DEMO_ORG "\"} 1",
                          false));

        /* SIGHUP with a bad config keeps the old one. */
        snprintf(listen, sizeof(listen), "127.0.0.1:%u", e->port);
        write_config(e, listen, "bogus_key = 1\n");
        kill(e->pid, SIGHUP);
        free(scrape_until(e, "tokenwatch_config_last_reload_success 0", false));
        /* A config whose server cannot start (TLS files missing): the old
         * server keeps serving, and the reload is retried every cycle, so
         * the good config below is taken without another SIGHUP. */
        write_config(
                e, listen,
                "[web]\ntls_cert_file = /nonexistent/c.pem\ntls_key_file = /nonexistent/k.pem\n");
        kill(e->pid, SIGHUP);
        free(scrape_until(e, "tokenwatch_config_last_reload_success 0", false));
        /* A good one is taken (same port, creator names now on). */
        write_config(e, listen, "metrics_creator_names = true\n");
        free(scrape_until(e, "tokenwatch_config_last_reload_success 1", false));
        free(scrape_until(e, "creator_name=", false));

        /* SIGTERM with a transfer hanging: out within 5 s. */
        {
                struct tw_sim_fault f = {
                        .type = TW_SIM_FAULT_HANG, .hang_ms = 60000, .retry_after = -1};
                struct tw_sim_stats st;
                uint64_t before;
                int64_t t0;

                tw_sim_get_stats(e->sim, &st); /* no other fault is set */
                before = st.faults;
                assert_int_equal(tw_sim_add_fault(e->sim, &f), 0);
                /* a cycle is now waiting on the hang: a request took it */
                TW_TEST_WAIT_FOR((tw_sim_get_stats(e->sim, &st), st.faults > before),
                                 TW_TEST_WAIT_MS);
                t0 = tw_mono_ns();
                assert_int_equal(stop_daemon(e, SIGTERM), 0);
                e->pid = 0;
                assert_true(tw_mono_ns() - t0 <= INT64_C(5000000000));
                tw_sim_clear_faults(e->sim);
        }
}

static void test_bad_config_exits(void **state)
{
        struct env *e = *state;
        struct tw_daemon_options o = {.once = true};
        FILE *f = fopen(e->config, "w");

        assert_non_null(f);
        fputs("[agent]\ninterval = never\n", f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(tw_daemon_run(e->config, &o), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_daemon_lifecycle),
                cmocka_unit_test(test_bad_config_exits),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, setup, teardown);
        curl_global_cleanup();
        return r;
}
