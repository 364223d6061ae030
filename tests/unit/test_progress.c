/* The progress line of a one-shot read (agent/cmd/progress_internal.h): written only
 * to a terminal, rewritten in place at most once per interval, ended with
 * the final figures or erased. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/cmd/progress_internal.h"

#define MS ((int64_t)1000000)

/* What was written to f, NUL-terminated (freed by the caller). */
static char *written(FILE *f)
{
        long n = ftell(f);
        char *s = calloc(1, (size_t)n + 1);

        assert_non_null(s);
        rewind(f);
        assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
        return s;
}

static void test_not_a_terminal_writes_nothing(void **state)
{
        FILE *f = tmpfile();
        struct tw_progress p;
        char *s;

        (void)state;
        assert_non_null(f);
        tw_progress_init(&p, f, false, "Reading");
        tw_progress_update(&p, 1, 10, 0);
        tw_progress_update(&p, 2, 20, 1000 * MS);
        tw_progress_end(&p, true, 2, 20);
        tw_progress_end(&p, false, 2, 20);
        s = written(f);
        assert_string_equal(s, "");
        free(s);
        fclose(f);
}

static void test_in_place_and_paced(void **state)
{
        FILE *f = tmpfile();
        struct tw_progress p;
        char *s;

        (void)state;
        assert_non_null(f);
        tw_progress_init(&p, f, true, "Reading the Astro audit logs");
        tw_progress_update(&p, 0, 2, 5 * MS);       /* the first is always shown */
        tw_progress_update(&p, 10, 5000, 100 * MS); /* too soon */
        tw_progress_update(&p, 1, 999999, 205 * MS);
        tw_progress_update(&p, 12345, 48200000, 500 * MS);
        tw_progress_end(&p, true, 12346, 1300000000);
        s = written(f);
        assert_string_equal(s, "\r\033[KReading the Astro audit logs: 0 entries, 2 bytes"
                               "\r\033[KReading the Astro audit logs: 1 entry, 1.0 MB"
                               "\r\033[KReading the Astro audit logs: 12345 entries, 48.2 MB"
                               "\r\033[KReading the Astro audit logs: 12346 entries, 1.3 GB\n");
        free(s);
        fclose(f);
}

static void test_failure_erases(void **state)
{
        FILE *f = tmpfile();
        struct tw_progress p;
        char *s;

        (void)state;
        assert_non_null(f);
        tw_progress_init(&p, f, true, "R");
        tw_progress_end(&p, false, 0, 0); /* nothing shown: nothing to erase */
        tw_progress_update(&p, 3, 1000, 0);
        tw_progress_end(&p, false, 3, 1000);
        tw_progress_end(&p, true, 3, 1000); /* once only */
        s = written(f);
        assert_string_equal(s, "\r\033[KR: 3 entries, 1.0 kB\r\033[K");
        free(s);
        fclose(f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_not_a_terminal_writes_nothing),
                cmocka_unit_test(test_in_place_and_paced),
                cmocka_unit_test(test_failure_erases),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
