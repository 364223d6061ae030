/* The audit trail's append-only JSONL files (lib/jsonl.h): rotation by size,
 * reading oldest first, and what a reader skips. */
#include <errno.h>
#include <limits.h>
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

#include "helpers/helpers.h"

#include "lib/buf.h"
#include "lib/jsonl.h"

struct fixture {
        char dir[64];
        char path[PATH_MAX];
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        tw_test_tmpdir(f->dir, sizeof(f->dir), "jsonl");
        snprintf(f->path, sizeof(f->path), "%s/audit.jsonl", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        int r = tw_test_rmtree(f->dir);

        free(f);
        return r;
}

/* Collects lines as "a|b|c". */
static int collect(const char *line, size_t len, void *ctx)
{
        struct tw_buf *b = ctx;

        assert_int_equal(strlen(line), len);
        if (b->len)
                tw_buf_addc(b, '|');
        return tw_buf_adds(b, line);
}

static void read_all(const char *path, unsigned keep, size_t max_line, const char *want,
                     size_t want_skipped)
{
        struct tw_buf b;
        size_t skipped = 99;

        tw_buf_init(&b, 1 << 16);
        assert_int_equal(tw_jsonl_read(path, keep, max_line, collect, &b, &skipped), 0);
        assert_string_equal(b.ptr ? b.ptr : "", want);
        assert_int_equal(skipped, want_skipped);
        tw_buf_done(&b);
}

static void append(const char *path, const char *s, uint64_t max, unsigned keep)
{
        struct tw_jsonl_rotation rot = {.max_bytes = max, .keep = keep};

        assert_int_equal(tw_jsonl_append(path, s, strlen(s), &rot), 0);
}

static void appends_and_reads(void **state)
{
        struct fixture *f = *state;
        struct stat st;

        read_all(f->path, 3, 100, "", 0); /* nothing yet */
        append(f->path, "{\"a\":1}\n", 0, 3);
        append(f->path, "{\"b\":2}\n{\"c\":3}\n", 0, 3);
        read_all(f->path, 3, 100, "{\"a\":1}|{\"b\":2}|{\"c\":3}", 0);
        assert_int_equal(stat(f->path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
}

/* Rotation keeps `keep` files, oldest dropped, and never splits a batch. */
static void rotates_by_size(void **state)
{
        struct fixture *f = *state;
        char name[PATH_MAX + 8];

        append(f->path, "1111\n", 10, 3);
        append(f->path, "2222\n", 10, 3);     /* 10 bytes: still fits */
        append(f->path, "3333\n", 10, 3);     /* rotates: audit.jsonl.1 holds 1, 2 */
        append(f->path, "4444\n55\n", 10, 3); /* rotates again: the batch stays whole */
        read_all(f->path, 3, 100, "1111|2222|3333|4444|55", 0);
        append(f->path, "6666\n", 10, 3); /* the file with 1, 2 goes */
        read_all(f->path, 3, 100, "3333|4444|55|6666", 0);
        snprintf(name, sizeof(name), "%s.3", f->path);
        assert_int_equal(access(name, F_OK), -1);
        /* A larger keep when reading finds nothing more. */
        read_all(f->path, 9, 100, "3333|4444|55|6666", 0);
        /* One batch bigger than the cap still lands, alone in its file. */
        append(f->path, "777777777777\n", 10, 3);
        read_all(f->path, 3, 100, "4444|55|6666|777777777777", 0);
}

static void keep_one_truncates(void **state)
{
        struct fixture *f = *state;

        append(f->path, "aaaa\n", 6, 1);
        append(f->path, "bbbb\n", 6, 1);
        read_all(f->path, 1, 100, "bbbb", 0);
}

/* A line over the cap and a last line without its newline (a crash mid-write)
 * are skipped and counted; the rest is read. */
static void skips_bad_lines(void **state)
{
        struct fixture *f = *state;
        FILE *fp;

        append(f->path, "ok1\n0123456789ABC\nok2\n\n", 0, 2);
        read_all(f->path, 2, 8, "ok1|ok2", 1);
        fp = fopen(f->path, "a");
        assert_non_null(fp);
        fputs("{\"cut\":", fp);
        fclose(fp);
        read_all(f->path, 2, 8, "ok1|ok2", 2);
        /* The next append ends the torn line first: its own lines stay whole. */
        append(f->path, "ok3\n", 0, 2);
        read_all(f->path, 2, 8, "ok1|ok2|{\"cut\":|ok3", 1);
}

static int stop_at_second(const char *line, size_t len, void *ctx)
{
        (void)line;
        (void)len;
        return ++*(int *)ctx == 2 ? 42 : 0;
}

static void callback_stops(void **state)
{
        struct fixture *f = *state;
        int n = 0;

        append(f->path, "a\nb\nc\n", 0, 1);
        assert_int_equal(tw_jsonl_read(f->path, 1, 10, stop_at_second, &n, NULL), 42);
        assert_int_equal(n, 2);
}

/* A symlink planted at the log's path is never followed. */
static void refuses_symlink(void **state)
{
        struct fixture *f = *state;
        struct tw_jsonl_rotation rot = {.max_bytes = 0, .keep = 2};
        char target[PATH_MAX + 8];

        snprintf(target, sizeof(target), "%s/elsewhere", f->dir);
        assert_int_equal(symlink(target, f->path), 0);
        assert_true(tw_jsonl_append(f->path, "x\n", 2, &rot) < 0);
        assert_int_equal(access(target, F_OK), -1);
        assert_int_equal(tw_jsonl_read(f->path, 2, 10, stop_at_second, &(int){0}, NULL), -ELOOP);
}

static void bad_arguments(void **state)
{
        struct fixture *f = *state;
        struct tw_jsonl_rotation rot = {.max_bytes = 0, .keep = 0};

        assert_int_equal(tw_jsonl_append(f->path, "x\n", 2, &rot), -EINVAL);
        assert_int_equal(tw_jsonl_read(f->path, 0, 10, stop_at_second, NULL, NULL), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(appends_and_reads, setup, teardown),
                cmocka_unit_test_setup_teardown(rotates_by_size, setup, teardown),
                cmocka_unit_test_setup_teardown(keep_one_truncates, setup, teardown),
                cmocka_unit_test_setup_teardown(skips_bad_lines, setup, teardown),
                cmocka_unit_test_setup_teardown(callback_stops, setup, teardown),
                cmocka_unit_test_setup_teardown(refuses_symlink, setup, teardown),
                cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
        };

        return cmocka_run_group_tests_name("jsonl", tests, NULL, NULL);
}
