/* Which audit-log usage a one-shot command shows (agent/cmd/oneshot_usage_internal.h):
 * the daemon's index only when it is fresh, of this organization and API
 * and long enough for --since; else what an earlier command kept, when
 * fresh and of the same window; else the audit logs are to be read.  No
 * credential here, so nothing is ever read: an organization left to read
 * ends "not included". */
#include "agent/cmd/oneshot_usage_internal.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/snapshot.h"
#include "helpers/helpers.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define NOW ((int64_t)1796083200) /* 2026-12-01T00:00:00Z */
#define DAY ((int64_t)86400)
#define MIN ((int64_t)60)
#define ORG "cm9r8jgormxbek92l8s8wppie"
#define API "https://api.astronomer.io"
#define NULL_TIME INT64_MIN /* a null time in the file */

enum where { NOWHERE, DAEMON, KEPT };

struct state_file {
        enum where where;
        const char *org, *api;
        int64_t from, to; /* seconds before NOW, or NULL_TIME */
};

static const struct {
        const char *name;
        struct state_file files[2];
        int64_t since_s;
        const char *audit_logs; /* [audit_logs] lines */
        enum tw_usage_from want;
        size_t n_origins;
} cases[] = {
        {"no file: read", {{0}}, 0, "", TW_USAGE_FROM_NONE, 1},
        {"a fresh daemon index",
         {{DAEMON, ORG, API, 30 * DAY, MIN}},
         0,
         "",
         TW_USAGE_FROM_DAEMON,
         1},
        {"read two intervals ago: still fresh",
         {{DAEMON, ORG, API, 30 * DAY, 30 * MIN}},
         0,
         "",
         TW_USAGE_FROM_DAEMON,
         1},
        {"read longer ago: stale",
         {{DAEMON, ORG, API, 30 * DAY, 30 * MIN + 1}},
         0,
         "",
         TW_USAGE_FROM_NONE,
         1},
        {"a longer interval keeps it fresh",
         {{DAEMON, ORG, API, 30 * DAY, 2 * 3600}},
         0,
         "interval = 1h\n",
         TW_USAGE_FROM_DAEMON,
         1},
        {"no whole window read yet",
         {{DAEMON, ORG, API, NULL_TIME, NULL_TIME}},
         0,
         "",
         TW_USAGE_FROM_NONE,
         1},
        {"another organization's",
         {{DAEMON, "other", API, 30 * DAY, MIN}},
         0,
         "",
         TW_USAGE_FROM_NONE,
         1},
        {"another API's",
         {{DAEMON, ORG, "https://api.other.example", 30 * DAY, MIN}},
         0,
         "",
         TW_USAGE_FROM_NONE,
         1},
        {"--since further back than the index",
         {{DAEMON, ORG, API, 30 * DAY, MIN}},
         60 * DAY,
         "",
         TW_USAGE_FROM_NONE,
         1},
        {"--since within the index",
         {{DAEMON, ORG, API, 61 * DAY, MIN}},
         60 * DAY,
         "",
         TW_USAGE_FROM_DAEMON,
         1},
        {"--since, the index's start unknown",
         {{DAEMON, ORG, API, NULL_TIME, MIN}},
         60 * DAY,
         "",
         TW_USAGE_FROM_NONE,
         1},
        {"kept, fresh, the same window",
         {{KEPT, ORG, API, 30 * DAY + MIN, MIN}},
         0,
         "",
         TW_USAGE_FROM_KEPT,
         1},
        {"kept, another window",
         {{KEPT, ORG, API, 30 * DAY + MIN, MIN}},
         45 * DAY,
         "",
         TW_USAGE_FROM_NONE,
         1},
        {"kept, stale", {{KEPT, ORG, API, 31 * DAY, DAY}}, 0, "", TW_USAGE_FROM_NONE, 1},
        {"kept, [audit_logs] backfill is the window",
         {{KEPT, ORG, API, 7 * DAY + MIN, MIN}},
         0,
         "backfill = 7d\n",
         TW_USAGE_FROM_KEPT,
         1},
        {"the daemon's before what was kept",
         {{KEPT, ORG, API, 30 * DAY + MIN, MIN}, {DAEMON, ORG, API, 30 * DAY, 2 * MIN}},
         0,
         "",
         TW_USAGE_FROM_DAEMON,
         1},
        {"enabled = false: nothing at all",
         {{DAEMON, ORG, API, 30 * DAY, MIN}},
         0,
         "enabled = false\n",
         TW_USAGE_FROM_NONE,
         0},
};

struct fixture {
        char dir[64];
        char state_dir[128], cache[128], kept_dir[160];
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        if (!f)
                return -1;
        tw_test_tmpdir(f->dir, sizeof(f->dir), "oneshot");
        snprintf(f->state_dir, sizeof(f->state_dir), "%s/state", f->dir);
        snprintf(f->cache, sizeof(f->cache), "%s/cache", f->dir);
        snprintf(f->kept_dir, sizeof(f->kept_dir), "%s/tokenwatch", f->cache);
        setenv("XDG_CACHE_HOME", f->cache, 1);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        tw_test_rmtree(f->dir);
        free(f);
        return 0;
}

static void put_ms(FILE *fp, const char *key, int64_t ago)
{
        if (ago == NULL_TIME)
                fprintf(fp, "\"%s\":null", key);
        else
                fprintf(fp, "\"%s\":%lld", key, (long long)((NOW - ago) * 1000));
}

/* Writes a state file in the collector's format (collectors/auditlog/state.c). */
static void write_state(const char *dir, const char *name, const struct state_file *s)
{
        char path[256];
        FILE *fp;

        mkdir(dir, 0700);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fprintf(fp, "{\"v\":2,\"organization\":{\"id\":\"%s\",\"apiUrl\":\"%s\"},\"cursor\":{",
                s->org, s->api);
        put_ms(fp, "floor", s->to == NULL_TIME ? NULL_TIME : s->to + 5 * MIN);
        fputc(',', fp);
        put_ms(fp, "from", s->from);
        fputc(',', fp);
        put_ms(fp, "to", s->to);
        fprintf(fp, ",\"seen\":[]},\"usage\":{\"v\":1,\"entries\":3,\"tokensDropped\":0,"
                    "\"unlinked\":0,\"tokens\":[],\"lifecycle\":[]}}");
        assert_int_equal(fclose(fp), 0);
}

static struct tw_config *config(const struct fixture *f, const char *audit_logs)
{
        struct tw_config *cfg = NULL;
        struct tw_buf text, err;

        tw_buf_init(&text, 0);
        tw_buf_init(&err, 0);
        assert_true(tw_buf_printf(&text,
                                  "[astro]\napi_url = " API "\norganization_id = " ORG "\n"
                                  "token_file = %s/no-such-token\n"
                                  "[agent]\nstate_dir = %s\n[audit_logs]\n%s",
                                  f->dir, f->state_dir, audit_logs) >= 0);
        if (tw_config_load_string(text.ptr, "test.ini", &cfg, &err) < 0)
                fail_msg("config: %s", err.ptr);
        tw_buf_done(&text);
        tw_buf_done(&err);
        return cfg;
}

static void test_which_usage(void **state)
{
        struct fixture *f = *state;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_oneshot_usage_options o = {.since_s = cases[i].since_s};
                struct tw_config *cfg = config(f, cases[i].audit_logs);
                struct tw_oneshot_usage u;

                print_message("%s\n", cases[i].name);
                tw_test_rmtree(f->state_dir);
                tw_test_rmtree(f->cache);
                mkdir(f->state_dir, 0700);
                mkdir(f->cache, 0700);
                for (size_t j = 0; j < 2; j++) {
                        const struct state_file *s = &cases[i].files[j];

                        if (s->where == DAEMON)
                                write_state(f->state_dir, "audit-usage.json", s);
                        else if (s->where == KEPT)
                                write_state(f->kept_dir, "audit-usage." ORG ".json", s);
                }
                assert_int_equal(tw_oneshot_usage_plan(cfg, &o, NOW, &u), 0);
                assert_int_equal(tw_oneshot_usage_to_read(&u),
                                 cases[i].n_origins && cases[i].want == TW_USAGE_FROM_NONE);
                assert_int_equal(tw_oneshot_usage_read(&u, NULL, NOW), 0);
                assert_int_equal(u.n_origins, cases[i].n_origins);
                if (u.n_origins) {
                        assert_int_equal(u.origins[0].from, cases[i].want);
                        assert_string_equal(u.origins[0].organization_id, ORG);
                        /* the index is shown only when taken */
                        assert_int_equal(u.usage != NULL, cases[i].want != TW_USAGE_FROM_NONE);
                }
                if (cases[i].want == TW_USAGE_FROM_NONE && u.n_origins)
                        assert_string_equal(u.origins[0].note,
                                            "the Astro API credential cannot be used");
                tw_oneshot_usage_done(&u);
                tw_config_free(cfg);
        }
}

/* The command only reads: a file of the daemon's that does not parse is left
 * as it is, and nothing is written into state_dir. */
static void test_reads_only(void **state)
{
        static const char broken[] = "{\"v\":2,\"organization\":";
        struct fixture *f = *state;
        struct tw_oneshot_usage_options o = {0};
        struct tw_config *cfg = config(f, "");
        struct tw_oneshot_usage u;
        char path[256];
        size_t len = 0;
        char *text;

        tw_test_rmtree(f->state_dir);
        mkdir(f->state_dir, 0700);
        snprintf(path, sizeof(path), "%s/audit-usage.json", f->state_dir);
        {
                FILE *fp = fopen(path, "w");

                assert_non_null(fp);
                fputs(broken, fp);
                fclose(fp);
        }
        assert_int_equal(tw_oneshot_usage_plan(cfg, &o, NOW, &u), 0);
        assert_true(tw_oneshot_usage_to_read(&u));
        assert_int_equal(tw_oneshot_usage_read(&u, NULL, NOW), 0);
        tw_oneshot_usage_done(&u);
        text = tw_test_read_file(path, &len);
        assert_string_equal(text, broken);
        free(text);
        snprintf(path, sizeof(path), "%s/tokenwatch.lock", f->state_dir);
        assert_int_equal(access(path, F_OK), -1);
        tw_config_free(cfg);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_which_usage),
                cmocka_unit_test(test_reads_only),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
