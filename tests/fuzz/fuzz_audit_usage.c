/* libFuzzer target: loading the persisted usage index (core/usage/usage.h) from
 * untrusted text.  Whatever loads must save again and load back to the same
 * text; nothing may crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/usage/usage.h"
#include "lib/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tw_usage_limits lim = {
                .max_tokens = 64, .max_sources = 4, .max_operations = 8, .max_lifecycle = 16};
        struct tw_usage *u = NULL, *again = NULL;
        struct tw_buf a, b;

        if (tw_usage_from_json((const char *)data, size, &lim, &u) < 0)
                return 0;
        tw_buf_init(&a, (size_t)16 << 20);
        tw_buf_init(&b, (size_t)16 << 20);
        if (tw_usage_to_json(u, &a) == 0) {
                if (tw_usage_from_json(a.ptr, a.len, &lim, &again) < 0 ||
                    tw_usage_to_json(again, &b) < 0 || a.len != b.len ||
                    memcmp(a.ptr, b.ptr, a.len) != 0)
                        abort();
        }
        tw_usage_free(again);
        tw_usage_free(u);
        tw_buf_done(&a);
        tw_buf_done(&b);
        return 0;
}
