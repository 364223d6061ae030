/* lib/readfile: a whole file up to its cap, refused (never cut) past it,
 * with what open() and read() say passed through. */
#include "lib/readfile.h"

#include <errno.h>
#include <fcntl.h>
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

static char dir[64];

static int setup(void **state)
{
        (void)state;
        tw_test_tmpdir(dir, sizeof(dir), "readfile");
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        return tw_test_rmtree(dir);
}

/* dir/name with n bytes: the pattern "0123456789" repeated. */
static void make_file(char *path, size_t size, const char *name, size_t n)
{
        FILE *f;

        snprintf(path, size, "%s/%s", dir, name);
        f = fopen(path, "w");
        assert_non_null(f);
        for (size_t i = 0; i < n; i++)
                assert_int_not_equal(fputc('0' + (int)(i % 10), f), EOF);
        assert_int_equal(fclose(f), 0);
}

static void test_sizes(void **state)
{
        static const struct {
                const char *name;
                size_t size, max;
                unsigned flags;
                int r;
        } cases[] = {
                {"empty", 0, 10, 0, 0},
                {"one byte", 1, 10, 0, 0},
                {"under the cap", 9, 10, 0, 0},
                {"at the cap", 10, 10, 0, 0},
                {"one past the cap", 11, 10, 0, -E2BIG},
                {"far past the cap", 100000, 10, 0, -E2BIG},
                {"cap 0, empty", 0, 0, 0, 0},
                {"cap 0, one byte", 1, 0, 0, -E2BIG},
                {"larger than a page", 70000, 1 << 20, 0, 0},
                {"a secret at the cap", 4096, 4096, TW_READ_SECRET, 0},
                {"a secret past the cap", 70000, 65536, TW_READ_SECRET, -E2BIG},
                {"a secret growing", 70000, 1 << 20, TW_READ_SECRET, 0},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char path[128], *data = NULL;
                size_t len = 12345;
                int r;

                make_file(path, sizeof(path), "f", cases[i].size);
                r = tw_read_file(path, cases[i].max, cases[i].flags, &data, &len);
                if (r != cases[i].r)
                        fail_msg("%s: %d, want %d", cases[i].name, r, cases[i].r);
                if (r < 0) {
                        if (data || len != 12345)
                                fail_msg("%s: written on failure", cases[i].name);
                        continue;
                }
                if (len != cases[i].size || data[len] != '\0')
                        fail_msg("%s: %zu bytes, want %zu", cases[i].name, len, cases[i].size);
                for (size_t k = 0; k < len; k++)
                        if (data[k] != '0' + (int)(k % 10))
                                fail_msg("%s: byte %zu differs", cases[i].name, k);
                free(data);
        }
}

static void test_open_errors(void **state)
{
        char path[128], link_path[128], *data = NULL;

        (void)state;
        snprintf(path, sizeof(path), "%s/absent", dir);
        assert_int_equal(tw_read_file(path, 10, 0, &data, NULL), -ENOENT);
        make_file(path, sizeof(path), "target", 3);
        snprintf(link_path, sizeof(link_path), "%s/link", dir);
        assert_int_equal(symlink(path, link_path), 0);
        assert_int_equal(tw_read_file(link_path, 10, TW_READ_NOFOLLOW, &data, NULL), -ELOOP);
        assert_null(data);
        /* followed without the flag; ret_len may be NULL */
        assert_int_equal(tw_read_file(link_path, 10, 0, &data, NULL), 0);
        assert_string_equal(data, "012");
        free(data);
        assert_int_equal(tw_read_file(dir, 10, 0, &data, NULL), -EISDIR);
}

/* A pipe has no size to ask for: the content arrives in pieces. */
static void test_pipe(void **state)
{
        int fds[2];
        char *data = NULL;
        size_t len = 0;

        (void)state;
        assert_int_equal(pipe(fds), 0);
        assert_int_equal(write(fds[1], "hello, ", 7), 7);
        assert_int_equal(write(fds[1], "world", 5), 5);
        close(fds[1]);
        assert_int_equal(tw_read_fd(fds[0], 12, 0, &data, &len), 0);
        close(fds[0]);
        assert_int_equal(len, 12);
        assert_string_equal(data, "hello, world");
        free(data);
}

/* From the descriptor's offset on, NUL bytes counted. */
static void test_offset_and_nul(void **state)
{
        char path[128], *data = NULL;
        size_t len = 0;
        int fd;

        (void)state;
        snprintf(path, sizeof(path), "%s/nul", dir);
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "ab\0cd", 5), 5);
        assert_int_equal(lseek(fd, 1, SEEK_SET), 1);
        assert_int_equal(tw_read_fd(fd, 100, 0, &data, &len), 0);
        close(fd);
        assert_int_equal(len, 4);
        assert_memory_equal(data, "b\0cd", 5);
        free(data);
        assert_int_equal(tw_read_fd(-1, 100, 0, &data, &len), -EBADF);
        assert_int_equal(tw_read_fd(0, SIZE_MAX, 0, &data, &len), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sizes),
                cmocka_unit_test(test_open_errors),
                cmocka_unit_test(test_pipe),
                cmocka_unit_test(test_offset_and_nul),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
