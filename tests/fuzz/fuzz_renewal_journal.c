/* libFuzzer target: a renewal's journal (state_dir/renewal-<id>.json), read
 * back at every start.  What loads must write and load again to the same
 * text: a journal that reads one way and writes another would resume a
 * renewal in a state it was never in. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rotation/renewal.h"
#include "lib/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tw_renewal r, again;
        struct tw_buf a, b;

        if (tw_renewal_from_json((const char *)data, size, &r) < 0)
                return 0;
        tw_buf_init(&a, TW_RENEWAL_JSON_MAX);
        tw_buf_init(&b, TW_RENEWAL_JSON_MAX);
        if (tw_renewal_to_json(&r, &a) == 0 && tw_renewal_from_json(a.ptr, a.len, &again) == 0) {
                if (tw_renewal_to_json(&again, &b) != 0 || a.len != b.len ||
                    memcmp(a.ptr, b.ptr, a.len) != 0)
                        abort();
                tw_renewal_done(&again);
        }
        tw_buf_done(&a);
        tw_buf_done(&b);
        tw_renewal_done(&r);
        return 0;
}
