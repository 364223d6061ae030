/* A sink's URL from url_file gets the checks a url line gets:
 * plain http only to loopback, http(s) only; the message names the file,
 * never the secret URL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "core/config/config.h"
#include "exporters/notify/sink_internal.h"
#include "exporters/notify/sink_config.h"
#include "lib/buf.h"

static const struct {
        const char *name, *url, *want; /* want: NULL opens; else in the error */
} cases[] = {
        {"https anywhere", "https://hooks.example/T0/SECRETPATH", NULL},
        {"http to loopback", "http://127.0.0.1:9/SECRETPATH", NULL},
        {"two URLs, the second plain http out", "https://a.example/x, http://b.example/SECRETPATH",
         "plain http is allowed to loopback only"},
        {"plain http out", "http://hooks.example/SECRETPATH",
         "plain http is allowed to loopback only"},
        {"not http", "ftp://hooks.example/SECRETPATH", "not an http(s) URL"},
        {"no scheme", "hooks.example/SECRETPATH", "not an http(s) URL"},
};

static void url_file_checked(void **state)
{
        char dir[] = "/tmp/tw-sinkcfg.XXXXXX", path[64], ini[256];
        struct tw_sink_options base = {0};

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/url", dir);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_config *cfg = NULL;
                struct tw_sink_config k = {0};
                struct tw_sink *s = NULL;
                struct tw_buf err;
                FILE *f = fopen(path, "w");
                int r;

                assert_non_null(f);
                fprintf(f, "%s\n", cases[i].url);
                fclose(f);
                assert_int_equal(chmod(path, 0600), 0);
                snprintf(ini, sizeof(ini), "[webhook.hook]\nurl_file = %s\n", path);
                assert_int_equal(tw_config_load_string(ini, "t.ini", &cfg, NULL), 0);
                assert_int_equal(tw_sink_config_copy(&k, &cfg->webhooks[0]), 0);
                tw_buf_init(&err, 4096);
                r = tw_sink_config_open(&k, &base, &s, &err);
                if (!cases[i].want) {
                        if (r != 0)
                                fail_msg("%s: %s", cases[i].name, err.ptr ? err.ptr : "?");
                } else {
                        if (r == 0)
                                fail_msg("%s: opened", cases[i].name);
                        assert_non_null(err.ptr);
                        assert_non_null(strstr(err.ptr, cases[i].want));
                        assert_non_null(strstr(err.ptr, path));
                        assert_null(strstr(err.ptr, "SECRETPATH"));
                }
                tw_sink_free(s);
                tw_sink_config_done(&k);
                tw_config_free(cfg);
                tw_buf_done(&err);
        }
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {cmocka_unit_test(url_file_checked)};
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests_name("sink_config", tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
