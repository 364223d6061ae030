/*
 * The notifier against real HTTP receivers on 127.0.0.1:0: outage and
 * recovery, 4xx, kill -9 and restart (a child process: this binary
 * re-executed), Alertmanager HA pairs, PagerDuty's routing key, dry-run,
 * notify-test, a corrupt state file, stale data, isolated sinks, reloads
 * while sinks deliver, rotated secret files.
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
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "exporters/notify/notify.h"
#include "core/snapshot.h"
#include "exporters/sinks/sinks.h"
#include "agent/daemon/notify_hook.h"
#include "core/status.h"
#include "helpers/helpers.h"
#include "helpers/notify_fixture.h"
#include "lib/timeutil.h"
#include "helpers/notify_world.h"
#include "helpers/webhook_receiver.h"

extern char **environ;

#define WARN TW_SEVERITY_WARNING
#define CRIT TW_SEVERITY_CRITICAL

static struct tw_notifier *notifier(struct nf_world *w, bool dry_run, FILE *out)
{
        struct tw_notifier_options o = {
                .dry_run = dry_run, .dry_run_out = out, .backoff_base_ms = 5, .backoff_max_ms = 20};

        return nf_notifier(w, &o);
}

static struct tw_inventory *inventory(void)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");

        assert_non_null(inv);
        nf_add_workspace(inv, "ws-1", "Data Eng");
        nf_add_token(inv, "tok-a", "deployer", "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR",
                     NOW + 20 * DAY);
        nf_add_token(inv, "tok-b", "reader", "WORKSPACE", "ws-1", "WORKSPACE_MEMBER",
                     NOW + 200 * DAY);
        nf_add_token(inv, "tok-c", "org-admin", "ORGANIZATION", "org-1", "ORGANIZATION_OWNER",
                     TW_NO_TIME);
        return inv;
}

/* One cycle over the given findings at now. */
static void cycle(struct nf_world *w, struct tw_notifier *n, const struct nf_finding *fs,
                  int64_t now)
{
        struct tw_inventory *inv = inventory();
        struct tw_evaluation *ev = nf_evaluation(inv, fs, now);
        struct tw_snapshot snap = {.cfg = w->cfg, .inv = inv, .ev = ev};

        assert_int_equal(tw_notifier_cycle(n, &snap, now, NULL), 0);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

/* The delivered (2xx) requests' bodies, parsed, in order. */
static size_t delivered(struct tw_webhook_receiver *rx, struct tw_webhook_request *out, size_t max)
{
        size_t k = 0, n = tw_webhook_receiver_count(rx);

        for (size_t i = 0; i < n && k < max; i++) {
                assert_int_equal(tw_webhook_receiver_get(rx, i, &out[k]), 0);
                if (out[k].status >= 200 && out[k].status < 300)
                        k++;
                else
                        tw_webhook_request_done(&out[k]);
        }
        return k;
}

static const char *jstr(const cJSON *j, const char *a, const char *b)
{
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, a);

        return cJSON_GetStringValue(b ? cJSON_GetObjectItemCaseSensitive(o, b) : o);
}

static void test_outage_then_recovery(void **state)
{
        static const struct nf_finding c1[] = {{"tok-a", TW_FINDING_EXPIRING, WARN, false},
                                               {"tok-b", TW_FINDING_UNUSED, WARN, false},
                                               {NULL}};
        static const struct nf_finding c2[] = {{"tok-a", TW_FINDING_EXPIRING, CRIT, false},
                                               {"tok-c", TW_FINDING_OVER_PRIVILEGED, CRIT, false},
                                               {NULL}};
        static const struct {
                const char *event, *token;
        } want[] = {{"firing", "tok-a"},
                    {"firing", "tok-b"},
                    {"escalated", "tok-a"},
                    {"resolved", "tok-b"},
                    {"firing", "tok-c"}};
        struct nf_world *w = *state;
        struct tw_webhook_request got[8];
        struct tw_buf m;
        size_t n;

        w->cfg = nf_config(
                "[webhook.hook]\nurl = http://127.0.0.1:%u/hook\nformat = generic\nsecret "
                "= s3cret\n"
                "repeat_interval = 0\n",
                tw_webhook_receiver_port(w->rx));
        tw_webhook_receiver_fail(w->rx, 503, 0, -1);
        w->n = notifier(w, false, NULL);
        cycle(w, w->n, c1, NOW);
        NF_WAIT_FOR(tw_webhook_receiver_count(w->rx) >= 6); /* down: retried with backoff */
        cycle(w, w->n, c2, NOW + 300);
        assert_int_equal(tw_webhook_receiver_delivered(w->rx), 0);
        tw_webhook_receiver_fail(w->rx, 0, 0, -1);
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
        n = delivered(w->rx, got, 8);
        assert_int_equal(n, ARRAY_SIZE(want)); /* everything, once, in order */
        for (size_t i = 0; i < n; i++) {
                cJSON *j = cJSON_Parse(got[i].body);
                char signed_text[8192], hex[65], sig[80];

                assert_non_null(j);
                assert_string_equal(jstr(j, "event", NULL), want[i].event);
                assert_string_equal(jstr(j, "token", "id"), want[i].token);
                assert_string_equal(jstr(j, "idempotency_key", NULL), got[i].idempotency_key);
                assert_string_equal(got[i].content_type, "application/json");
                for (size_t k = 0; k < i; k++)
                        assert_string_not_equal(got[k].idempotency_key, got[i].idempotency_key);
                snprintf(signed_text, sizeof(signed_text), "%s.%s", got[i].timestamp, got[i].body);
                assert_int_equal(
                        tw_hmac_sha256_hex("s3cret", 6, signed_text, strlen(signed_text), hex), 0);
                snprintf(sig, sizeof(sig), "sha256=%s", hex);
                assert_string_equal(got[i].signature, sig);
                cJSON_Delete(j);
        }
        for (size_t i = 0; i < n; i++)
                tw_webhook_request_done(&got[i]);
        tw_buf_init(&m, 0);
        assert_int_equal(tw_notifier_metrics_render(w->n, &m), 0);
        assert_non_null(strstr(m.ptr, "tokenwatch_notifications_total{sink=\"hook\",event="
                                      "\"firing\",outcome=\"success\"} 3\n"));
        assert_null(strstr(m.ptr, "event=\"firing\",outcome=\"retry\"} 0\n")); /* retried */
        assert_non_null(strstr(m.ptr, "tokenwatch_notification_queue_length{sink=\"hook\"} 0\n"));
        assert_null(strstr(m.ptr, "127.0.0.1")); /* the URL is a secret */
        tw_buf_done(&m);
}

static void test_4xx_not_retried(void **state)
{
        static const struct nf_finding c1[] = {{"tok-a", TW_FINDING_EXPIRING, WARN, false},
                                               {"tok-b", TW_FINDING_UNUSED, WARN, false},
                                               {NULL}};
        struct nf_world *w = *state;
        struct tw_webhook_request q;
        struct tw_buf m;

        w->cfg = nf_config("[webhook.hook]\nurl = http://127.0.0.1:%u/hook\nformat = slack\n",
                           tw_webhook_receiver_port(w->rx));
        tw_webhook_receiver_fail(w->rx, 400, 1, -1);
        w->n = notifier(w, false, NULL);
        cycle(w, w->n, c1, NOW);
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
        assert_int_equal(tw_webhook_receiver_count(w->rx), 2);
        assert_int_equal(tw_webhook_receiver_get(w->rx, 0, &q), 0);
        assert_int_equal(q.status, 400);
        tw_webhook_request_done(&q);
        assert_int_equal(tw_webhook_receiver_delivered(w->rx), 1);
        tw_buf_init(&m, 0);
        assert_int_equal(tw_notifier_metrics_render(w->n, &m), 0);
        assert_non_null(strstr(m.ptr, "{sink=\"hook\",event=\"firing\",outcome=\"rejected\"} 1\n"));
        assert_non_null(strstr(m.ptr, "{sink=\"hook\",event=\"firing\",outcome=\"retry\"} 0\n"));
        tw_buf_done(&m);
}

static void test_retry_after_honoured(void **state)
{
        static const struct nf_finding c1[] = {{"tok-a", TW_FINDING_EXPIRING, WARN, false}, {NULL}};
        struct nf_world *w = *state;
        struct tw_webhook_request a, b;

        w->cfg = nf_config("[webhook.hook]\nurl = http://127.0.0.1:%u/hook\nformat = generic\n",
                           tw_webhook_receiver_port(w->rx));
        tw_webhook_receiver_fail(w->rx, 429, 1, 1);
        w->n = notifier(w, false, NULL); /* backoff alone would retry after at most 20 ms */
        cycle(w, w->n, c1, NOW);
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
        assert_int_equal(tw_webhook_receiver_count(w->rx), 2);
        assert_int_equal(tw_webhook_receiver_get(w->rx, 0, &a), 0);
        assert_int_equal(tw_webhook_receiver_get(w->rx, 1, &b), 0);
        assert_int_equal(a.status, 429);
        assert_int_equal(b.status, 200);
        assert_string_equal(a.idempotency_key, b.idempotency_key); /* stable across retries */
        assert_true(b.received_ms - a.received_ms >= 900);         /* Retry-After: 1 */
        tw_webhook_request_done(&a);
        tw_webhook_request_done(&b);
}

static const struct nf_finding kill_findings[] = {
        {"tok-a", TW_FINDING_EXPIRING, WARN, false},
        {"tok-a", TW_FINDING_UNUSED, WARN, false},
        {"tok-b", TW_FINDING_UNUSED, WARN, false},
        {"tok-b", TW_FINDING_ORPHANED, WARN, false},
        {"tok-c", TW_FINDING_OVER_PRIVILEGED, CRIT, false},
        {NULL}};

static struct tw_config *kill_config(unsigned port)
{
        return nf_config("[webhook.hook]\nurl = http://127.0.0.1:%u/hook\nformat = generic\n",
                         port);
}

/* The child (this binary run with --kill-child DIR PORT): cycles, then
 * kills itself with -9 while notifications are still queued. */
static int kill_child(const char *dir, const char *port)
{
        struct nf_world w = {0};
        struct tw_notifier *child;
        int64_t deadline = tw_test_deadline(TW_TEST_WAIT_MS);

        snprintf(w.dir, sizeof(w.dir), "%s", dir);
        w.cfg = kill_config((unsigned)atoi(port));
        child = notifier(&w, false, NULL);
        cycle(&w, child, kill_findings, NOW);
        while (tw_notifier_pending(child) > 3)
                if (!tw_test_poll_again(deadline)) {
                        fprintf(stderr, "kill child: still %zu queued after %d ms\n",
                                tw_notifier_pending(child), TW_TEST_WAIT_MS);
                        return 2; /* the parent sees an exit, not SIGKILL, and fails */
                }
        raise(SIGKILL);
        return 1;
}

/* A child process cycles, then is killed (-9) mid-delivery; a new notifier finishes the job. */
static void test_kill_9_then_restart(void **state)
{
        struct nf_world *w = *state;
        struct tw_webhook_request got[16];
        char port[16], *argv[] = {"test_notify", "--kill-child", w->dir, port, NULL};
        size_t n, unique = 0;
        int status;
        pid_t pid;

        w->cfg = kill_config(tw_webhook_receiver_port(w->rx));
        snprintf(port, sizeof(port), "%u", tw_webhook_receiver_port(w->rx));
        tw_webhook_receiver_delay(w->rx, 100);
        /* a fresh process (spawned: no fork of this threaded one) */
        assert_int_equal(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        /* the receiver has recorded the request cut by the kill */
        NF_WAIT_FOR(tw_webhook_receiver_connections(w->rx) == 0);
        assert_in_range(tw_webhook_receiver_delivered(w->rx), 2, 4); /* killed mid-way */
        tw_webhook_receiver_delay(w->rx, 0);
        w->n = notifier(w, false, NULL);
        cycle(w, w->n, kill_findings, NOW + 300); /* same findings: nothing new */
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
        n = delivered(w->rx, got, 16);
        for (size_t i = 0; i < n; i++) {
                bool seen = false;

                for (size_t k = 0; k < i; k++)
                        seen = seen || strcmp(got[k].idempotency_key, got[i].idempotency_key) == 0;
                unique += !seen;
        }
        assert_int_equal(unique, 5); /* nothing lost */
        assert_in_range(n, 5, 6);    /* at most the one in flight at the kill, same key */
        for (size_t i = 0; i < n; i++)
                tw_webhook_request_done(&got[i]);
}

static void test_alertmanager_ha_pair(void **state)
{
        static const struct nf_finding c1[] = {{"tok-a", TW_FINDING_EXPIRING, WARN, false},
                                               {"tok-b", TW_FINDING_UNUSED, WARN, false},
                                               {NULL}};
        static const struct nf_finding c2[] = {{"tok-a", TW_FINDING_EXPIRING, WARN, false}, {NULL}};
        struct nf_world *w = *state;
        struct tw_webhook_receiver *rxs[2] = {w->rx, w->rx2};

        w->cfg = nf_config("[agent]\ninterval = 60s\n[webhook.am]\nurl = "
                           "http://127.0.0.1:%u,http://127.0.0.1:%u\n"
                           "format = alertmanager\n",
                           tw_webhook_receiver_port(w->rx), tw_webhook_receiver_port(w->rx2));
        w->n = notifier(w, false, NULL);
        cycle(w, w->n, c1, NOW);
        cycle(w, w->n, c2, NOW + 60);
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
        for (int k = 0; k < 2; k++) {
                struct tw_webhook_request q;
                cJSON *j, *a;

                /* the first refresh may have been superseded before it went out */
                assert_in_range(tw_webhook_receiver_delivered(rxs[k]), 1, 2);
                assert_int_equal(
                        tw_webhook_receiver_get(rxs[k], tw_webhook_receiver_count(rxs[k]) - 1, &q),
                        0);
                assert_string_equal(q.path, "/api/v2/alerts");
                j = cJSON_Parse(q.body);
                assert_int_equal(cJSON_GetArraySize(j), 2);
                a = cJSON_GetArrayItem(j, 1); /* tok-b resolved: ends now */
                assert_string_equal(jstr(a, "labels", "token_id"), "tok-b");
                assert_string_equal(jstr(a, "labels", "alertname"), "TokenwatchFinding");
                assert_string_equal(jstr(a, "endsAt", NULL), "2026-06-01T12:01:00Z");
                a = cJSON_GetArrayItem(j, 0); /* tok-a still firing: ends 3 intervals on */
                assert_string_equal(jstr(a, "endsAt", NULL), "2026-06-01T12:04:00Z");
                cJSON_Delete(j);
                tw_webhook_request_done(&q);
        }
        /* one of the pair down: refreshes coalesce instead of piling up */
        tw_webhook_receiver_fail(w->rx2, 503, 0, -1);
        for (int i = 2; i < 8; i++)
                cycle(w, w->n, c2, NOW + 60 * i);
        assert_in_range(tw_notifier_pending(w->n), 1, 2);
        tw_webhook_receiver_fail(w->rx2, 0, 0, -1);
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
        assert_true(tw_webhook_receiver_delivered(w->rx2) <= 4);
        /* the item rx got while rx2 failed was coalesced: rx got its successor
         * too, so both replicas end with the last refresh (endsAt 12:07 + 3 m) */
        for (int k = 0; k < 2; k++) {
                struct tw_webhook_request q;
                cJSON *j;

                assert_int_equal(
                        tw_webhook_receiver_get(rxs[k], tw_webhook_receiver_count(rxs[k]) - 1, &q),
                        0);
                j = cJSON_Parse(q.body);
                assert_string_equal(jstr(cJSON_GetArrayItem(j, 0), "endsAt", NULL),
                                    "2026-06-01T12:10:00Z");
                cJSON_Delete(j);
                tw_webhook_request_done(&q);
        }
}

static void test_pagerduty_routing_key_not_stored(void **state)
{
        static const struct nf_finding c1[] = {{"tok-c", TW_FINDING_OVER_PRIVILEGED, CRIT, false},
                                               {NULL}};
        struct nf_world *w = *state;
        struct tw_webhook_request q;
        char path[128], *text;

        w->cfg =
                nf_config("[webhook.pd]\nurl = http://127.0.0.1:%u/v2/enqueue\nformat = pagerduty\n"
                          "routing_key = RK-SECRET-1\n",
                          tw_webhook_receiver_port(w->rx));
        tw_webhook_receiver_fail(w->rx, 503, 0, -1);
        w->n = notifier(w, false, NULL);
        cycle(w, w->n, c1, NOW); /* persisted while the sink is down */
        snprintf(path, sizeof(path), "%s/notify-state.json", w->dir);
        text = tw_test_read_file(path, NULL);
        assert_non_null(strstr(text, "tokenwatch:org-1:tok-c:over_privileged"));
        assert_null(strstr(text, "RK-SECRET-1"));
        free(text);
        tw_webhook_receiver_fail(w->rx, 0, 0, -1);
        NF_WAIT_FOR(tw_webhook_receiver_delivered(w->rx) == 1);
        assert_int_equal(tw_webhook_receiver_get(w->rx, tw_webhook_receiver_count(w->rx) - 1, &q),
                         0);
        assert_non_null(strstr(q.body, "\"routing_key\":\"RK-SECRET-1\""));
        tw_webhook_request_done(&q);
}

static void test_dry_run_and_notify_test(void **state)
{
        static const struct nf_finding c1[] = {{"tok-a", TW_FINDING_EXPIRING, WARN, false}, {NULL}};
        struct nf_world *w = *state;
        struct tw_webhook_request q;
        struct tw_buf out;
        char *text = NULL, path[128];
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        w->cfg = nf_config("[webhook.hook]\nurl = http://127.0.0.1:%u/hook\nformat = teams\n",
                           tw_webhook_receiver_port(w->rx));
        w->n = notifier(w, true, f);
        cycle(w, w->n, c1, NOW);
        fclose(f);
        assert_non_null(strstr(text, "# webhook hook: firing\n"));
        assert_non_null(strstr(text, "AdaptiveCard"));
        free(text);
        snprintf(path, sizeof(path), "%s/notify-state.json", w->dir);
        assert_int_equal(access(path, F_OK), -1); /* dry-run persists nothing */
        tw_buf_init(&out, 0);
        assert_int_equal(tw_notifier_test(w->n, "nope", NOW, &out), -ENOENT);
        assert_int_equal(tw_notifier_test(w->n, "hook", NOW, &out), 0);
        assert_non_null(strstr(out.ptr, "webhook hook: ok"));
        assert_int_equal(tw_webhook_receiver_count(w->rx), 1);
        assert_int_equal(tw_webhook_receiver_get(w->rx, 0, &q), 0);
        assert_non_null(strstr(q.body, "tokenwatch test notification"));
        tw_webhook_request_done(&q);
        tw_webhook_receiver_fail(w->rx, 500, 1, -1);
        tw_buf_reset(&out);
        assert_int_equal(tw_notifier_test(w->n, NULL, NOW, &out), -EPROTO);
        assert_non_null(strstr(out.ptr, "webhook hook: failed: HTTP 500"));
        tw_buf_done(&out);
}

static void test_corrupt_state_moved_aside(void **state)
{
        static const struct nf_finding c1[] = {{"tok-a", TW_FINDING_EXPIRING, WARN, false}, {NULL}};
        struct nf_world *w = *state;
        char path[128];
        struct dirent *de;
        bool moved = false;
        FILE *f;
        DIR *d;

        snprintf(path, sizeof(path), "%s/notify-state.json", w->dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("{\"state\": {\"sinks\": tru", f);
        fclose(f);
        w->cfg = nf_config("[webhook.hook]\nurl = http://127.0.0.1:%u/hook\nformat = generic\n",
                           tw_webhook_receiver_port(w->rx));
        w->n = notifier(w, false, NULL);
        d = opendir(w->dir);
        assert_non_null(d);
        while ((de = readdir(d)))
                moved = moved || strncmp(de->d_name, "notify-state.json.corrupt-", 26) == 0;
        closedir(d);
        assert_true(moved);
        cycle(w, w->n, c1, NOW);
        NF_WAIT_FOR(tw_webhook_receiver_delivered(w->rx) == 1);
        assert_int_equal(access(path, F_OK), 0);
}

/* One cycle on stale data (the API is down) at now. */
static void stale_cycle(struct nf_world *w, const struct nf_finding *fs, int64_t now)
{
        struct tw_inventory *inv = inventory();
        struct tw_evaluation *ev = nf_evaluation(inv, fs, now);
        struct tw_snapshot snap = {.cfg = w->cfg, .inv = inv, .ev = ev};
        struct tw_notifier_data data = {.stale = true, .collected_at = NOW};

        assert_int_equal(tw_notifier_cycle(w->n, &snap, now, &data), 0);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

/* An outage far longer than the alert lifetime (180 s): every stale cycle
 * re-sends the firing alerts with endsAt renewed, none resolves, a token
 * expiring meanwhile escalates; fresh data again resolves what is gone. */
static void test_stale_outage_alertmanager(void **state)
{
        static const struct nf_finding c1[] = {{"tok-a", TW_FINDING_EXPIRING, CRIT, false},
                                               {"tok-b", TW_FINDING_UNUSED, WARN, false},
                                               {NULL}};
        static const struct nf_finding expiring[] = {{"tok-a", TW_FINDING_EXPIRING, CRIT, false},
                                                     {NULL}};
        static const struct nf_finding expired[] = {{"tok-a", TW_FINDING_EXPIRED, CRIT, false},
                                                    {NULL}};
        struct nf_world *w = *state;
        struct tw_webhook_request q;
        char want[32];
        cJSON *j;
        int64_t t;

        w->cfg = nf_config("[agent]\ninterval = 60s\n[webhook.am]\nurl = http://127.0.0.1:%u\n"
                           "format = alertmanager\n",
                           tw_webhook_receiver_port(w->rx));
        w->n = notifier(w, false, NULL);
        cycle(w, w->n, c1, NOW);
        /* 20 minutes without data; tok-b missing (a failed page), tok-a expires */
        for (t = NOW + 60; t <= NOW + 1200; t += 60) {
                stale_cycle(w, t < NOW + 600 ? expiring : expired, t);
                NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
                assert_int_equal(
                        tw_webhook_receiver_get(w->rx, tw_webhook_receiver_count(w->rx) - 1, &q),
                        0);
                j = cJSON_Parse(q.body);
                assert_non_null(j);
                /* tok-a and tok-b (kept), and the old tok-a alert ending at the escalation */
                assert_int_equal(cJSON_GetArraySize(j), t == NOW + 600 ? 3 : 2);
                for (int i = 0; i < cJSON_GetArraySize(j); i++) {
                        const cJSON *a = cJSON_GetArrayItem(j, i);

                        /* the old expiring alert ends when expired replaces it; nothing else ends
                         */
                        if (strcmp(jstr(a, "labels", "finding"), "expiring") == 0 && t == NOW + 600)
                                continue;
                        tw_time_format(t + 180, want);
                        assert_string_equal(jstr(a, "endsAt", NULL), want);
                }
                cJSON_Delete(j);
                tw_webhook_request_done(&q);
        }
        /* fresh data: tok-b is really gone now */
        cycle(w, w->n, expired, NOW + 1260);
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
        assert_int_equal(tw_webhook_receiver_get(w->rx, tw_webhook_receiver_count(w->rx) - 1, &q),
                         0);
        j = cJSON_Parse(q.body);
        assert_int_equal(cJSON_GetArraySize(j), 2);
        assert_string_equal(jstr(cJSON_GetArrayItem(j, 0), "labels", "finding"), "expired");
        assert_string_equal(jstr(cJSON_GetArrayItem(j, 1), "labels", "token_id"), "tok-b");
        tw_time_format(NOW + 1260, want);
        assert_string_equal(jstr(cJSON_GetArrayItem(j, 1), "endsAt", NULL), want);
        cJSON_Delete(j);
        tw_webhook_request_done(&q);
}

static void write_secret(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        assert_int_equal(fchmod(fileno(f), 0600), 0);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

/* A sink whose url_file is missing does not silence the others: it shows
 * sink_up 0, keeps its events, and opens at a later cycle. */
static void test_bad_sink_isolated(void **state)
{
        static const struct nf_finding c1[] = {{"tok-a", TW_FINDING_EXPIRING, WARN, false}, {NULL}};
        struct tw_notifier_options o = {.backoff_base_ms = 5, .backoff_max_ms = 20};
        struct nf_world *w = *state;
        char path[128], url[64];
        struct tw_buf err, m;

        snprintf(path, sizeof(path), "%s/late-url", w->dir);
        w->cfg = nf_config("[webhook.bad]\nurl_file = %s\n"
                           "[webhook.good]\nurl = http://127.0.0.1:%u/hook\n",
                           path, tw_webhook_receiver_port(w->rx));
        tw_buf_init(&err, 0);
        assert_int_equal(tw_notifier_new(w->cfg, w->dir, &o, &w->n, &err), 0);
        assert_non_null(strstr(err.ptr, "webhook bad: "));
        tw_buf_done(&err);
        cycle(w, w->n, c1, NOW);
        NF_WAIT_FOR(tw_webhook_receiver_delivered(w->rx) == 1);
        tw_buf_init(&m, 0);
        assert_int_equal(tw_notifier_metrics_render(w->n, &m), 0);
        assert_non_null(strstr(m.ptr, "tokenwatch_notification_sink_up{sink=\"bad\"} 0\n"));
        assert_non_null(strstr(m.ptr, "tokenwatch_notification_sink_up{sink=\"good\"} 1\n"));
        tw_buf_done(&m);
        /* the file appears: the next cycle opens the sink and sends what it missed */
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/late", tw_webhook_receiver_port(w->rx2));
        write_secret(path, url);
        cycle(w, w->n, c1, NOW + 60);
        NF_WAIT_FOR(tw_webhook_receiver_delivered(w->rx2) == 1);
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
        assert_int_equal(tw_webhook_receiver_delivered(w->rx), 1); /* good: nothing twice */
        tw_buf_init(&m, 0);
        assert_int_equal(tw_notifier_metrics_render(w->n, &m), 0);
        assert_non_null(strstr(m.ptr, "tokenwatch_notification_sink_up{sink=\"bad\"} 1\n"));
        tw_buf_done(&m);
}

/* Reloads while three sinks deliver: every sink stops before any is freed
 * (ASan finds the use-after-free of a sink's name otherwise). */
static void test_reload_while_delivering(void **state)
{
        static const struct nf_finding fs[] = {{"tok-a", TW_FINDING_EXPIRING, WARN, false},
                                               {"tok-a", TW_FINDING_UNUSED, WARN, false},
                                               {"tok-b", TW_FINDING_UNUSED, WARN, false},
                                               {"tok-c", TW_FINDING_OVER_PRIVILEGED, CRIT, false},
                                               {NULL}};
        struct nf_world *w = *state;
        unsigned p1 = tw_webhook_receiver_port(w->rx), p2 = tw_webhook_receiver_port(w->rx2);

        w->cfg = nf_config("[webhook.one]\nurl = http://127.0.0.1:%u/1\n"
                           "[webhook.two]\nurl = http://127.0.0.1:%u/2\n"
                           "[webhook.three]\nurl = http://127.0.0.1:%u/3\nformat = slack\n",
                           p1, p2, p1);
        tw_webhook_receiver_delay(w->rx, 5);
        tw_webhook_receiver_delay(w->rx2, 5);
        for (int i = 0; i < 5; i++) {
                size_t before = tw_webhook_receiver_count(w->rx);

                w->n = notifier(w, false, NULL);
                cycle(w, w->n, i % 2 ? fs + 1 : fs, NOW + 60 * i);
                NF_WAIT_FOR(tw_webhook_receiver_count(w->rx) > before); /* delivering */
                tw_notifier_free(w->n);                                 /* the reload */
                w->n = NULL;
        }
        w->n = notifier(w, false, NULL);
        NF_WAIT_FOR(tw_notifier_pending(w->n) == 0);
}

/* A rotated url_file (same path, new content) takes effect at the next cycle:
 * the hook compares the secrets' contents, not only their paths. */
static void test_secret_file_reread(void **state)
{
        static const struct nf_finding c1[] = {{"tok-a", TW_FINDING_EXPIRING, WARN, false}, {NULL}};
        static const struct nf_finding c2[] = {{"tok-a", TW_FINDING_EXPIRING, WARN, false},
                                               {"tok-c", TW_FINDING_OVER_PRIVILEGED, CRIT, false},
                                               {NULL}};
        struct nf_world *w = *state;
        struct tw_notify_hook *h = tw_notify_hook_new(false);
        struct tw_agent_status st;
        char path[128], url[64], cfgtext[512];
        struct tw_inventory *inv = inventory();
        struct tw_evaluation *ev;
        struct tw_snapshot snap;

        assert_non_null(h);
        tw_agent_status_init(&st, "test");
        st.listing_success[TW_LISTING_TOKENS] = true;
        snprintf(path, sizeof(path), "%s/url", w->dir);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/old", tw_webhook_receiver_port(w->rx));
        write_secret(path, url);
        snprintf(cfgtext, sizeof(cfgtext),
                 "[agent]\nstate_dir = %s\n[webhook.hook]\nurl_file = %s\n", w->dir, path);
        w->cfg = nf_config("%s", cfgtext);
        ev = nf_evaluation(inv, c1, NOW);
        snap = (struct tw_snapshot){.cfg = w->cfg, .inv = inv, .ev = ev};
        tw_notify_hook_on_cycle(h, &snap, &st, false);
        NF_WAIT_FOR(tw_webhook_receiver_delivered(w->rx) == 1);
        tw_evaluation_free(ev);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/new", tw_webhook_receiver_port(w->rx2));
        write_secret(path, url); /* rotated, same path, same config */
        ev = nf_evaluation(inv, c2, NOW + 60);
        snap = (struct tw_snapshot){.cfg = w->cfg, .inv = inv, .ev = ev};
        tw_notify_hook_on_cycle(h, &snap, &st, false);
        NF_WAIT_FOR(tw_webhook_receiver_delivered(w->rx2) == 1);
        tw_notify_hook_flush(h, 30000);
        assert_int_equal(tw_webhook_receiver_delivered(w->rx), 1);
        tw_notify_hook_free(h);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_outage_then_recovery, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_stale_outage_alertmanager, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_bad_sink_isolated, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_reload_while_delivering, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_secret_file_reread, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_4xx_not_retried, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_retry_after_honoured, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_kill_9_then_restart, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_alertmanager_ha_pair, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_pagerduty_routing_key_not_stored,
                                                nf_world_setup, nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_dry_run_and_notify_test, nf_world_setup,
                                                nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_state_moved_aside, nf_world_setup,
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
