/*
 * tw_secret_read_file_flags(): a platform's group-readable file accepted
 * only with TW_SECRET_ANY_MODE, a symbolic link refused with
 * TW_SECRET_NOFOLLOW, and the plain reader unchanged.
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
#include <unistd.h>

#include <cmocka.h>

#include "helpers/helpers.h"
#include "lib/buf.h"
#include "lib/secret.h"

static void write_file(const char *path, const char *text, mode_t mode)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(path, mode), 0);
}

static void test_flags(void **state)
{
        static const struct {
                const char *name, *file;
                unsigned flags;
                int want;
        } cases[] = {
                {"private file", "private", 0, 0},
                {"group-readable refused", "shared", 0, -EPERM},
                {"group-readable with ANY_MODE", "shared", TW_SECRET_ANY_MODE, 0},
                {"symlink followed by default", "link", 0, 0},
                {"symlink refused with NOFOLLOW", "link", TW_SECRET_NOFOLLOW, -ELOOP},
                {"private file with NOFOLLOW", "private", TW_SECRET_NOFOLLOW, 0},
        };
        char dir[256], path[512], target[512];

        (void)state;
        tw_test_tmpdir(dir, sizeof(dir), "secret-flags");
        snprintf(path, sizeof(path), "%s/private", dir);
        write_file(path, "  s3cret-value \n second line\n", 0600);
        snprintf(path, sizeof(path), "%s/shared", dir);
        write_file(path, "s3cret-value\n", 0644);
        snprintf(target, sizeof(target), "%s/private", dir);
        snprintf(path, sizeof(path), "%s/link", dir);
        assert_int_equal(symlink(target, path), 0);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_buf err;
                char *s = NULL;
                int r;

                tw_buf_init(&err, 0);
                snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file);
                r = tw_secret_read_file_flags(path, cases[i].flags, &s, &err);
                if (r != cases[i].want)
                        fail_msg("%s: %d (%s)", cases[i].name, r, err.ptr ? err.ptr : "");
                if (r == 0)
                        assert_string_equal(s, "s3cret-value");
                else
                        assert_non_null(strstr(err.ptr, path)); /* names the file */
                tw_secret_free(s);
                tw_buf_done(&err);
        }
        assert_int_equal(tw_test_rmtree(dir), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_flags),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
