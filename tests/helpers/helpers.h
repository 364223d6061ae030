#ifndef TW_TESTS_HELPERS_HELPERS_H
#define TW_TESTS_HELPERS_HELPERS_H

#include <stdlib.h>

/* The source tree (env TW_SOURCE_DIR, set by ctest), for fixtures and goldens. */
const char *tw_test_source_dir(void);

/* Makes a new private directory /tmp/tw-<name>.XXXXXX into buf; aborts the
 * test program if it cannot. */
void tw_test_tmpdir(char *buf, size_t size, const char *name);
/* Removes dir and everything below it (symlinks themselves, never their
 * targets).  0, or -1 if something stayed. */
int tw_test_rmtree(const char *dir);

/* How many lines of text start with prefix (samples of a metrics page). */
size_t tw_test_count_lines(const char *text, const char *prefix);

struct tw_buf;
/* Inflates gz (len bytes: one whole gzip member, nothing after it) into
 * out; fails the test if it is not that. */
void tw_test_gunzip(const void *gz, size_t len, struct tw_buf *out);

/* The whole file at path (lib/readfile.h, at most 64 MiB), NUL-terminated;
 * *ret_len (may be NULL) its length.  Fails the test if it cannot be read. */
char *tw_test_read_file(const char *path, size_t *ret_len);

#endif
