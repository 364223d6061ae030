/* RFC 3339 times and durations: any string parses or is -EINVAL/-ERANGE;
 * a parsed time formats and parses back to itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/timeutil.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = strndup((const char *)data, size), buf[TW_RFC3339_LEN];
        int64_t t, back, secs;
        int r;

        if (!s)
                return 0;
        r = tw_time_parse(s, &t);
        if (r == 0) {
                if (t == TW_NO_TIME)
                        abort();
                if (tw_time_parse(tw_time_format(t, buf), &back) < 0 || back != t)
                        abort();
        } else if (r != -EINVAL) {
                abort();
        }
        r = tw_duration_parse(s, &secs);
        if ((r == 0 && secs < 0) || (r < 0 && r != -EINVAL && r != -ERANGE))
                abort();
        free(s);
        return 0;
}
