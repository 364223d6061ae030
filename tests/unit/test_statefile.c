/* Atomic files: write, read back, caps, symlinks not followed, unsafe state
 * directories refused, and moving a corrupt file aside. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/readfile.h"
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

/* Reads a whole small file, or "" if it cannot be read. */
static void slurp(const char *path, char *buf, size_t size)
{
        char *data = NULL;

        buf[0] = '\0';
        if (tw_read_file(path, size - 1, 0, &data, NULL) == 0)
                snprintf(buf, size, "%s", data);
        free(data);
}

static void test_atomic_write_file(void **state)
{
        char path[256], text[64];
        struct stat st;

        snprintf(path, sizeof(path), "%s/report.json", (const char *)*state);
        assert_int_equal(tw_atomic_write_file(path, "old", 3), 0);
        assert_int_equal(chmod(path, 0644), 0);
        assert_int_equal(tw_atomic_write_file(path, "new\n", 4), 0);
        slurp(path, text, sizeof(text));
        assert_string_equal(text, "new\n");
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600); /* a report is private too */
        assert_int_equal(entries(*state, "report.json.tmp"), 0);
        assert_int_equal(tw_atomic_write_file("", "x", 1), -EINVAL);
}

/* Written in pieces: the old content stays until commit; abort leaves it
 * and no temporary file behind. */
static void test_atomic_file_pieces(void **state)
{
        struct tw_atomic_file f;
        char path[256], text[64];

        snprintf(path, sizeof(path), "%s/report.json", (const char *)*state);
        assert_int_equal(tw_atomic_write_file(path, "old", 3), 0);
        assert_int_equal(tw_atomic_file_begin(&f, path), 0);
        assert_int_equal(tw_atomic_file_write(&f, "ne", 2), 0);
        assert_int_equal(tw_atomic_file_write(&f, "w\n", 2), 0);
        slurp(path, text, sizeof(text));
        assert_string_equal(text, "old"); /* not yet */
        assert_int_equal(tw_atomic_file_commit(&f), 0);
        tw_atomic_file_abort(&f); /* after commit: nothing to do */
        slurp(path, text, sizeof(text));
        assert_string_equal(text, "new\n");
        assert_int_equal(tw_atomic_file_begin(&f, path), 0);
        assert_int_equal(tw_atomic_file_write(&f, "half", 4), 0);
        tw_atomic_file_abort(&f);
        tw_atomic_file_abort(&f);
        slurp(path, text, sizeof(text));
        assert_string_equal(text, "new\n");
        assert_int_equal(entries(*state, "report.json.tmp"), 0);
        assert_int_equal(tw_atomic_file_commit(&f), -EBADF);
}

/* A symlink planted at the target or at the temporary name redirects
 * nothing: the victim it points to keeps its content. */
static void test_symlinks_not_followed(void **state)
{
        const char *dir = *state;
        char path[256], victim[256], tmp[300], text[64];
        struct stat st;
        static const struct {
                const char *name;
                bool at_temp;
        } cases[] = {
                {"symlink at the target", false},
                {"symlink at the temporary name", true},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(path, sizeof(path), "%s/port-%zu", dir, i);
                snprintf(victim, sizeof(victim), "%s/victim-%zu", dir, i);
                snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid());
                assert_int_equal(tw_atomic_write_file(victim, "precious", 8), 0);
                assert_int_equal(symlink(victim, cases[i].at_temp ? tmp : path), 0);
                assert_int_equal(tw_atomic_write_file(path, "9842\n", 5), 0);
                slurp(victim, text, sizeof(text));
                if (strcmp(text, "precious") != 0)
                        fail_msg("%s: the victim was written", cases[i].name);
                assert_int_equal(lstat(path, &st), 0);
                assert_true(S_ISREG(st.st_mode));
                slurp(path, text, sizeof(text));
                assert_string_equal(text, "9842\n");
                assert_int_equal(lstat(tmp, &st), -1);
        }
}

static void test_ensure_dir_refuses_unsafe(void **state)
{
        char sub[256];
        static const struct {
                const char *name;
                mode_t mode;
                int expect;
        } cases[] = {
                {"private", 0700, 0},
                {"readable by all", 0755, 0},
                {"group-writable", 0770, -TW_STATEFILE_EMODE},
                {"world-writable", 0703, -TW_STATEFILE_EMODE},
                {"sticky world-writable", 01777, -TW_STATEFILE_EMODE},
        };

        snprintf(sub, sizeof(sub), "%s/state", (const char *)*state);
        assert_int_equal(mkdir(sub, 0700), 0);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(chmod(sub, cases[i].mode), 0);
                if (tw_statefile_ensure_dir(sub) != cases[i].expect)
                        fail_msg("%s: expected %d", cases[i].name, cases[i].expect);
        }
        assert_non_null(strstr(tw_statefile_strerror(-TW_STATEFILE_EMODE), "chmod go-w"));
        assert_non_null(strstr(tw_statefile_strerror(-TW_STATEFILE_EOWNER), "chown"));
        assert_string_equal(tw_statefile_strerror(-ENOENT), strerror(ENOENT));

        /* Another user's directory: as root, give ours away; otherwise "/". */
        assert_int_equal(chmod(sub, 0700), 0);
        if (geteuid() == 0) {
                assert_int_equal(chown(sub, 65534, 65534), 0);
                assert_int_equal(tw_statefile_ensure_dir(sub), -TW_STATEFILE_EOWNER);
        } else {
                assert_int_equal(tw_statefile_ensure_dir("/"), -TW_STATEFILE_EOWNER);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_write_read_replace, setup, teardown),
                cmocka_unit_test_setup_teardown(test_quarantine, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ensure_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_atomic_write_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_atomic_file_pieces, setup, teardown),
                cmocka_unit_test_setup_teardown(test_symlinks_not_followed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ensure_dir_refuses_unsafe, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
