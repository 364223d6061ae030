/*
 * Token change events and staged expiry notices through the notifier to real
 * HTTP receivers on 127.0.0.1:0: a deleted-while-in-use event reaches the
 * sink that selects it and not the one that does not; kill -9 (a child
 * process: this binary re-executed) and restarts send nothing twice; a
 * staged notice is sent once across restarts.
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
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/config/config.h"
#include "core/events.h"
#include "core/snapshot.h"
#include "exporters/notify/notify.h"
#include "helpers/notify_fixture.h"
#include "helpers/notify_world.h"
#include "helpers/webhook_receiver.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

extern char **environ;

/* The organization after tok-gone was deleted: tok-a (20 days left), tok-new. */
static struct tw_inventory *inventory(void)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");

        assert_non_null(inv);
        nf_add_workspace(inv, "ws-1", "Data Eng");
        nf_add_workspace(inv, "ws-2", "ML");
        nf_add_token(inv, "tok-a", "deployer", "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR",
                     NOW + 20 * DAY);
        nf_add_token(inv, "tok-new", "fresh", "WORKSPACE", "ws-2", "WORKSPACE_OWNER", TW_NO_TIME);
        return inv;
}

/* deleted while in use (critical), created without expiry (warning),
 * renamed (a record only) */
static struct tw_event change_events[] = {
        {.kind = TW_EVENT_DELETED,
         .severity = TW_SEVERITY_CRITICAL,
         .observed_at = NOW,
         .token_id = "tok-gone",
         .token_name = "ci-deployer",
         .scope = "WORKSPACE",
         .before = "WORKSPACE:ws-1=WORKSPACE_OPERATOR",
         .detail = "last used 2 hours before"},
        {.kind = TW_EVENT_CREATED,
         .severity = TW_SEVERITY_WARNING,
         .observed_at = NOW,
         .token_id = "tok-new",
         .token_name = "fresh",
         .scope = "WORKSPACE",
         .after = "WORKSPACE:ws-2=WORKSPACE_OWNER",
         .detail = "no expiry"},
        {.kind = TW_EVENT_RENAMED,
         .severity = TW_SEVERITY_NONE,
         .observed_at = NOW,
         .token_id = "tok-a",
         .token_name = "deployer",
         .scope = "WORKSPACE",
         .before = "old",
         .after = "deployer"},
};

static void send_events(struct tw_notifier *n, size_t count)
{
        struct tw_events ev = {.events = change_events, .n_events = count};
        struct tw_inventory *inv = inventory();

        assert_int_equal(tw_notifier_events(n, &ev, inv, NOW), 0);
        tw_inventory_free(inv);
}

static cJSON *body(struct tw_webhook_receiver *rx, size_t i, char **ret_key)
{
        struct tw_webhook_request q;
        cJSON *j;

        assert_int_equal(tw_webhook_receiver_get(rx, i, &q), 0);
        j = cJSON_Parse(q.body);
        assert_non_null(j);
        if (ret_key)
                *ret_key = strdup(q.idempotency_key ? q.idempotency_key : "");
        tw_webhook_request_done(&q);
        return j;
}

static const char *jstr(const cJSON *j, const char *k)
{
        return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, k));
}

/* Each sink gets what it selects: "deletions" the deleted-while-in-use
 * token (placed in ws-1 by the roles it had), "ml" (workspace ML, created
 * only) the new token; the rename is a record and reaches nobody. */
static void test_routing(void **state)
{
        struct nf_world *w = *state;
        cJSON *j;

        w->cfg = nf_config("[webhook.deletions]\nurl = http://127.0.0.1:%u/d\nchanges = deleted\n"
                           "workspaces = ws-1\n"
                           "[webhook.ml]\nurl = http://127.0.0.1:%u/m\nchanges = created, renamed\n"
                           "workspaces = ML\n"
                           "[webhook.quiet]\nurl = http://127.0.0.1:%u/q\nchanges = none\n",
                           tw_webhook_receiver_port(w->rx), tw_webhook_receiver_port(w->rx2),
                           tw_webhook_receiver_port(w->rx2));
        w->n = nf_notifier(w, NULL);
        send_events(w->n, 3);
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
        assert_int_equal(tw_webhook_receiver_count(w->rx), 1);
        j = body(w->rx, 0, NULL);
        assert_string_equal(jstr(j, "type"), "token_change");
        assert_string_equal(jstr(j, "event"), "deleted");
        assert_string_equal(jstr(j, "severity"), "critical");
        assert_string_equal(jstr(cJSON_GetObjectItemCaseSensitive(j, "token"), "id"), "tok-gone");
        cJSON_Delete(j);
        assert_int_equal(tw_webhook_receiver_count(w->rx2), 1);
        j = body(w->rx2, 0, NULL);
        assert_string_equal(jstr(j, "event"), "created");
        assert_string_equal(jstr(cJSON_GetObjectItemCaseSensitive(j, "token"), "id"), "tok-new");
        cJSON_Delete(j);
}

/* min_severity applies: a critical-only PagerDuty-like sink gets the deletion only. */
static void test_min_severity(void **state)
{
        struct nf_world *w = *state;
        cJSON *j;

        w->cfg =
                nf_config("[webhook.pager]\nurl = http://127.0.0.1:%u/p\nmin_severity = critical\n",
                          tw_webhook_receiver_port(w->rx));
        w->n = nf_notifier(w, NULL);
        send_events(w->n, 3);
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
        assert_int_equal(tw_webhook_receiver_count(w->rx), 1);
        j = body(w->rx, 0, NULL);
        assert_string_equal(jstr(j, "event"), "deleted");
        cJSON_Delete(j);
}

static struct tw_config *kill_config(unsigned port)
{
        return nf_config("[webhook.hook]\nurl = http://127.0.0.1:%u/hook\n", port);
}

/* The child (this binary with --kill-child DIR PORT): queues the changes,
 * then kills itself with -9 while some are still queued. */
static int kill_child(const char *dir, const char *port)
{
        struct nf_world w = {0};
        struct tw_notifier *child;
        size_t n = ARRAY_SIZE(change_events);
        int64_t deadline = tw_test_deadline(TW_TEST_WAIT_MS);

        snprintf(w.dir, sizeof(w.dir), "%s", dir);
        w.cfg = kill_config((unsigned)atoi(port));
        child = nf_notifier(&w, NULL);
        /* the same two notifying events, observed at three times: six items */
        for (int k = 0; k < 3; k++) {
                for (size_t i = 0; i < n; i++)
                        change_events[i].observed_at = NOW + k;
                send_events(child, n);
        }
        while (tw_notifier_pending(child) > 3)
                if (!tw_test_poll_again(deadline)) {
                        fprintf(stderr, "kill child: still %zu queued after %d ms\n",
                                tw_notifier_pending(child), TW_TEST_WAIT_MS);
                        return 2; /* the parent sees an exit, not SIGKILL, and fails */
                }
        raise(SIGKILL);
        return 1;
}

static size_t unique_keys(struct tw_webhook_receiver *rx, size_t *ret_total)
{
        size_t n = tw_webhook_receiver_count(rx), unique = 0, total = 0;
        char *keys[32] = {0};

        assert_true(n <= 32);
        for (size_t i = 0; i < n; i++) {
                struct tw_webhook_request q;
                bool seen = false;

                assert_int_equal(tw_webhook_receiver_get(rx, i, &q), 0);
                if (getenv("DBG"))
                        fprintf(stderr, "%d %s %.200s\n", q.status, q.idempotency_key, q.body);
                if (q.status >= 200 && q.status < 300) {
                        keys[total] = strdup(q.idempotency_key);
                        for (size_t k = 0; k < total; k++)
                                seen = seen || strcmp(keys[k], keys[total]) == 0;
                        unique += !seen;
                        total++;
                }
                tw_webhook_request_done(&q);
        }
        for (size_t i = 0; i < total; i++)
                free(keys[i]);
        *ret_total = total;
        return unique;
}

/* Killed (-9) mid-delivery, then restarted twice: every change arrives, at
 * most the one in flight twice (with the same key), and nothing after. */
static void test_kill_9_then_restart(void **state)
{
        struct nf_world *w = *state;
        char port[16], *argv[] = {"test_notify_changes", "--kill-child", w->dir, port, NULL};
        size_t total, before, before_total;
        int status;
        pid_t pid;
        cJSON *j;

        w->cfg = kill_config(tw_webhook_receiver_port(w->rx));
        snprintf(port, sizeof(port), "%u", tw_webhook_receiver_port(w->rx));
        tw_webhook_receiver_delay(w->rx, 100);
        assert_int_equal(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        /* the receiver has recorded the request cut by the kill */
        NF_WAIT_FOR(tw_webhook_receiver_connections(w->rx) == 0);
        assert_in_range(tw_webhook_receiver_delivered(w->rx), 2, 4); /* killed mid-way */
        tw_webhook_receiver_delay(w->rx, 0);
        w->n = nf_notifier(w, NULL);
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
        assert_int_equal(unique_keys(w->rx, &total), 6);
        assert_in_range(total, 6, 7);
        before_total = total;
        /* another restart: nothing is sent again.  The queue is FIFO: a
         * change handed over after the restart is delivered after anything
         * the restart queued, so once it is in, nothing else came. */
        tw_notifier_free(w->n);
        before = tw_webhook_receiver_count(w->rx);
        w->n = nf_notifier(w, NULL);
        assert_int_equal(tw_notifier_pending(w->n), 0);
        change_events[0].observed_at = NOW + 10;
        send_events(w->n, 1);
        change_events[0].observed_at = NOW;
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0 && tw_webhook_receiver_count(w->rx) > before);
        assert_int_equal(tw_webhook_receiver_count(w->rx), before + 1);
        j = body(w->rx, before, NULL);
        assert_string_equal(jstr(j, "event"), "deleted");
        assert_int_equal(unique_keys(w->rx, &total), 7);
        assert_int_equal(total, before_total + 1);
        cJSON_Delete(j);
}

/* The same event handed over again (a replay after a crash) has the same
 * Idempotency-Key, so the receiver can drop it; another event another key. */
static void test_replay_same_key(void **state)
{
        struct nf_world *w = *state;
        char *k1, *k2, *k3;

        for (size_t i = 0; i < ARRAY_SIZE(change_events); i++)
                change_events[i].observed_at = NOW;
        w->cfg = nf_config("[webhook.hook]\nurl = http://127.0.0.1:%u/hook\nchanges = deleted\n",
                           tw_webhook_receiver_port(w->rx));
        w->n = nf_notifier(w, NULL);
        send_events(w->n, 1);
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0 && tw_webhook_receiver_count(w->rx) == 1);
        tw_notifier_free(w->n);
        w->n = nf_notifier(w, NULL);
        send_events(w->n, 1);
        change_events[0].observed_at = NOW + 300;
        send_events(w->n, 1);
        change_events[0].observed_at = NOW;
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0 && tw_webhook_receiver_count(w->rx) == 3);
        cJSON_Delete(body(w->rx, 0, &k1));
        cJSON_Delete(body(w->rx, 1, &k2));
        cJSON_Delete(body(w->rx, 2, &k3));
        assert_string_equal(k1, k2);
        assert_string_not_equal(k1, k3);
        free(k1);
        free(k2);
        free(k3);
}

/* A sink that cannot be opened yet (its url_file is missing) keeps the
 * changes it routes in the state file, across a restart, and sends them
 * once it opens; the open sink is not held back. */
static void test_closed_sink_keeps_changes(void **state)
{
        struct tw_notifier_options o = {.backoff_base_ms = 5, .backoff_max_ms = 20};
        struct tw_events none = {0};
        struct nf_world *w = *state;
        char path[128], url[64];
        struct tw_buf err;
        cJSON *j;
        FILE *f;

        for (size_t i = 0; i < ARRAY_SIZE(change_events); i++)
                change_events[i].observed_at = NOW;
        snprintf(path, sizeof(path), "%s/late-url", w->dir);
        w->cfg = nf_config("[webhook.late]\nurl_file = %s\nchanges = deleted\n"
                           "[webhook.open]\nurl = http://127.0.0.1:%u/o\nchanges = deleted\n",
                           path, tw_webhook_receiver_port(w->rx));
        for (int k = 0; k < 2; k++) { /* the second time after a restart */
                tw_buf_init(&err, 0);
                assert_int_equal(tw_notifier_new(w->cfg, w->dir, &o, &w->n, &err), 0);
                assert_non_null(strstr(err.ptr, "webhook late: "));
                tw_buf_done(&err);
                if (k == 0)
                        send_events(w->n, 3);
                NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
                tw_notifier_free(w->n);
                w->n = NULL;
        }
        assert_int_equal(tw_webhook_receiver_count(w->rx), 1);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/late", tw_webhook_receiver_port(w->rx2));
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(url, f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, 0600), 0);
        w->n = nf_notifier(w, NULL);
        assert_int_equal(tw_notifier_events(w->n, &none, NULL, NOW + 60), 0);
        NF_WAIT_FOR(tw_webhook_receiver_count(w->rx2) == 1 && tw_notifier_pending(w->n) == 0);
        j = body(w->rx2, 0, NULL);
        assert_string_equal(jstr(j, "event"), "deleted");
        cJSON_Delete(j);
        assert_int_equal(tw_webhook_receiver_count(w->rx), 1); /* nothing twice */
}

/* One cycle at now; tok-a (20 days left) has no finding: its notices come
 * from the stages alone. */
static void cycle(struct nf_world *w, int64_t now)
{
        struct tw_inventory *inv = inventory();
        struct nf_finding fs[] = {{NULL}};
        struct tw_evaluation *ev = nf_evaluation(inv, fs, now);
        struct tw_snapshot snap = {.cfg = w->cfg, .inv = inv, .ev = ev};

        assert_int_equal(tw_notifier_cycle(w->n, &snap, now, NULL), 0);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

/* The stage notices a receiver got: their lead times, in order. */
static size_t stage_leads(struct tw_webhook_receiver *rx, int64_t *leads, size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < tw_webhook_receiver_count(rx); i++) {
                cJSON *j = body(rx, i, NULL);

                assert_string_equal(jstr(j, "event"), "stage");
                assert_string_equal(jstr(cJSON_GetObjectItemCaseSensitive(j, "token"), "id"),
                                    "tok-a");
                assert_true(n < max);
                leads[n++] = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
                        cJSON_GetObjectItemCaseSensitive(j, "stage"), "lead_seconds"));
                cJSON_Delete(j);
        }
        return n;
}

/* [policy]'s stages for one sink, the sink's own for the other (none of
 * them for a sink that does not route expiring findings); three restarts,
 * a cycle each: each crossed stage is sent once, the innermost only. */
static void test_stage_once(void **state)
{
        struct nf_world *w = *state;
        int64_t leads[8];

        w->cfg = nf_config("[policy]\nexpiry_notify_at = 60d, 30d\n"
                           "[webhook.soon]\nurl = http://127.0.0.1:%u/s\nexpiry_notify_at = 21d\n"
                           "[webhook.policy]\nurl = http://127.0.0.1:%u/p\n"
                           "[webhook.unused]\nurl = http://127.0.0.1:%u/u\nkinds = unused\n",
                           tw_webhook_receiver_port(w->rx), tw_webhook_receiver_port(w->rx2),
                           tw_webhook_receiver_port(w->rx2));
        for (int k = 0; k < 3; k++) {
                w->n = nf_notifier(w, NULL);
                cycle(w, NOW + 600 * k);
                NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
                tw_notifier_free(w->n);
                w->n = NULL;
        }
        assert_int_equal(stage_leads(w->rx, leads, 8), 1);
        assert_int_equal(leads[0], 21 * DAY);
        assert_int_equal(stage_leads(w->rx2, leads, 8), 1);
        assert_int_equal(leads[0], 30 * DAY);
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_routing, nf_world_setup, nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_min_severity, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_kill_9_then_restart, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_replay_same_key, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_stage_once, nf_world_setup, nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_closed_sink_keeps_changes, nf_world_setup,
                                                nf_world_teardown),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        if (argc == 4 && strcmp(argv[1], "--kill-child") == 0)
                return kill_child(argv[2], argv[3]);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
