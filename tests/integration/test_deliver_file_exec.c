/*
 * The file and exec store clients (exporters/deliver/file.c, exec.c).
 * file: mode 0600, the value and a newline, read back, an idempotent
 * rewrite, a symbolic link refused, a conflict, a copy others may read.
 * exec: the value reaches the program on standard input and nowhere in its
 * (or its parent's) arguments or environment - the program looks in
 * /proc itself - the agent's environment does not leak into it, a failing
 * program's message has the value cut out, a timeout kills its process
 * group, and an exec copy cannot be checked.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "exporters/deliver/deliver.h"
#include "helpers/helpers.h"
#include "helpers/store_fixture.h"
#include "helpers/wait.h"
#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

#define TOKEN_ID "clfile0000000000000000001"

struct world {
        char dir[256], path[512];
        struct tw_deliver_target t;
        struct tw_deliver_ctx *ctx;
        struct tw_buf err;
        char *value;
        int64_t iat;
};

static int setup(void **state)
{
        struct world *w = calloc(1, sizeof(*w));
        const struct tw_deliver_options o = {.timeout_ms = 5000};

        tw_test_tmpdir(w->dir, sizeof(w->dir), "deliver-file");
        snprintf(w->path, sizeof(w->path), "%s/astro-token", w->dir);
        tw_buf_init(&w->err, 1 << 20);
        assert_int_equal(tw_deliver_ctx_new(&o, &w->ctx), 0);
        w->t.name = strdup("copy");
        w->iat = tw_now() - 10;
        w->value = tw_test_jwt(TOKEN_ID, w->iat);
        *state = w;
        return 0;
}

static int teardown(void **state)
{
        struct world *w = *state;

        if (w->err.ptr) {
                print_message("messages: %s\n", w->err.ptr);
                assert_null(strstr(w->err.ptr, w->value));
        }
        tw_secret_free(w->value);
        tw_deliver_target_done(&w->t);
        tw_deliver_ctx_free(w->ctx);
        tw_buf_done(&w->err);
        assert_int_equal(tw_test_rmtree(w->dir), 0);
        free(w);
        return 0;
}

static void set(struct world *w, const char *key, const char *value)
{
        assert_int_equal(tw_deliver_target_set(&w->t, key, value), 0);
}

static int check(struct world *w, struct tw_deliver_state *st)
{
        return tw_deliver_ops_find(w->t.type)->check(w->ctx, &w->t, st, &w->err);
}

static int write_value(struct world *w, const char *value, const struct tw_deliver_state *expect,
                       struct tw_deliver_state *after)
{
        const struct tw_deliver_write wr = {.value = value, .token_id = TOKEN_ID, .expect = expect};

        return tw_deliver_ops_find(w->t.type)->write(w->ctx, &w->t, &wr, after, &w->err);
}

static void write_text(const char *path, const char *text, mode_t mode)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(path, mode), 0);
}

static void test_file(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        struct stat sb;
        char *text, want[4096], target[600];

        set(w, "type", "file");
        set(w, "path", w->path);
        assert_int_equal(tw_deliver_target_validate(&w->t, &w->err), 0);
        assert_int_equal(check(w, &st), 0);
        assert_false(st.exists);
        assert_int_equal(write_value(w, w->value, &st, &after), 0);
        assert_true(after.written);
        assert_int_equal(stat(w->path, &sb), 0);
        assert_int_equal(sb.st_mode & 07777, 0600);
        text = tw_test_read_file(w->path, NULL);
        snprintf(want, sizeof(want), "%s\n", w->value);
        assert_string_equal(text, want);
        free(text);
        assert_int_equal(check(w, &st), 0);
        assert_true(st.exists);
        assert_string_equal(st.api_token_id, TOKEN_ID);
        assert_int_equal(st.iat, w->iat);
        assert_int_equal(st.updated_at, (int64_t)sb.st_mtime);
        assert_true(tw_deliver_state_holds(&st, w->value));
        assert_int_equal(write_value(w, w->value, &st, &after), 0);
        assert_false(after.written);

        /* Someone else's value since the check: not overwritten. */
        write_text(w->path, "someone-elses\n", 0600);
        assert_int_equal(write_value(w, "mine-1234567", &st, &after), -EBUSY);
        text = tw_test_read_file(w->path, NULL);
        assert_string_equal(text, "someone-elses\n");
        free(text);

        /* A copy others may read is reported; a symbolic link is refused. */
        assert_int_equal(chmod(w->path, 0644), 0);
        assert_int_equal(check(w, &st), -EPERM);
        snprintf(target, sizeof(target), "%s/elsewhere", w->dir);
        write_text(target, "untouched\n", 0600);
        unlink(w->path);
        assert_int_equal(symlink(target, w->path), 0);
        assert_int_equal(check(w, &st), -ELOOP);
        assert_int_equal(write_value(w, w->value, NULL, &after), -ELOOP);
        text = tw_test_read_file(target, NULL);
        assert_string_equal(text, "untouched\n");
        free(text);
        assert_non_null(strstr(w->err.ptr, "symbolic link"));
}

/* Writes the checker: it reads the value from stdin, looks for it in its
 * own and its parent's /proc cmdline and environ (shell builtins only, so
 * no process of its own carries the value), then keeps it and its
 * environment in out and out.env. */
static void write_checker(struct world *w, char *cmd, size_t size)
{
        char script[512], out[512];

        snprintf(script, sizeof(script), "%s/check.sh", w->dir);
        snprintf(out, sizeof(out), "%s/out", w->dir);
        write_text(script,
                   "#!/bin/sh\n"
                   "IFS= read -r v\n"
                   "[ -n \"$v\" ] || { echo 'nothing on stdin' >&2; exit 5; }\n"
                   "for p in $$ $PPID; do\n"
                   "  for f in cmdline environ; do\n"
                   "    c=$(tr '\\000' '\\n' < /proc/$p/$f)\n"
                   "    case \"$c\" in *\"$v\"*) echo \"leak in /proc/$p/$f\" >&2; exit 3;; esac\n"
                   "  done\n"
                   "done\n"
                   "env > \"$1.env\"\n"
                   "printf '%s' \"$v\" > \"$1\"\n",
                   0700);
        snprintf(cmd, size, "%s %s", script, out);
}

static void test_exec_value_on_stdin_only(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        char cmd[1200], out[600], *text;

        assert_int_equal(setenv("ASTRO_API_TOKEN", "the-agents-own-credential", 1), 0);
        write_checker(w, cmd, sizeof(cmd));
        set(w, "type", "exec");
        set(w, "command", cmd);
        assert_int_equal(tw_deliver_target_validate(&w->t, &w->err), 0);
        assert_int_equal(write_value(w, w->value, NULL, &after), 0);
        assert_true(after.written);
        snprintf(out, sizeof(out), "%s/out", w->dir);
        text = tw_test_read_file(out, NULL);
        assert_string_equal(text, w->value);
        free(text);
        snprintf(out, sizeof(out), "%s/out.env", w->dir);
        text = tw_test_read_file(out, NULL);
        assert_non_null(strstr(text, "TOKENWATCH_DELIVER=copy"));
        assert_non_null(strstr(text, "TOKENWATCH_TOKEN_ID=" TOKEN_ID));
        assert_null(strstr(text, "the-agents-own-credential"));
        assert_null(strstr(text, w->value));
        free(text);
        unsetenv("ASTRO_API_TOKEN");
        assert_int_equal(check(w, &st), -EOPNOTSUPP);

        /* The checker does see a leak: the value put in its environment
         * (here by the command itself) makes it fail. */
        {
                char leaky[4096];

                snprintf(leaky, sizeof(leaky), "LEAK='%s' %s", w->value, cmd);
                set(w, "command", leaky);
                assert_int_equal(write_value(w, w->value, NULL, &after), -EPROTO);
                assert_non_null(strstr(w->err.ptr, "leak in /proc/"));
        }
}

/* Whether process pid has ended: no such process, or a zombie. */
static bool gone(long pid)
{
        char path[64], line[512];
        bool zombie;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        f = fopen(path, "r");
        if (!f)
                return true;
        zombie = fgets(line, sizeof(line), f) && strstr(line, ") Z ");
        fclose(f);
        return zombie;
}

static void test_exec_failures(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state after;
        char cmd[1024], pidfile[512], *text;
        int64_t t0;
        long pid;

        set(w, "type", "exec");
        /* A failing program that prints what it got: the value cut out. */
        set(w, "command", "read v; echo \"got:$v:done\" >&2; exit 4");
        assert_int_equal(write_value(w, w->value, NULL, &after), -EPROTO);
        assert_non_null(strstr(w->err.ptr, "exited with status 4: got::done"));
        set(w, "command", "kill -TERM $$");
        assert_int_equal(write_value(w, w->value, NULL, &after), -EPROTO);
        assert_non_null(strstr(w->err.ptr, "killed by signal 15"));

        /* Past its time: it and what it started are killed. */
        snprintf(pidfile, sizeof(pidfile), "%s/pid", w->dir);
        snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! > %s; wait", pidfile);
        set(w, "command", cmd);
        set(w, "timeout", "1s");
        t0 = tw_mono_ns();
        assert_int_equal(write_value(w, w->value, NULL, &after), -ETIMEDOUT);
        assert_true(tw_mono_ns() - t0 < 10000000000LL);
        text = tw_test_read_file(pidfile, NULL);
        pid = atol(text);
        free(text);
        assert_true(pid > 0);
        /* Gone (or a zombie waiting for init) soon after. */
        TW_TEST_WAIT_FOR(gone(pid), 5000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exec_value_on_stdin_only, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exec_failures, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
