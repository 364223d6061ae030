/* TZif files are untrusted bytes: any input parses or is -EBADMSG/-ENOTSUP,
 * and a parsed zone answers every query in range: an instant's local time
 * converts back to an instant that shows the same local time, no later. */
#include <errno.h>
#include <stdlib.h>

#include "lib/tz/tzif.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const int64_t probes[] = {
                -TW_TZ_TIME_MAX + 200000,
                -2208988800,
                -1,
                0,
                1,
                1774746000,
                1792890000,
                2147483647,
                4102444800,
                (int64_t)1 << 40,
                TW_TZ_TIME_MAX - 200000,
        };
        struct tw_tz *tz = NULL;
        int r = tw_tz_parse(data, size, &tz);

        if (r < 0) {
                if (tz || (r != -EBADMSG && r != -ENOTSUP && r != -E2BIG))
                        abort();
                return 0;
        }
        for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
                int64_t t = probes[i], u;
                int32_t off, off2;
                bool dst;

                if (tw_tz_offset(tz, t, &off, &dst) < 0 || off < -89999 || off > 93599)
                        abort();
                if (tw_tz_local_to_utc(tz, t + off, &u) < 0 || tw_tz_offset(tz, u, &off2, NULL) < 0)
                        abort();
                if (u + off2 != t + off || u > t)
                        abort();
        }
        tw_tz_free(tz);
        return 0;
}
