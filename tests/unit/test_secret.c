/* Which secret files are private enough to read (lib/secret.c). */
#include "lib/secret.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/buf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TW_UID 65532

struct mode_case {
        const char *name;
        uid_t owner;
        mode_t mode;
        uid_t euid;
        bool want;
};

static const struct mode_case mode_cases[] = {
        {"own file 0600", TW_UID, 0600, TW_UID, true},
        {"own file 0400", TW_UID, 0400, TW_UID, true},
        {"own file 0640: group may read", TW_UID, 0640, TW_UID, false},
        {"own file 0604: others may read", TW_UID, 0604, TW_UID, false},
        {"own file 0620: group may write", TW_UID, 0620, TW_UID, false},
        {"root reading its own 0440 file", 0, 0440, 0, false},
        {"root reading its own 0600 file", 0, 0600, 0, true},
        {"root reading another user's 0640 file", 1000, 0640, 0, false},
        {"another user's 0400 file", 1000, 0400, TW_UID, true},
        {"another user's 0440 file", 1000, 0440, TW_UID, false},
        /* A Kubernetes Secret volume with fsGroup: root:fsGroup, defaultMode | 0440. */
        {"root's 0440 file (Kubernetes Secret with fsGroup)", 0, 0440, TW_UID, true},
        {"root's 0640 file (root:tokenwatch)", 0, 0640, TW_UID, true},
        {"root's 0400 file", 0, 0400, TW_UID, true},
        {"root's 0444 file: others may read", 0, 0444, TW_UID, false},
        {"root's 0644 file (Secret without fsGroup)", 0, 0644, TW_UID, false},
        {"root's 0460 file: group may write", 0, 0460, TW_UID, false},
        {"root's 0450 file: group may execute", 0, 0450, TW_UID, false},
        {"root's 0441 file: others may execute", 0, 0441, TW_UID, false},
};

static void run_mode(void **state)
{
        const struct mode_case *c = *state;

        assert_int_equal(tw_secret_mode_is_private(c->owner, c->mode, c->euid), c->want);
}

/* A file laid out as a Kubernetes Secret volume with fsGroup (root:65532,
 * 0440) is read by user 65532, and the same file with a bit for others is
 * refused with a message that says how to fix it.  Needs root to lay it out. */
static void kubernetes_secret_file(void **state)
{
        char dir[] = "/tmp/tw-secret.XXXXXX", path[64];
        struct tw_buf err;
        char *secret = NULL;
        FILE *f;

        (void)state;
        if (geteuid() != 0)
                skip();
        assert_non_null(mkdtemp(dir));
        assert_int_equal(chmod(dir, 0711), 0);
        snprintf(path, sizeof(path), "%s/astro-api-token", dir);
        assert_non_null(f = fopen(path, "w"));
        fputs("s3cret-value\n", f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chown(path, 0, TW_UID), 0);
        assert_int_equal(chmod(path, 0440), 0);

        tw_buf_init(&err, 4096);
        assert_int_equal(setegid(TW_UID), 0);
        assert_int_equal(seteuid(TW_UID), 0);
        assert_int_equal(tw_secret_read_file(path, &secret, &err), 0);
        assert_int_equal(seteuid(0), 0);
        assert_string_equal(secret, "s3cret-value");
        tw_secret_free(secret);
        secret = NULL;

        assert_int_equal(chmod(path, 0444), 0);
        assert_int_equal(seteuid(TW_UID), 0);
        assert_int_equal(tw_secret_read_file(path, &secret, &err), -EPERM);
        assert_int_equal(seteuid(0), 0);
        assert_int_equal(setegid(0), 0);
        assert_null(secret);
        assert_non_null(strstr(err.ptr, "accessible by others"));
        assert_non_null(strstr(err.ptr, "chmod 440"));
        assert_null(strstr(err.ptr, "s3cret"));
        tw_buf_done(&err);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
        struct CMUnitTest tests[ARRAY_SIZE(mode_cases) + 1];
        size_t n = 0;

        for (size_t i = 0; i < ARRAY_SIZE(mode_cases); i++)
                tests[n++] = (struct CMUnitTest){.name = mode_cases[i].name,
                                                 .test_func = run_mode,
                                                 .initial_state = (void *)&mode_cases[i]};
        tests[n++] = (struct CMUnitTest){.name = "a Kubernetes Secret file (root:65532 0440)",
                                         .test_func = kubernetes_secret_file};
        return _cmocka_run_group_tests("secret", tests, n, NULL, NULL) ? 1 : 0;
}
