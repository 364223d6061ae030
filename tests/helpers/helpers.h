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

#endif
