/* Digests: when one is due (now as a parameter, across
 * Europe/Berlin's DST changes), what it holds (routing, grouping by
 * severity and team, counts), the bodies (goldens with a hostile name, an
 * empty digest, stale data), the config checks and the store's record. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/notify/digest.h"
#include "core/snapshot.h"
#include "exporters/notify/digest_internal.h"
#include "exporters/notify/store_internal.h"
#include "exporters/notify/sink_config.h"
#include "exporters/sinks/sinks.h"
#include "helpers/golden.h"
#include "helpers/notify_fixture.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define WARN TW_SEVERITY_WARNING
#define CRIT TW_SEVERITY_CRITICAL

static int64_t at(const char *rfc3339)
{
        int64_t t;

        assert_int_equal(tw_time_parse(rfc3339, &t), 0);
        return t;
}

/* Loads text; returns the errors (empty when it loaded) in err. */
static struct tw_config *load(const char *text, struct tw_buf *err)
{
        struct tw_config *cfg = NULL;

        tw_buf_reset(err);
        if (tw_config_load_string(text, "t.ini", &cfg, err) < 0)
                return NULL;
        if (tw_sink_config_check(cfg, err) < 0) {
                tw_config_free(cfg);
                return NULL;
        }
        return cfg;
}

static void test_config(void **unused)
{
        static const struct {
                const char *keys;  /* the lines after [webhook.x] url = ... */
                const char *error; /* NULL: loads */
        } tab[] = {
                {"digest = daily 09:00\n", NULL},
                {"digest = weekly mon 09:00 Europe/Berlin\n", NULL},
                {"digest = daily 09:00\nevents = off\n", NULL},
                {"digest = off\n", NULL},
                {"format = slack\ndigest = daily 08:30 UTC\n", NULL},
                {"format = teams\ndigest = daily 08:30\nevents = off\n", NULL},
                {"digest = hourly\n", "t.ini:3: [webhook.x] digest: expected \"daily HH:MM"},
                {"digest = daily 25:00\n", "t.ini:3: [webhook.x] digest: expected a time of day"},
                {"digest = daily 09:00 Mars/Olympus\n",
                 "t.ini:3: [webhook.x] digest: time zone Mars/Olympus: unknown"},
                {"digest = daily 09:00 ../etc/passwd\n",
                 "t.ini:3: [webhook.x] digest: expected a time zone name"},
                {"events = off\n", "t.ini:3: [webhook.x] events: off needs a digest"},
                {"events = maybe\n", "t.ini:3: [webhook.x] events: expected true or false"},
                {"format = alertmanager\ndigest = daily 09:00\n",
                 "t.ini:4: [webhook.x] digest: not for format = alertmanager: Alertmanager"},
                {"format = pagerduty\nrouting_key = k\ndigest = daily 09:00\n",
                 "t.ini:5: [webhook.x] digest: not for format = pagerduty: PagerDuty opens"},
        };
        struct tw_buf text, err;

        (void)unused;
        tw_buf_init(&text, 0);
        tw_buf_init(&err, 0);
        for (size_t i = 0; i < ARRAY_SIZE(tab); i++) {
                struct tw_config *cfg;

                tw_buf_reset(&text);
                tw_buf_printf(&text, "[webhook.x]\nurl = http://127.0.0.1:9/\n%s", tab[i].keys);
                cfg = load(text.ptr, &err);
                if (!tab[i].error) {
                        if (!cfg)
                                fail_msg("%zu: %s", i, err.ptr);
                        tw_config_free(cfg);
                        continue;
                }
                assert_null(cfg);
                if (!err.ptr || strncmp(err.ptr, tab[i].error, strlen(tab[i].error)) != 0)
                        fail_msg("%zu: want \"%s\", got \"%s\"", i, tab[i].error, err.ptr);
        }
        tw_buf_done(&text);
        tw_buf_done(&err);
}

/* One webhook with the given digest line, and its digests. */
struct one_sink {
        struct tw_config *cfg;
        struct tw_notify_digests *d;
        const struct tw_sink_format *f;
        struct tw_notify_filter flt;
};

static void one_sink(struct one_sink *s, const char *format, const char *digest)
{
        struct tw_buf text, err;

        tw_buf_init(&text, 0);
        tw_buf_init(&err, 0);
        tw_buf_printf(&text, "[webhook.x]\nurl = http://127.0.0.1:9/\nformat = %s\ndigest = %s\n",
                      format, digest);
        s->cfg = load(text.ptr, &err);
        if (!s->cfg)
                fail_msg("%s", err.ptr);
        assert_int_equal(tw_notify_digests_new(s->cfg, &s->d, &err), 0);
        s->f = tw_sink_format_find(format);
        memset(&s->flt, 0, sizeof(s->flt));
        s->flt.name = "x";
        s->flt.min_severity = WARN;
        tw_buf_done(&text);
        tw_buf_done(&err);
}

static void one_sink_done(struct one_sink *s)
{
        tw_notify_digests_free(s->d);
        tw_config_free(s->cfg);
}

/* A step at now with last recorded; returns 1/0 and the period to record. */
static int step(struct one_sink *s, int64_t last, int64_t now, int64_t *ret_period)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_evaluation *ev;
        struct tw_snapshot snap = {.cfg = s->cfg};
        struct tw_sink_ctx ctx = {.organization_id = "org-1", .now = now};
        struct tw_notify_digest_out out;
        int r;

        assert_non_null(inv);
        ev = nf_evaluation(inv, NULL, now);
        snap.inv = inv;
        snap.ev = ev;
        ctx.inv = inv;
        r = tw_notify_digest_step(s->d, 0, "x", s->f, &s->flt, last, &snap, &ctx, false, 0, &out);
        assert_true(r >= 0);
        assert_true((r == 1) == (out.body != NULL));
        cJSON_Delete(out.body);
        *ret_period = out.period;
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        return r;
}

static void test_due_table(void **unused)
{
        static const struct {
                const char *schedule;
                const char *last; /* NULL: none recorded */
                const char *now;
                int due;
                const char *period; /* recorded after the step */
        } tab[] = {
                /* no record: a baseline, no digest at start-up */
                {"daily 09:00", NULL, "2026-06-01T10:00:00Z", 0, "2026-06-01T09:00:00Z"},
                {"daily 09:00", NULL, "2026-06-01T08:00:00Z", 0, "2026-05-31T09:00:00Z"},
                /* the firing crossed: due, for that period */
                {"daily 09:00", "2026-05-31T09:00:00Z", "2026-06-01T09:00:00Z", 1,
                 "2026-06-01T09:00:00Z"},
                {"daily 09:00", "2026-05-31T09:00:00Z", "2026-06-01T08:59:59Z", 0,
                 "2026-05-31T09:00:00Z"},
                /* already sent for this period: not again */
                {"daily 09:00", "2026-06-01T09:00:00Z", "2026-06-01T23:00:00Z", 0,
                 "2026-06-01T09:00:00Z"},
                /* days of downtime: one digest, for the latest period */
                {"daily 09:00", "2026-05-25T09:00:00Z", "2026-06-01T12:00:00Z", 1,
                 "2026-06-01T09:00:00Z"},
                /* Berlin: 09:00 is 07:00Z in summer, 08:00Z in winter */
                {"daily 09:00 Europe/Berlin", "2026-05-31T07:00:00Z", "2026-06-01T06:59:00Z", 0,
                 "2026-05-31T07:00:00Z"},
                {"daily 09:00 Europe/Berlin", "2026-05-31T07:00:00Z", "2026-06-01T07:00:00Z", 1,
                 "2026-06-01T07:00:00Z"},
                {"daily 09:00 Europe/Berlin", "2026-11-30T08:00:00Z", "2026-12-01T07:30:00Z", 0,
                 "2026-11-30T08:00:00Z"},
                /* weekly: 2026-06-01 is a Monday */
                {"weekly mon 09:00", "2026-05-25T09:00:00Z", "2026-05-31T23:00:00Z", 0,
                 "2026-05-25T09:00:00Z"},
                {"weekly mon 09:00", "2026-05-25T09:00:00Z", "2026-06-01T09:05:00Z", 1,
                 "2026-06-01T09:00:00Z"},
        };

        (void)unused;
        for (size_t i = 0; i < ARRAY_SIZE(tab); i++) {
                struct one_sink s;
                int64_t period;
                int r;

                one_sink(&s, "generic", tab[i].schedule);
                r = step(&s, tab[i].last ? at(tab[i].last) : TW_NO_TIME, at(tab[i].now), &period);
                if (r != tab[i].due || period != at(tab[i].period))
                        fail_msg("%zu: due %d (want %d), period %lld (want %s)", i, r, tab[i].due,
                                 (long long)period, tab[i].period);
                one_sink_done(&s);
        }
}

/* Cycles every 10 minutes across a DST change, recording as the notifier
 * does: exactly one digest per local day, at 09:00 local. */
static void test_dst_sequence(void **unused)
{
        static const struct {
                const char *from, *to;
                const char *sent[4];
        } tab[] = {
                {"2026-03-27T12:00:00Z",
                 "2026-03-30T12:00:00Z",
                 {"2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"}},
                {"2026-10-23T12:00:00Z",
                 "2026-10-26T12:00:00Z",
                 {"2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"}},
        };

        (void)unused;
        for (size_t i = 0; i < ARRAY_SIZE(tab); i++) {
                struct one_sink s;
                int64_t last = TW_NO_TIME, sent[8], period;
                size_t n = 0;

                one_sink(&s, "slack", "daily 09:00 Europe/Berlin");
                for (int64_t now = at(tab[i].from); now <= at(tab[i].to); now += 600) {
                        if (step(&s, last, now, &period) == 1) {
                                assert_true(n < 8);
                                sent[n++] = now;
                                assert_int_equal(period, now); /* the cycle at the firing */
                        }
                        last = period;
                }
                assert_int_equal(n, 3);
                for (size_t k = 0; k < n; k++)
                        assert_int_equal(sent[k], at(tab[i].sent[k]));
                one_sink_done(&s);
        }
}

/* A sink without a digest forgets any record; a sink without a builder too. */
static void test_no_digest(void **unused)
{
        struct tw_notify_digests *d;
        struct tw_config *cfg;
        struct tw_buf err;
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_evaluation *ev = nf_evaluation(inv, NULL, NOW);
        struct tw_snapshot snap = {.inv = inv, .ev = ev};
        struct tw_sink_ctx ctx = {.now = NOW};
        struct tw_notify_filter flt = {.name = "x"};
        struct tw_notify_digest_out out;

        (void)unused;
        tw_buf_init(&err, 0);
        cfg = load("[webhook.x]\nurl = http://127.0.0.1:9/\n", &err);
        assert_non_null(cfg);
        assert_int_equal(tw_notify_digests_new(cfg, &d, &err), 0);
        assert_true(tw_notify_digests_events(d, 0));
        assert_int_equal(tw_notify_digest_step(d, 0, "x", tw_sink_format_find(NULL), &flt, NOW,
                                               &snap, &ctx, false, 0, &out),
                         0);
        assert_true(out.period == TW_NO_TIME);
        assert_null(out.body);
        tw_notify_digests_free(d);
        tw_config_free(cfg);
        cfg = load("[webhook.x]\nurl = http://127.0.0.1:9/\ndigest = daily 09:00\nevents = off\n",
                   &err);
        assert_non_null(cfg);
        assert_int_equal(tw_notify_digests_new(cfg, &d, &err), 0);
        assert_false(tw_notify_digests_events(d, 0));
        tw_notify_digests_free(d);
        tw_config_free(cfg);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_buf_done(&err);
}

static void describe(struct tw_inventory *inv, const char *id, const char *description)
{
        struct tw_token *t = (struct tw_token *)tw_inventory_token(inv, id);

        assert_non_null(t);
        t->description = (char *)description; /* strings live in the inventory's arena: not freed */
}

/* Tokens owned by two teams and nobody, in two workspaces. */
static struct tw_inventory *team_inventory(void)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");

        assert_non_null(inv);
        nf_add_workspace(inv, "ws-1", "Data <Eng>"); /* not a usable team name */
        nf_add_workspace(inv, "ws-2", "ml");
        nf_add_token(inv, "tok-a", "deployer", "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR",
                     NOW + 3 * DAY);
        describe(inv, "tok-a", "team=data-eng");
        nf_add_token(inv, "tok-b", "airflow", "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR", NOW - DAY);
        describe(inv, "tok-b", "team: data-eng; contact=x@example.com");
        nf_add_token(inv, "tok-c", "trainer", "WORKSPACE", "ws-2", "WORKSPACE_AUTHOR",
                     NOW + 20 * DAY);
        nf_add_token(inv, "tok-d", "admin", "ORGANIZATION", "org-1", "ORGANIZATION_OWNER",
                     TW_NO_TIME);
        nf_add_token(inv, "tok-e", "muted", "WORKSPACE", "ws-2", "WORKSPACE_AUTHOR", NOW + 2 * DAY);
        return inv;
}

static const struct nf_finding team_findings[] = {
        {"tok-a", TW_FINDING_EXPIRING, CRIT, false},
        {"tok-b", TW_FINDING_EXPIRED, CRIT, false},
        {"tok-b", TW_FINDING_UNUSED, WARN, false},
        {"tok-c", TW_FINDING_EXPIRING, WARN, false},
        {"tok-d", TW_FINDING_NO_EXPIRY, WARN, false},
        {"tok-d", TW_FINDING_OVER_PRIVILEGED, CRIT, false},
        {"tok-e", TW_FINDING_EXPIRING, CRIT, true}, /* suppressed: not listed */
        {NULL},
};

static void test_grouping(void **unused)
{
        struct tw_inventory *inv = team_inventory();
        struct tw_evaluation *ev = nf_evaluation(inv, team_findings, NOW);
        struct tw_notify_filter flt = {.name = "x", .min_severity = WARN};
        static const struct {
                enum tw_severity sev;
                const char *team;
                size_t n;
                const char *tokens; /* in order */
        } want[] = {
                {CRIT, "data-eng", 2, "airflow deployer"},
                {CRIT, "", 1, "admin"},
                {WARN, "data-eng", 1, "airflow"},
                {WARN, "ml", 1, "trainer"},
                {WARN, "", 1, "admin"},
        };
        struct tw_digest d;
        char names[128];

        (void)unused;
        assert_int_equal(tw_digest_build(inv, ev, &flt, NULL, NOW, &d), 0);
        assert_int_equal(d.n_entries, 6);
        assert_int_equal(d.n_critical, 3);
        assert_int_equal(d.n_warning, 3);
        assert_int_equal(d.n_groups, ARRAY_SIZE(want));
        for (size_t g = 0; g < ARRAY_SIZE(want); g++) {
                assert_int_equal(d.groups[g].severity, want[g].sev);
                assert_string_equal(d.groups[g].team, want[g].team);
                assert_int_equal(d.groups[g].n, want[g].n);
                names[0] = '\0';
                for (size_t i = d.groups[g].first; i < d.groups[g].first + d.groups[g].n; i++)
                        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                                 names[0] ? " " : "", d.entries[i].token->name);
                assert_string_equal(names, want[g].tokens);
        }
        tw_digest_done(&d);

        /* the sink's filters route as for events: critical only, workspace ml */
        flt.min_severity = CRIT;
        assert_int_equal(tw_digest_build(inv, ev, &flt, NULL, NOW, &d), 0);
        assert_int_equal(d.n_entries, 3);
        tw_digest_done(&d);
        {
                char *ws[] = {"ml"};

                flt.min_severity = WARN;
                flt.workspaces = ws;
                flt.n_workspaces = 1;
                assert_int_equal(tw_digest_build(inv, ev, &flt, NULL, NOW, &d), 0);
                assert_int_equal(d.n_entries, 1);
                assert_string_equal(d.entries[0].token->id, "tok-c");
                tw_digest_done(&d);
                flt.workspaces = NULL;
                flt.n_workspaces = 0;
        }
        flt.kinds = 1u << TW_FINDING_UNUSED;
        assert_int_equal(tw_digest_build(inv, ev, &flt, NULL, NOW, &d), 0);
        assert_int_equal(d.n_entries, 1);
        assert_int_equal(d.entries[0].finding->kind, TW_FINDING_UNUSED);
        tw_digest_done(&d);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

static void test_key(void **unused)
{
        char a[33], b[33], c[33], a2[33];

        (void)unused;
        tw_digest_key("x", NOW, a);
        tw_digest_key("x", NOW, a2);
        tw_digest_key("y", NOW, b);
        tw_digest_key("x", NOW + DAY, c);
        assert_int_equal(strlen(a), 32);
        assert_string_equal(a, a2);
        assert_string_not_equal(a, b);
        assert_string_not_equal(a, c);
}

/* The three formats' bodies for one digest, as one JSON array. */
static void golden(const char *file, const struct tw_inventory *inv, const struct tw_digest *d)
{
        static const char *const formats[] = {"generic", "slack", "teams"};
        struct tw_sink_ctx c = nf_sink_ctx;
        cJSON *arr = cJSON_CreateArray(), *p, *back;
        char *text;

        c.inv = inv;
        for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
                tw_sink_digest_fn fn = tw_sink_format_find(formats[i])->digest;

                assert_non_null(fn);
                assert_int_equal(fn(&c, d, "0123456789abcdef0123456789abcdef", &p), 0);
                cJSON_AddItemToArray(arr, p);
        }
        text = cJSON_Print(arr);
        assert_non_null(text);
        back = cJSON_Parse(text);
        assert_non_null(back);
        cJSON_Delete(back);
        tw_golden_check(file, text, strlen(text));
        free(text);
        cJSON_Delete(arr);
}

static void test_golden(void **unused)
{
        struct tw_inventory *inv = team_inventory();
        struct tw_evaluation *ev = nf_evaluation(inv, team_findings, NOW);
        struct tw_notify_filter flt = {.name = "x", .min_severity = WARN};
        struct tw_digest d;

        (void)unused;
        nf_add_token(inv, "tok-h", NF_HOSTILE, "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR",
                     NOW + 3 * DAY);
        tw_evaluation_free(ev);
        {
                struct nf_finding fs[ARRAY_SIZE(team_findings) + 1];

                memcpy(fs, team_findings, sizeof(team_findings));
                fs[ARRAY_SIZE(team_findings) - 1] =
                        (struct nf_finding){"tok-h", TW_FINDING_EXPIRING, CRIT, false};
                fs[ARRAY_SIZE(team_findings)] = (struct nf_finding){NULL};
                ev = nf_evaluation(inv, fs, NOW);
        }
        assert_int_equal(tw_digest_build(inv, ev, &flt, NULL, NOW - 3 * HOUR, &d), 0);
        golden("digest.json", inv, &d);
        tw_digest_done(&d);

        /* empty and stale: still sent, saying so */
        flt.min_severity = CRIT;
        flt.kinds = 1u << TW_FINDING_ORPHANED;
        assert_int_equal(tw_digest_build(inv, ev, &flt, NULL, NOW - 3 * HOUR, &d), 0);
        assert_int_equal(d.n_entries, 0);
        d.stale = true;
        d.data_from = NOW - 2 * HOUR;
        golden("digest-empty-stale.json", inv, &d);
        tw_digest_done(&d);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

/* A hostile token name stays text: no Slack link or mention, no Teams
 * Markdown link, no line break starting a list item of its own. */
static void test_hostile(void **unused)
{
        struct tw_inventory *inv = nf_hostile_inventory();
        static const struct nf_finding fs[] = {{"tok-a", TW_FINDING_EXPIRING, CRIT, false}, {NULL}};
        struct tw_evaluation *ev = nf_evaluation(inv, fs, NOW);
        struct tw_notify_filter flt = {.name = "x", .min_severity = WARN};
        struct tw_sink_ctx c = nf_sink_ctx;
        struct tw_digest d;
        cJSON *j;
        char *text;

        (void)unused;
        c.inv = inv;
        assert_int_equal(tw_digest_build(inv, ev, &flt, NULL, NOW, &d), 0);
        assert_int_equal(tw_sink_slack_digest(&c, &d, "k", &j), 0);
        text = cJSON_PrintUnformatted(j);
        assert_null(strstr(text, "<ci>"));
        assert_null(strstr(text, "<https://evil.example|click>"));
        assert_non_null(strstr(text, "&lt;https://evil.example|click&gt;"));
        assert_null(strstr(text, "`x`\\n")); /* the name's line break became a space */
        free(text);
        cJSON_Delete(j);
        assert_int_equal(tw_sink_teams_digest(&c, &d, "k", &j), 0);
        text = cJSON_PrintUnformatted(j);
        assert_null(strstr(text, "[Rotate now](https"));
        assert_non_null(strstr(text, "\\\\[Rotate now\\\\](https"));
        assert_null(strstr(text, "`x`\\n"));
        free(text);
        cJSON_Delete(j);
        tw_digest_done(&d);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

/* Many findings: chat bodies stay within their limits and say how many more. */
static void test_chat_limits(void **unused)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct nf_finding *fs = calloc(301, sizeof(*fs));
        char ids[300][16];
        struct tw_evaluation *ev;
        struct tw_notify_filter flt = {.name = "x", .min_severity = WARN};
        struct tw_sink_ctx c = nf_sink_ctx;
        struct tw_digest d;
        cJSON *j;
        char *text;

        (void)unused;
        assert_non_null(fs);
        for (int i = 0; i < 300; i++) {
                snprintf(ids[i], sizeof(ids[i]), "tok-%03d", i);
                nf_add_token(inv, ids[i], ids[i], NULL, NULL, NULL, NOW + DAY);
                fs[i] = (struct nf_finding){ids[i], TW_FINDING_EXPIRING, CRIT, false};
        }
        ev = nf_evaluation(inv, fs, NOW);
        c.inv = inv;
        assert_int_equal(tw_digest_build(inv, ev, &flt, NULL, NOW, &d), 0);
        assert_int_equal(d.n_entries, 300);
        assert_int_equal(tw_sink_slack_digest(&c, &d, "k", &j), 0);
        text = cJSON_PrintUnformatted(j);
        assert_non_null(strstr(text, "...and "));
        for (cJSON *b = cJSON_GetObjectItem(j, "blocks")->child; b; b = b->next) {
                cJSON *t = cJSON_GetObjectItem(b, "text");

                if (t)
                        assert_true(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(t, "text"))) <=
                                    3000);
        }
        free(text);
        cJSON_Delete(j);
        assert_int_equal(tw_sink_teams_digest(&c, &d, "k", &j), 0);
        text = cJSON_PrintUnformatted(j);
        assert_non_null(strstr(text, "...and 200 more"));
        assert_true(strlen(text) < 28 * 1024);
        free(text);
        cJSON_Delete(j);
        assert_int_equal(tw_sink_generic_digest(&c, &d, "k", &j), 0); /* every finding */
        assert_int_equal(
                cJSON_GetArraySize(cJSON_GetObjectItem(
                        cJSON_GetArrayItem(cJSON_GetObjectItem(j, "groups"), 0), "findings")),
                300);
        cJSON_Delete(j);
        tw_digest_done(&d);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        free(fs);
}

static void test_store_digests(void **unused)
{
        static const char *const bad[] = {
                "{\"a\":\"x\"}",
                "{\"a\":1e300}",
                "[]",
                "{\"a\":null}",
        };
        cJSON *j, *out;

        (void)unused;
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                j = cJSON_Parse(bad[i]);
                assert_non_null(j);
                assert_int_equal(tw_notify_store_parse_digests(j, &out), -EBADMSG);
                cJSON_Delete(j);
        }
        j = cJSON_Parse("{\"a\":1780300800,\"b\":-5}");
        assert_int_equal(tw_notify_store_parse_digests(j, &out), 0);
        assert_int_equal(cJSON_GetArraySize(out), 2);
        cJSON_Delete(out);
        cJSON_Delete(j);
        assert_int_equal(tw_notify_store_parse_digests(NULL, &out), 0); /* old files */
        assert_int_equal(cJSON_GetArraySize(out), 0);
        cJSON_Delete(out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_config),        cmocka_unit_test(test_due_table),
                cmocka_unit_test(test_dst_sequence),  cmocka_unit_test(test_no_digest),
                cmocka_unit_test(test_grouping),      cmocka_unit_test(test_key),
                cmocka_unit_test(test_golden),        cmocka_unit_test(test_chat_limits),
                cmocka_unit_test(test_store_digests), cmocka_unit_test(test_hostile),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
