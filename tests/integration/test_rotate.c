/*
 * The renewal executor (agent/rotate) against tw-astrosim and the store
 * fakes: a token three days from expiry renewed into GitHub, GitLab, Vault,
 * Kubernetes and a file; the old token retired; strategy rotate; a create
 * whose answer is lost; a copy written by hand mid-renewal (conflict:
 * nothing overwritten) and adopt; a copy holding another token refused; a
 * dry run that writes nothing; a corrupt journal.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "agent/rotate/rotate.h"
#include "core/rotation/renewal.h"
#include "helpers/helpers.h"
#include "helpers/rotate_world.h"
#include "helpers/store_fixture.h"
#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"

static int setup(void **state)
{
        struct tw_rw *w = calloc(1, sizeof(*w));

        tw_rw_start(w, "retire_after = 0\n", NULL);
        *state = w;
        return 0;
}

static int teardown(void **state)
{
        tw_rw_stop(*state);
        free(*state);
        return 0;
}

static void run(struct tw_rw *w, bool manual, const enum tw_rotation_strategy *s,
                struct tw_rotate_outcome *out)
{
        const struct tw_rotate_options o = {.cfg = w->cfg,
                                            .manual = manual,
                                            .start = true,
                                            .strategy = s,
                                            .backoff_base_ms = 5,
                                            .backoff_max_ms = 20};

        assert_int_equal(tw_rotate_token(&o, 0, TW_RW_TOKEN, out), 0);
}

static void assert_copies_hold(struct tw_rw *w, const char *value)
{
        for (int k = 0; k < 5; k++) {
                char *v = tw_rw_copy_value(w, k);

                if (!v || strcmp(v, value) != 0)
                        fail_msg("copy %d does not hold the new value", k);
                tw_secret_free(v);
        }
}

static bool journal_exists(struct tw_rw *w)
{
        char path[1024];
        struct stat st;

        snprintf(path, sizeof(path), "%s/" TW_RENEWAL_FILE_PREFIX TW_RW_TOKEN ".json",
                 w->state_dir);
        return stat(path, &st) == 0;
}

/* Replace: a twin, every copy holds its value, the old token deleted
 * (retire_after 0, no audit logs), the journal gone. */
static void test_replace_everywhere(void **state)
{
        struct tw_rw *w = *state;
        struct tw_rotate_outcome out;
        char ids[8][64], *value;

        run(w, false, NULL, &out);
        if (out.result != TW_ROTATE_FINISHED)
                fail_msg("result %d: %s", out.result, out.reason);
        assert_true(out.renewed);
        assert_true(out.started);
        assert_int_equal(out.n_copies, 5);
        assert_string_not_equal(out.new_id, TW_RW_TOKEN);
        assert_int_equal(tw_rw_live_named(w, TW_RW_NAME, ids), 1);
        assert_string_equal(ids[0], out.new_id);
        value = tw_rw_value_of(w, out.new_id);
        assert_copies_hold(w, value);
        tw_secret_free(value);
        assert_true(out.new_end_at > tw_now() + 89 * 86400);
        assert_false(journal_exists(w));
}

/* retire_after keeps the old token: the renewal waits, then finishes. */
static void test_retire_after_waits(void **state)
{
        struct tw_rw *w = *state;
        struct tw_rotate_outcome out;

        tw_rw_reload(w, "retire_after = 1h\n", NULL);
        run(w, false, NULL, &out);
        assert_int_equal(out.result, TW_ROTATE_WAITING);
        assert_true(out.renewed);
        assert_int_equal(out.step, TW_RENEWAL_VERIFIED);
        assert_true(out.next_at >= tw_now() + 3500);
        assert_int_equal(tw_rw_live_named(w, TW_RW_NAME, NULL), 2);
        assert_true(journal_exists(w));
        /* the journal no longer holds the value */
        {
                char name[128], *text = NULL;
                size_t len;
                char *v = tw_rw_value_of(w, out.new_id);

                snprintf(name, sizeof(name), TW_RENEWAL_FILE_PREFIX TW_RW_TOKEN ".json");
                assert_int_equal(tw_statefile_read(w->state_dir, name, 1 << 20, &text, &len), 0);
                assert_null(strstr(text, v));
                free(text);
                tw_secret_free(v);
        }
        /* a second call has nothing to do yet */
        run(w, false, NULL, &out);
        assert_int_equal(out.result, TW_ROTATE_WAITING);
        assert_false(out.renewed);
        /* with retire_after 0 in the journal's place the old token goes */
        tw_rw_reload(w, "retire_after = 0\n", NULL);
        run(w, false, NULL, &out);
        assert_int_equal(out.result, TW_ROTATE_WAITING); /* the journal keeps its own 1h */
}

/* Moves the journal's times by `by` seconds, as if that much time passed. */
static void journal_shift(struct tw_rw *w, int64_t by)
{
        char name[128], *text = NULL;
        struct tw_renewal r;
        struct tw_buf b;
        size_t len;

        snprintf(name, sizeof(name), TW_RENEWAL_FILE_PREFIX TW_RW_TOKEN ".json");
        assert_int_equal(tw_statefile_read(w->state_dir, name, 1 << 20, &text, &len), 0);
        assert_int_equal(tw_renewal_from_json(text, len, &r), 0);
        r.delivered_at += by;
        r.verified_at += by;
        r.next_attempt += by;
        tw_buf_init(&b, 1 << 20);
        assert_int_equal(tw_renewal_to_json(&r, &b), 0);
        assert_int_equal(tw_statefile_write(w->state_dir, name, b.ptr, b.len), 0);
        tw_buf_done(&b);
        tw_renewal_done(&r);
        free(text);
}

/* The audit logs show the old token used after every copy holds the new
 * value: its deletion is held (a warning naming the sources), and goes
 * ahead once the logs show it quiet. */
static void test_retire_held_while_used(void **state)
{
        struct tw_rw *w = *state;
        struct tw_rotate_usage busy = {.known = true, .last_used_at = tw_now() + 30};
        struct tw_rotate_usage quiet = {.known = true, .last_used_at = tw_now() - 3 * 3600};
        struct tw_rotate_options o = {.cfg = w->cfg,
                                      .start = true,
                                      .usage = &busy,
                                      .backoff_base_ms = 5,
                                      .backoff_max_ms = 20};
        struct tw_rotate_outcome out;

        snprintf(busy.sources, sizeof(busy.sources), "198.51.100.7, GitHub-Actions");
        assert_int_equal(tw_rotate_token(&o, 0, TW_RW_TOKEN, &out), 0);
        if (out.result != TW_ROTATE_HELD)
                fail_msg("result %d: %s", out.result, out.reason);
        assert_true(out.renewed);
        assert_non_null(strstr(out.reason, "198.51.100.7, GitHub-Actions"));
        assert_true(out.next_at >= busy.last_used_at + 60);
        assert_int_equal(tw_rw_live_named(w, TW_RW_NAME, NULL), 2); /* the old one kept */
        assert_true(journal_exists(w));

        /* at the next look it is still used: held again, but said once */
        journal_shift(w, -7200);
        assert_int_equal(tw_rotate_token(&o, 0, TW_RW_TOKEN, &out), 0);
        if (out.result != TW_ROTATE_WAITING)
                fail_msg("result %d, want WAITING (the hold said again?): %s", out.result,
                         out.reason);
        assert_true(out.next_at >= busy.last_used_at + 60);
        assert_int_equal(tw_rw_live_named(w, TW_RW_NAME, NULL), 2);

        /* before the next look, nothing changes, even by hand */
        o.manual = true;
        o.usage = &quiet;
        assert_int_equal(tw_rotate_token(&o, 0, TW_RW_TOKEN, &out), 0);
        assert_int_equal(out.result, TW_ROTATE_WAITING);
        assert_int_equal(tw_rw_live_named(w, TW_RW_NAME, NULL), 2);
        /* two hours on, the logs show it quiet: it goes */
        journal_shift(w, -7200);
        assert_int_equal(tw_rotate_token(&o, 0, TW_RW_TOKEN, &out), 0);
        if (out.result != TW_ROTATE_FINISHED)
                fail_msg("result %d: %s", out.result, out.reason);
        assert_int_equal(tw_rw_live_named(w, TW_RW_NAME, NULL), 1);
        assert_false(journal_exists(w));
}

static void test_rotate_in_place(void **state)
{
        struct tw_rw *w = *state;
        const enum tw_rotation_strategy rot = TW_ROTATION_ROTATE;
        struct tw_rotate_outcome out;
        struct tw_sim_writes wr;
        char *value;

        run(w, true, &rot, &out);
        if (out.result != TW_ROTATE_FINISHED)
                fail_msg("result %d: %s", out.result, out.reason);
        assert_string_equal(out.new_id, TW_RW_TOKEN);
        tw_sim_get_writes(w->sim, &wr);
        assert_int_equal(wr.rotated, 1);
        assert_int_equal(wr.created, 0);
        assert_int_equal(wr.deleted, 0);
        value = tw_rw_value_of(w, TW_RW_TOKEN);
        assert_string_not_equal(value, w->value);
        assert_copies_hold(w, value);
        tw_secret_free(value);
}

/* The create commits but its answer is lost: the twin is found, deleted
 * and made again - one twin, never two. */
static void test_lost_create_answer(void **state)
{
        struct tw_rw *w = *state;
        const struct tw_sim_fault drop = {
                .type = TW_SIM_FAULT_DROP_AFTER, .match = "/tokens", .method = "POST", .count = 1};
        struct tw_rotate_outcome out;
        struct tw_sim_writes wr;

        assert_int_equal(tw_sim_add_fault(w->sim, &drop), 0);
        run(w, false, NULL, &out);
        if (out.result != TW_ROTATE_FINISHED)
                fail_msg("result %d: %s", out.result, out.reason);
        tw_sim_get_writes(w->sim, &wr);
        assert_int_equal(wr.created, 2);
        if (wr.deleted != 2)
                fail_msg("created %lu deleted %lu live %zu", (unsigned long)wr.created,
                         (unsigned long)wr.deleted, tw_rw_live_named(w, TW_RW_NAME, NULL));
        assert_int_equal(tw_rw_live_named(w, TW_RW_NAME, NULL), 1);
}

/* A store fails the first delivery; someone writes that copy by hand; the
 * next attempt stops on the conflict and overwrites nothing. */
static void test_conflict_not_overwritten(void **state)
{
        struct tw_rw *w = *state;
        const struct tw_sim_fault e503 = {.type = TW_SIM_FAULT_STATUS,
                                          .status = 503,
                                          .retry_after = -1,
                                          .method = "POST",
                                          .count = 10};
        char *theirs = tw_test_jwt("clsomeoneelse000000000001", tw_now()), *v;
        struct tw_rotate_outcome out;

        assert_int_equal(tw_storesim_add_fault(w->stores[TW_STORESIM_VAULT], &e503), 0);
        run(w, false, NULL, &out);
        assert_int_equal(out.result, TW_ROTATE_FAILED);
        assert_int_equal(out.step, TW_RENEWAL_ISSUED);
        assert_true(out.next_at > tw_now() + 3000); /* backed off an hour */
        tw_storesim_clear_faults(w->stores[TW_STORESIM_VAULT]);
        assert_int_equal(tw_storesim_put(w->stores[TW_STORESIM_VAULT], tw_rw_at[TW_STORESIM_VAULT],
                                         theirs, NULL),
                         0);
        run(w, false, NULL, &out); /* still backing off */
        assert_int_equal(out.result, TW_ROTATE_WAITING);
        run(w, true, NULL, &out); /* a person asks again */
        assert_int_equal(out.result, TW_ROTATE_FAILED);
        assert_true(out.conflict);
        assert_int_equal(out.error, -EBUSY);
        assert_non_null(strstr(out.reason, "[deliver.vault]"));
        v = tw_rw_copy_value(w, TW_STORESIM_VAULT);
        assert_string_equal(v, theirs);
        tw_secret_free(v);
        /* adopt = true takes the copy over */
        tw_rw_reload(w, "retire_after = 0\n", "");
        {
                char *cfg = tw_test_read_file(w->config_path, NULL);
                char *p = strstr(cfg, "[deliver.vault]\n");
                struct tw_buf b;

                tw_buf_init(&b, 1 << 20);
                tw_buf_printf(&b, "%.*sadopt = true\n%s", (int)(p - cfg + 16), cfg, p + 16);
                assert_int_equal(tw_atomic_write_file(w->config_path, b.ptr, b.len), 0);
                tw_config_free(w->cfg);
                assert_int_equal(tw_config_load_file(w->config_path, &w->cfg, NULL), 0);
                tw_buf_done(&b);
                free(cfg);
        }
        run(w, true, NULL, &out);
        if (out.result != TW_ROTATE_FINISHED)
                fail_msg("result %d: %s", out.result, out.reason);
        tw_secret_free(theirs);
}

/* A copy that holds another token's value is refused before anything is
 * issued. */
static void test_refuses_another_tokens_copy(void **state)
{
        struct tw_rw *w = *state;
        char *theirs = tw_test_jwt("clsomeoneelse000000000001", tw_now());
        struct tw_rotate_outcome out;
        struct tw_sim_writes wr;

        assert_int_equal(tw_atomic_write_file(w->file_copy, theirs, strlen(theirs)), 0);
        run(w, false, NULL, &out);
        assert_int_equal(out.result, TW_ROTATE_FAILED);
        assert_int_equal(out.error, -EPERM);
        assert_non_null(strstr(out.reason, "[deliver.file] may not be overwritten"));
        assert_non_null(strstr(out.reason, "adopt = true"));
        tw_sim_get_writes(w->sim, &wr);
        assert_int_equal(wr.created, 0);
        assert_int_equal(tw_rw_store_writes(w), 0);
        assert_true(out.next_at > tw_now()); /* the daemon tries again later */
        tw_secret_free(theirs);
}

/* The dry run reads and says, and writes nothing anywhere. */
static void test_dry_run_writes_nothing(void **state)
{
        struct tw_rw *w = *state;
        const struct tw_rotate_options o = {.cfg = w->cfg};
        struct tw_sim_writes wr;
        struct tw_buf out;
        struct stat st;

        tw_buf_init(&out, 1 << 20);
        assert_int_equal(tw_rotate_plan(&o, 0, TW_RW_TOKEN, &out), 0);
        assert_non_null(strstr(out.ptr, "dry run"));
        assert_non_null(strstr(out.ptr, "name          " TW_RW_NAME));
        assert_non_null(strstr(out.ptr, "ORGANIZATION_OWNER"));
        assert_non_null(strstr(out.ptr, "POST "));
        assert_non_null(strstr(out.ptr, "[deliver.vault] vault"));
        assert_non_null(strstr(out.ptr, "[deliver.github] github"));
        assert_non_null(strstr(out.ptr, "may be written"));
        assert_null(strstr(out.ptr, w->value));
        tw_sim_get_writes(w->sim, &wr);
        assert_int_equal(wr.created + wr.rotated + wr.deleted + wr.roles_set + wr.updated, 0);
        assert_int_equal(tw_rw_store_writes(w), 0);
        assert_int_not_equal(stat(w->state_dir, &st), 0); /* not even created */
        tw_buf_done(&out);
}

/* A corrupt journal is moved aside and named; nothing is done with it. */
static void test_corrupt_journal(void **state)
{
        struct tw_rw *w = *state;
        struct tw_rotate_journal *js = NULL;
        struct tw_rotate_outcome out;
        struct tw_buf note;
        size_t n = 9;

        assert_int_equal(tw_statefile_ensure_dir(w->state_dir), 0);
        assert_int_equal(tw_statefile_write(w->state_dir,
                                            TW_RENEWAL_FILE_PREFIX TW_RW_TOKEN ".json",
                                            "{\"format\":1,", 12),
                         0);
        run(w, false, NULL, &out);
        assert_int_equal(out.result, TW_ROTATE_FAILED);
        assert_non_null(strstr(out.reason, "corrupt"));
        assert_false(journal_exists(w));
        tw_buf_init(&note, 4096);
        assert_int_equal(tw_rotate_journals(w->state_dir, tw_now(), &js, &n, &note), 0);
        assert_int_equal(n, 0);
        free(js);
        tw_buf_done(&note);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_replace_everywhere, setup, teardown),
                cmocka_unit_test_setup_teardown(test_retire_after_waits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_retire_held_while_used, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rotate_in_place, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lost_create_answer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_conflict_not_overwritten, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refuses_another_tokens_copy, setup, teardown),
                cmocka_unit_test_setup_teardown(test_dry_run_writes_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_journal, setup, teardown),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
