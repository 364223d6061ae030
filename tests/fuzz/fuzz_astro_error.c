/* API error bodies, quoted into the errors a person reads: the text added
 * is bounded, holds no control character and no broken UTF-8 sequence. */
#include <stdlib.h>

#include "collectors/astro/parse.h"
#include "lib/buf.h"
#include "lib/utf8.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tw_buf out;

        tw_buf_init(&out, 4096);
        tw_buf_adds(&out, "HTTP 500: ");
        tw_astro_describe_error((const char *)data, size, &out);
        /* message and requestId, each cut, plus the frame */
        if (out.len > 10 + 300 * 4 + 80 * 4 + 32)
                abort();
        for (size_t i = 0; i < out.len; i++)
                if ((unsigned char)out.ptr[i] < 0x20 || out.ptr[i] == 0x7f)
                        abort();
        if (!tw_utf8_valid(out.ptr, out.len))
                abort();
        tw_buf_done(&out);
        return 0;
}
