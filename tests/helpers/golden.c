/* Golden-file comparison for whole outputs (reports, metrics page, payloads). */
#include "helpers/golden.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/readfile.h"
#include "helpers/helpers.h"

#define GOLDEN_MAX ((size_t)64 << 20)

int tw_golden_updating(void)
{
        const char *u = getenv("TW_UPDATE_GOLDEN");

        return u && strcmp(u, "1") == 0;
}

/* The line of s (len bytes) holding offset off, as [*start, *end). */
static void line_at(const char *s, size_t len, size_t off, size_t *start, size_t *end)
{
        size_t a = off < len ? off : len, z = a;

        while (a > 0 && s[a - 1] != '\n')
                a--;
        while (z < len && s[z] != '\n')
                z++;
        *start = a;
        *end = z;
}

/* Describes the first difference into msg (what fail_msg prints). */
static void describe_difference(char *msg, size_t size, const char *path, const char *got,
                                size_t glen, const char *want, size_t wlen)
{
        size_t i = 0, line = 1, ga, gz, wa, wz;

        while (i < glen && i < wlen && got[i] == want[i]) {
                line += got[i] == '\n';
                i++;
        }
        line_at(got, glen, i, &ga, &gz);
        line_at(want, wlen, i, &wa, &wz);
        snprintf(msg, size,
                 "%s differs at line %zu (byte %zu; got %zu bytes, want %zu):\n"
                 "  got:  %.*s\n  want: %.*s\n"
                 "(TW_UPDATE_GOLDEN=1 rewrites the golden file)",
                 path, line, i, glen, wlen, (int)(gz - ga > 300 ? 300 : gz - ga), got + ga,
                 (int)(wz - wa > 300 ? 300 : wz - wa), want + wa);
}

void tw_golden_check(const char *name, const char *actual, size_t len)
{
        char path[4096], msg[8192];
        char *want = NULL;
        size_t wlen = 0;

        if (snprintf(path, sizeof(path), "%s/tests/golden/%s", tw_test_source_dir(), name) >=
            (int)sizeof(path))
                fail_msg("golden path too long for %s", name);
        if (tw_golden_updating()) {
                FILE *f = fopen(path, "wb");

                if (!f)
                        fail_msg("cannot write %s", path);
                if ((len && fwrite(actual, 1, len, f) != len) | (fclose(f) != 0))
                        fail_msg("cannot write %s", path);
                print_message("updated %s (%zu bytes)\n", path, len);
                return;
        }
        if (tw_read_file(path, GOLDEN_MAX, 0, &want, &wlen) < 0)
                fail_msg("%s missing: run with TW_UPDATE_GOLDEN=1 to create it", path);
        if (wlen != len || (len && memcmp(want, actual, len) != 0)) {
                describe_difference(msg, sizeof(msg), path, actual ? actual : "", len, want, wlen);
                free(want); /* before fail_msg, which does not return */
                fail_msg("%s", msg);
        }
        free(want);
}
