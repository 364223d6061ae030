/* The metrics endpoint's Accept-Encoding parsing (a client's header). */
#include <stdlib.h>
#include <string.h>

#include "exporters/metrics/metrics.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = strndup((const char *)data, size);

        if (!s)
                return 0;
        (void)tw_accepts_gzip(s);
        free(s);
        return 0;
}
