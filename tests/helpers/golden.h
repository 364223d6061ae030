#ifndef TW_TESTS_HELPERS_GOLDEN_H
#define TW_TESTS_HELPERS_GOLDEN_H

/*
 * Golden files (node_exporter's end-to-end style): a whole output compared
 * byte for byte with tests/golden/NAME in the source tree ($TW_SOURCE_DIR).
 * With TW_UPDATE_GOLDEN=1 in the environment the file is rewritten from
 * actual instead, and the test passes; review the diff before committing.
 *
 *   TW_UPDATE_GOLDEN=1 ctest --test-dir build -R unit_report
 */

#include <stddef.h>

/* Fails the running cmocka test when actual (len bytes) differs from the
 * golden file or the file is missing, naming the first differing line and
 * byte with both versions of that line. */
void tw_golden_check(const char *name, const char *actual, size_t len);

/* True when TW_UPDATE_GOLDEN=1: callers may skip other assertions. */
int tw_golden_updating(void);

#endif
