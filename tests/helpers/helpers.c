/* Anchor for the test helper library; helpers live in their own files. */
#include "helpers/helpers.h"

const char *tw_test_source_dir(void)
{
        const char *d = getenv("TW_SOURCE_DIR");

        return d && *d ? d : ".";
}
