/* Anchor for the test helper library; helpers live in their own files. */
/* nftw() needs the XSI interfaces. */
#define _XOPEN_SOURCE 700
#include "helpers/helpers.h"

#include <ftw.h>
#include <stdio.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <zlib.h>

#include "lib/buf.h"
#include "lib/readfile.h"

const char *tw_test_source_dir(void)
{
        const char *d = getenv("TW_SOURCE_DIR");

        return d && *d ? d : ".";
}

void tw_test_tmpdir(char *buf, size_t size, const char *name)
{
        if (snprintf(buf, size, "/tmp/tw-%s.XXXXXX", name) >= (int)size || !mkdtemp(buf)) {
                fprintf(stderr, "cannot make a temporary directory for %s\n", name);
                abort();
        }
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path) < 0 ? -1 : 0;
}

int tw_test_rmtree(const char *dir)
{
        return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

size_t tw_test_count_lines(const char *text, const char *prefix)
{
        size_t n = 0, len = strlen(prefix);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                n += strncmp(p, prefix, len) == 0;
        return n;
}

void tw_test_gunzip(const void *gz, size_t len, struct tw_buf *out)
{
        unsigned char chunk[16384];
        z_stream zs;
        int zr;

        memset(&zs, 0, sizeof(zs));
        assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
        zs.next_in = (unsigned char *)(uintptr_t)gz;
        zs.avail_in = (uInt)len;
        do {
                zs.next_out = chunk;
                zs.avail_out = sizeof(chunk);
                zr = inflate(&zs, Z_NO_FLUSH);
                assert_true(zr == Z_OK || zr == Z_STREAM_END);
                assert_int_equal(tw_buf_add(out, chunk, sizeof(chunk) - zs.avail_out), 0);
        } while (zr != Z_STREAM_END);
        assert_int_equal(zs.avail_in, 0);
        inflateEnd(&zs);
}

char *tw_test_read_file(const char *path, size_t *ret_len)
{
        char *data = NULL;
        int r = tw_read_file(path, (size_t)64 << 20, 0, &data, ret_len);

        if (r < 0)
                fail_msg("cannot read %s: %s", path, strerror(-r));
        return data;
}
