#ifndef TW_TESTS_HELPERS_HELPERS_H
#define TW_TESTS_HELPERS_HELPERS_H

#include <stdlib.h>

/* The source tree (env TW_SOURCE_DIR, set by ctest), for fixtures and goldens. */
const char *tw_test_source_dir(void);

#endif
