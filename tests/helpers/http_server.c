/* Starting the metrics server in tests: see http_server.h. */
#include "helpers/http_server.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <crypt.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "exporters/http/server.h"

struct tw_http_server *tw_test_http_server_start(const struct tw_http_server_options *o)
{
        struct tw_http_server *s = NULL;
        struct tw_buf err;

        tw_buf_init(&err, 0);
        if (tw_http_server_start(o, &s, &err) < 0)
                fail_msg("start: %s", err.ptr ? err.ptr : "?");
        tw_buf_done(&err);
        assert_true(tw_http_server_port(s) > 0);
        return s;
}

void tw_test_bcrypt(const char *password, unsigned long cost, char *out, size_t out_size)
{
        struct crypt_data cd;
        char salt[128];
        const char *h;

        memset(&cd, 0, sizeof(cd));
        assert_non_null(crypt_gensalt_rn("$2y$", cost, NULL, 0, salt, sizeof(salt)));
        h = crypt_r(password, salt, &cd);
        assert_true(h && h[0] == '$');
        assert_true((size_t)snprintf(out, out_size, "%s", h) < out_size);
}
