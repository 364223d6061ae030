/* The INI configuration: any text loads or fails with messages. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "lib/buf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tw_config *cfg = NULL;
        char *text = strndup((const char *)data, size);
        struct tw_buf err;
        int r;

        if (!text)
                return 0;
        tw_buf_init(&err, 1 << 20);
        r = tw_config_load_string(text, "fuzz.ini", &cfg, &err);
        if (r == 0 && !cfg)
                abort();
        if (r == -EINVAL && err.len == 0)
                abort(); /* a refused file always says why */
        tw_config_free(cfg);
        tw_buf_done(&err);
        free(text);
        return 0;
}
