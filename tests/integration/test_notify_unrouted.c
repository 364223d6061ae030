/*
 * No finding vanishes silently: a finding that no sink receives (every
 * sink's min_severity, kinds, workspaces, teams and match leave it out) is
 * counted in tokenwatch_notifications_unrouted_total when it becomes
 * unrouted, shown in tokenwatch_notifications_unrouted while it is, and
 * logged once.  The notifier runs against a webhook receiver on 127.0.0.1:0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/config/config.h"
#include "core/snapshot.h"
#include "exporters/notify/notify.h"
#include "helpers/notify_fixture.h"
#include "helpers/notify_world.h"
#include "helpers/webhook_receiver.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define WARN TW_SEVERITY_WARNING
#define CRIT TW_SEVERITY_CRITICAL

/* tok-a in workspace Data Eng (its description names a team of its own),
 * tok-c an organization token. */
static struct tw_inventory *inventory(void)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");

        assert_non_null(inv);
        nf_add_workspace(inv, "ws-1", "Data Eng");
        nf_add_token(inv, "tok-a", "deployer", "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR",
                     NOW + 20 * DAY);
        nf_add_token(inv, "tok-c", "org-admin", "ORGANIZATION", "org-1", "ORGANIZATION_OWNER",
                     TW_NO_TIME);
        return inv;
}

static void cycle(struct nf_world *w, const struct nf_finding *fs)
{
        struct tw_inventory *inv = inventory();
        struct tw_evaluation *ev = nf_evaluation(inv, fs, NOW);
        struct tw_snapshot snap = {.cfg = w->cfg, .inv = inv, .ev = ev};

        assert_int_equal(tw_notifier_cycle(w->n, &snap, NOW, NULL), 0);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

/* The value of sample `name` on the notifier's metrics, -1 if absent. */
static long sample(struct nf_world *w, const char *name)
{
        struct tw_buf page;
        const char *p;
        long v = -1;
        size_t n = strlen(name);

        tw_buf_init(&page, 1 << 20);
        assert_int_equal(tw_notifier_metrics_render(w->n, &page), 0);
        for (p = page.ptr; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, name, n) == 0 && p[n] == ' ')
                        v = strtol(p + n + 1, NULL, 10);
        tw_buf_done(&page);
        return v;
}

/* Lines of the log (stderr, redirected to path) that say a finding reaches no sink. */
static int unrouted_lines(const char *path)
{
        char line[4096];
        int n = 0;
        FILE *f = fopen(path, "r");

        assert_non_null(f);
        while (fgets(line, sizeof(line), f))
                n += strstr(line, "reaches no notification sink") != NULL;
        fclose(f);
        return n;
}

static void test_unrouted_findings_counted_and_logged_once(void **state)
{
        static const struct nf_finding warn_a[] = {
                {"tok-a", TW_FINDING_EXPIRING, WARN, false},
                {"tok-c", TW_FINDING_OVER_PRIVILEGED, CRIT, false},
                {"tok-c", TW_FINDING_NO_EXPIRY, WARN, true},
                {NULL}};
        static const struct nf_finding crit_a[] = {
                {"tok-a", TW_FINDING_EXPIRING, CRIT, false},
                {"tok-c", TW_FINDING_OVER_PRIVILEGED, CRIT, false},
                {NULL}};
        struct nf_world *w = *state;
        char log[128];
        int saved = dup(STDERR_FILENO), fd;

        snprintf(log, sizeof(log), "%s/stderr.log", w->dir);
        fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0 && saved >= 0);
        /* One sink, critical findings only: tok-a's warning reaches nobody
         * (tok-c's suppressed warning is not a finding to route). */
        w->cfg = nf_config("[webhook.hook]\nurl = http://127.0.0.1:%u/hook\nformat = generic\n"
                           "min_severity = critical\n",
                           tw_webhook_receiver_port(w->rx));
        w->n = nf_notifier(w, NULL);
        dup2(fd, STDERR_FILENO);
        cycle(w, warn_a);
        cycle(w, warn_a);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        assert_int_equal(sample(w, "tokenwatch_notifications_unrouted"), 1);
        assert_int_equal(sample(w, "tokenwatch_notifications_unrouted_total"), 1);
        assert_int_equal(unrouted_lines(log), 1);

        /* Critical now: routed; a warning again: unrouted again, counted. */
        dup2(fd, STDERR_FILENO);
        cycle(w, crit_a);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        assert_int_equal(sample(w, "tokenwatch_notifications_unrouted"), 0);
        assert_int_equal(sample(w, "tokenwatch_notifications_unrouted_total"), 1);
        dup2(fd, STDERR_FILENO);
        cycle(w, warn_a);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        assert_int_equal(sample(w, "tokenwatch_notifications_unrouted"), 1);
        assert_int_equal(sample(w, "tokenwatch_notifications_unrouted_total"), 2);
        assert_int_equal(unrouted_lines(log), 2);
        close(fd);
        close(saved);
}

/* A team-scoped sink and a token whose description names another team: the
 * owner routing leaves the finding out, and that is said. */
static void test_team_routing_leaves_a_finding_out(void **state)
{
        static const struct nf_finding fs[] = {{"tok-a", TW_FINDING_EXPIRING, WARN, false}, {NULL}};
        struct nf_world *w = *state;

        w->cfg = nf_config("[owners]\nworkspace ws-1 = data-eng\n"
                           "[webhook.hook]\nurl = http://127.0.0.1:%u/hook\nformat = generic\n"
                           "teams = platform\n",
                           tw_webhook_receiver_port(w->rx));
        w->n = nf_notifier(w, NULL);
        cycle(w, fs);
        assert_int_equal(sample(w, "tokenwatch_notifications_unrouted"), 1);
        assert_int_equal(sample(w, "tokenwatch_notifications_unrouted_total"), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_unrouted_findings_counted_and_logged_once,
                                                nf_world_setup, nf_world_teardown),
                cmocka_unit_test_setup_teardown(test_team_routing_leaves_a_finding_out,
                                                nf_world_setup, nf_world_teardown),
        };

        curl_global_init(CURL_GLOBAL_DEFAULT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
