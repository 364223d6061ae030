/* Anchor for the test helper library; helpers live in their own files. */
/* nftw() needs the XSI interfaces. */
#define _XOPEN_SOURCE 700
#include "helpers/helpers.h"

#include <ftw.h>
#include <stdio.h>
#include <unistd.h>

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
