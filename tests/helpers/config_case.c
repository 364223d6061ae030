#include "helpers/config_case.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "lib/buf.h"

struct tw_config *tw_test_config_load(const char *name, const char *text)
{
        struct tw_config *cfg = NULL;
        struct tw_buf err;

        tw_buf_init(&err, 1 << 16);
        if (tw_config_load_string(text, "t.ini", &cfg, &err) != 0)
                fail_msg("%s: %s", name, err.ptr ? err.ptr : "refused");
        tw_buf_done(&err);
        return cfg;
}

char *tw_test_config_refused(const char *name, const char *text, const char *want)
{
        struct tw_config *cfg = NULL;
        struct tw_buf err;
        int r;

        tw_buf_init(&err, 1 << 16);
        r = tw_config_load_string(text, "t.ini", &cfg, &err);
        if (r != -EINVAL || cfg)
                fail_msg("%s: loaded (%d), want refused with \"%s\"", name, r, want);
        if (!err.ptr || !strstr(err.ptr, want))
                fail_msg("%s: errors\n%s\nwant: %s", name, err.ptr ? err.ptr : "", want);
        return tw_buf_steal(&err);
}
