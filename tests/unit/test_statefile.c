/* Atomic state files: write, read back, caps, and moving a corrupt file aside. */
#include <dirent.h>
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

#include "lib/statefile.h"

static int setup(void **state)
{
        char *dir = strdup("/tmp/tw-statefile-XXXXXX");

        assert_non_null(dir);
        assert_non_null(mkdtemp(dir));
        *state = dir;
        return 0;
}

static int teardown(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
        free(*state);
        return system(cmd) == 0 ? 0 : -1;
}

static size_t entries(const char *dir, const char *prefix)
{
        struct dirent *de;
        size_t n = 0;
        DIR *d = opendir(dir);

        assert_non_null(d);
        while ((de = readdir(d)))
                n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
        closedir(d);
        return n;
}

static void test_write_read_replace(void **state)
{
        const char *dir = *state;
        char *data = NULL, path[256];
        size_t len = 0;
        struct stat st;

        assert_int_equal(tw_statefile_read(dir, "s.json", 1024, &data, &len), -ENOENT);
        assert_int_equal(tw_statefile_write(dir, "s.json", "{\"a\":1}", 7), 0);
        assert_int_equal(tw_statefile_write(dir, "s.json", "{\"b\":22}", 8), 0);
        assert_int_equal(tw_statefile_read(dir, "s.json", 1024, &data, &len), 0);
        assert_int_equal(len, 8);
        assert_string_equal(data, "{\"b\":22}");
        free(data);
        assert_int_equal(tw_statefile_read(dir, "s.json", 4, &data, &len), -E2BIG);
        snprintf(path, sizeof(path), "%s/s.json", dir);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(entries(dir, "s.json.tmp"), 0); /* no temporary file left */
}

static void test_quarantine(void **state)
{
        const char *dir = *state;
        char *moved = NULL, *moved2 = NULL;

        assert_int_equal(tw_statefile_write(dir, "s.json", "garbage", 7), 0);
        assert_int_equal(tw_statefile_quarantine(dir, "s.json", 1780315200, &moved), 0);
        assert_non_null(strstr(moved, "/s.json.corrupt-1780315200"));
        assert_int_equal(tw_statefile_write(dir, "s.json", "again", 5), 0);
        assert_int_equal(tw_statefile_quarantine(dir, "s.json", 1780315200, &moved2), 0);
        assert_string_not_equal(moved, moved2); /* a second one in the same second */
        assert_int_equal(entries(dir, "s.json.corrupt-"), 2);
        assert_int_equal(entries(dir, "s.json"), 2);
        assert_int_equal(tw_statefile_quarantine(dir, "s.json", 1780315200, NULL), -ENOENT);
        free(moved);
        free(moved2);
}

static void test_ensure_dir(void **state)
{
        char sub[256];

        snprintf(sub, sizeof(sub), "%s/state", (const char *)*state);
        assert_int_equal(tw_statefile_ensure_dir(sub), 0);
        assert_int_equal(tw_statefile_ensure_dir(sub), 0);
        assert_int_equal(tw_statefile_write(sub, "f", "x", 1), 0);
        snprintf(sub, sizeof(sub), "%s/state/f", (const char *)*state);
        assert_int_equal(tw_statefile_ensure_dir(sub), -ENOTDIR);
        assert_int_equal(tw_statefile_write("/nonexistent-dir-tw", "f", "x", 1), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_write_read_replace, setup, teardown),
                cmocka_unit_test_setup_teardown(test_quarantine, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ensure_dir, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
