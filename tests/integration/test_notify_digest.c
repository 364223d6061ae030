/*
 * Digests through the real notifier to a webhook receiver on 127.0.0.1:0:
 * the schedule's firing crossed by advancing now gives exactly one digest;
 * a restart from the state directory gives no second one for that period;
 * a digest queued while the receiver is down survives the restart and is
 * delivered once; a kill -9 right after the firing (a child process: this
 * binary re-executed) neither loses nor doubles it; events = off sends
 * digests only; stale data is said.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/config/config.h"
#include "core/snapshot.h"
#include "exporters/notify/notify.h"
#include "helpers/helpers.h"
#include "helpers/notify_fixture.h"
#include "helpers/notify_world.h"
#include "helpers/webhook_receiver.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

extern char **environ;

#define WARN TW_SEVERITY_WARNING
#define CRIT TW_SEVERITY_CRITICAL

/* 2026-06-01 (a Monday): the digest fires at 09:00 UTC. */
#define T_BEFORE (NOW - 4 * HOUR) /* 2026-06-01T08:00:00Z */
#define T_FIRE (NOW - 3 * HOUR)

static struct tw_config *config(unsigned port, unsigned port2)
{
        struct tw_buf text, err;
        struct tw_config *cfg = NULL;

        tw_buf_init(&text, 0);
        tw_buf_init(&err, 0);
        tw_buf_printf(&text,
                      "[webhook.digest]\nurl = http://127.0.0.1:%u/d\ndigest = daily 09:00\n"
                      "events = off\n",
                      port);
        if (port2)
                tw_buf_printf(&text,
                              "[webhook.both]\nurl = http://127.0.0.1:%u/b\nformat = slack\n"
                              "digest = daily 09:00 UTC\nrepeat_interval = 0\n",
                              port2);
        if (tw_config_load_string(text.ptr, "test.ini", &cfg, &err) < 0)
                fail_msg("config: %s", err.ptr);
        tw_buf_done(&text);
        tw_buf_done(&err);
        return cfg;
}

static struct tw_notifier *notifier(struct tw_config *cfg, const char *dir)
{
        struct tw_notifier_options o = {.backoff_base_ms = 5, .backoff_max_ms = 20};
        struct tw_notifier *n = NULL;
        struct tw_buf err;

        tw_buf_init(&err, 0);
        if (tw_notifier_new(cfg, dir, &o, &n, &err) < 0)
                fail_msg("notifier: %s", err.ptr);
        tw_buf_done(&err);
        return n;
}

static struct tw_inventory *inventory(void)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");

        assert_non_null(inv);
        nf_add_workspace(inv, "ws-1", "data-eng");
        nf_add_token(inv, "tok-a", "deployer", "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR",
                     T_FIRE + 3 * DAY);
        nf_add_token(inv, "tok-b", "reader", "WORKSPACE", "ws-1", "WORKSPACE_MEMBER",
                     T_FIRE + 20 * DAY);
        return inv;
}

static const struct nf_finding findings[] = {
        {"tok-a", TW_FINDING_EXPIRING, CRIT, false},
        {"tok-b", TW_FINDING_EXPIRING, WARN, false},
        {NULL},
};

static void cycle_data(struct tw_notifier *n, const struct tw_config *cfg, int64_t now,
                       const struct tw_notifier_data *data)
{
        struct tw_inventory *inv = inventory();
        struct tw_evaluation *ev = nf_evaluation(inv, findings, now);
        struct tw_snapshot snap = {.cfg = cfg, .inv = inv, .ev = ev};

        assert_int_equal(tw_notifier_cycle(n, &snap, now, data), 0);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

static void cycle(struct nf_world *w, int64_t now)
{
        cycle_data(w->n, w->cfg, now, NULL);
}

/* The bodies of the delivered (2xx) requests, parsed; keys in keys[]. */
static size_t delivered(struct tw_webhook_receiver *rx, cJSON **out, char keys[][40], size_t max)
{
        size_t k = 0, n = tw_webhook_receiver_count(rx);
        struct tw_webhook_request q;

        for (size_t i = 0; i < n && k < max; i++) {
                assert_int_equal(tw_webhook_receiver_get(rx, i, &q), 0);
                if (q.status >= 200 && q.status < 300) {
                        out[k] = cJSON_Parse(q.body);
                        assert_non_null(out[k]);
                        snprintf(keys[k], 40, "%s", q.idempotency_key ? q.idempotency_key : "");
                        k++;
                }
                tw_webhook_request_done(&q);
        }
        return k;
}

static void free_all(cJSON **j, size_t n)
{
        for (size_t i = 0; i < n; i++)
                cJSON_Delete(j[i]);
}

static const char *jstr(const cJSON *j, const char *k)
{
        return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, k));
}

static double jnum(const cJSON *j, const char *a, const char *b)
{
        return cJSON_GetNumberValue(
                cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, a), b));
}

/* Crossing 09:00 gives one digest (events = off: nothing else); a restart
 * gives no second one for the period; the next day's firing gives the next. */
static void test_once_per_period_across_restart(void **state)
{
        struct nf_world *w = *state;
        cJSON *got[8];
        char keys[8][40];
        size_t n;

        w->cfg = config(tw_webhook_receiver_port(w->rx), 0);
        w->n = notifier(w->cfg, w->dir);
        cycle(w, T_BEFORE); /* first run: a baseline, no digest at start-up */
        cycle(w, T_BEFORE + 1800);
        cycle(w, T_FIRE - 1);
        assert_int_equal(tw_notifier_flush(w->n, 5000), 0);
        assert_int_equal(tw_webhook_receiver_count(w->rx), 0); /* events = off */
        cycle(w, T_FIRE + 30);
        cycle(w, T_FIRE + 330);
        assert_int_equal(tw_notifier_flush(w->n, 10000), 0);
        n = delivered(w->rx, got, keys, 8);
        assert_int_equal(n, 1);
        assert_string_equal(jstr(got[0], "event"), "digest");
        assert_string_equal(jstr(got[0], "period"), "2026-06-01T09:00:00Z");
        assert_string_equal(jstr(got[0], "idempotency_key"), keys[0]);
        assert_false(cJSON_IsTrue(cJSON_GetObjectItem(got[0], "stale")));
        assert_int_equal((int)jnum(got[0], "counts", "total"), 2);
        assert_int_equal((int)jnum(got[0], "counts", "critical"), 1);
        free_all(got, n);
        {
                struct tw_buf m;

                tw_buf_init(&m, 0);
                assert_int_equal(tw_notifier_metrics_render(w->n, &m), 0);
                assert_non_null(strstr(m.ptr, "tokenwatch_notifications_total{sink=\"digest\","
                                              "event=\"digest\",outcome=\"success\"} 1\n"));
                tw_buf_done(&m);
        }

        /* restart from the state directory: no second digest for this period */
        tw_notifier_free(w->n);
        w->n = notifier(w->cfg, w->dir);
        cycle(w, T_FIRE + 630);
        cycle(w, T_FIRE + 12 * HOUR);
        assert_int_equal(tw_notifier_flush(w->n, 5000), 0);
        assert_int_equal(tw_webhook_receiver_count(w->rx), 1);

        /* the next day's firing */
        cycle(w, T_FIRE + DAY + 60);
        assert_int_equal(tw_notifier_flush(w->n, 10000), 0);
        n = delivered(w->rx, got, keys, 8);
        assert_int_equal(n, 2);
        assert_string_equal(jstr(got[1], "period"), "2026-06-02T09:00:00Z");
        assert_string_not_equal(keys[0], keys[1]);
        free_all(got, n);
}

/* The receiver is down when the digest is due: it waits in the queue,
 * survives a restart, and is delivered once; no new one is made. */
static void test_queued_digest_survives_restart(void **state)
{
        struct nf_world *w = *state;
        cJSON *got[8];
        char keys[8][40];
        size_t n;

        w->cfg = config(tw_webhook_receiver_port(w->rx), 0);
        tw_webhook_receiver_fail(w->rx, 503, 0, -1);
        w->n = notifier(w->cfg, w->dir);
        cycle(w, T_BEFORE);
        cycle(w, T_FIRE + 30);
        NF_WAIT_FOR(tw_webhook_receiver_count(w->rx) >= 2); /* retried */
        tw_notifier_free(w->n);
        w->n = NULL;
        tw_webhook_receiver_fail(w->rx, 0, 0, -1);
        w->n = notifier(w->cfg, w->dir);
        cycle(w, T_FIRE + 330);
        assert_int_equal(tw_notifier_flush(w->n, 10000), 0);
        n = delivered(w->rx, got, keys, 8);
        assert_int_equal(n, 1);
        assert_string_equal(jstr(got[0], "event"), "digest");
        free_all(got, n);
}

/* The child: cycles across the firing, then waits for the parent's SIGKILL,
 * which comes while the digest is in flight (the receiver answers slowly). */
static int kill_child(const char *dir, const char *port)
{
        struct tw_config *cfg = config((unsigned)atoi(port), 0);
        struct tw_notifier *n = notifier(cfg, dir);

        cycle_data(n, cfg, T_BEFORE, NULL);
        cycle_data(n, cfg, T_FIRE + 30, NULL);
        tw_test_sleep_ms(TW_TEST_WAIT_MS); /* a bound: the kill comes long before */
        return 2;                          /* the parent sees an exit, not SIGKILL, and fails */
}

static void test_kill_9(void **state)
{
        struct nf_world *w = *state;
        char port[16], *argv[] = {"test_notify_digest", "--kill-child", w->dir, port, NULL};
        cJSON *got[8];
        char keys[8][40];
        int64_t deadline = tw_test_deadline(TW_TEST_WAIT_MS);
        bool in_flight;
        size_t n;
        int status;
        pid_t pid;

        snprintf(port, sizeof(port), "%u", tw_webhook_receiver_port(w->rx));
        tw_webhook_receiver_delay(w->rx, 200);
        assert_int_equal(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ), 0);
        while (!(in_flight = tw_webhook_receiver_in_flight(w->rx) > 0) &&
               tw_test_poll_again(deadline))
                ;
        kill(pid, SIGKILL); /* the receiver holds the digest for 200 ms */
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(in_flight);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        NF_WAIT_FOR(tw_webhook_receiver_connections(w->rx) == 0);
        tw_webhook_receiver_delay(w->rx, 0);
        w->cfg = config(tw_webhook_receiver_port(w->rx), 0);
        w->n = notifier(w->cfg, w->dir);
        cycle(w, T_FIRE + 330);
        cycle(w, T_FIRE + 630);
        assert_int_equal(tw_notifier_flush(w->n, 10000), 0);
        n = delivered(w->rx, got, keys, 8);
        assert_in_range(n, 1, 2); /* not lost; at most the one in flight again */
        for (size_t i = 0; i < n; i++) {
                assert_string_equal(jstr(got[i], "event"), "digest");
                assert_string_equal(keys[i], keys[0]); /* the same digest */
        }
        free_all(got, n);
}

/* events = on with a digest: events as usual plus the digest (Slack); stale
 * data: the digest still comes, saying so. */
static void test_events_and_stale(void **state)
{
        struct nf_world *w = *state;
        struct tw_notifier_data stale = {.stale = true, .collected_at = T_BEFORE + 600};
        cJSON *got[8];
        char keys[8][40];
        size_t n;

        w->cfg = config(tw_webhook_receiver_port(w->rx), tw_webhook_receiver_port(w->rx2));
        w->n = notifier(w->cfg, w->dir);
        cycle(w, T_BEFORE);
        cycle_data(w->n, w->cfg, T_FIRE + 30, &stale);
        assert_int_equal(tw_notifier_flush(w->n, 10000), 0);
        n = delivered(w->rx2, got, keys, 8);
        assert_int_equal(n, 3); /* two firing events, then the digest */
        assert_non_null(strstr(jstr(got[0], "text"), "New finding"));
        assert_non_null(strstr(jstr(got[2], "text"), "tokenwatch digest: 2 findings"));
        free_all(got, n);
        n = delivered(w->rx, got, keys, 8); /* events = off: the digest only */
        assert_int_equal(n, 1);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(got[0], "stale")));
        assert_string_equal(jstr(got[0], "data_from"), "2026-06-01T08:10:00Z");
        free_all(got, n);
}

/* --dry-run previews the digest every cycle, sends and records nothing. */
static void test_dry_run_preview(void **state)
{
        struct nf_world *w = *state;
        struct tw_notifier_options o = {.dry_run = true};
        struct tw_buf err;
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);

        assert_non_null(out);
        o.dry_run_out = out;
        w->cfg = config(tw_webhook_receiver_port(w->rx), 0);
        tw_buf_init(&err, 0);
        assert_int_equal(tw_notifier_new(w->cfg, w->dir, &o, &w->n, &err), 0);
        tw_buf_done(&err);
        cycle(w, T_BEFORE);
        fclose(out);
        assert_non_null(strstr(text, "# webhook digest: digest\n"));
        assert_non_null(strstr(text, "\"period\":\t\"2026-05-31T09:00:00Z\""));
        assert_null(strstr(text, "firing")); /* events = off */
        free(text);
        assert_int_equal(tw_webhook_receiver_count(w->rx), 0);
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_once_per_period_across_restart, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_queued_digest_survives_restart, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_kill_9, nf_world_setup, nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_events_and_stale, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_dry_run_preview, nf_world_setup,
                                                nf_world_teardown),
        };

        if (argc == 4 && strcmp(argv[1], "--kill-child") == 0)
                return kill_child(argv[2], argv[3]);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
