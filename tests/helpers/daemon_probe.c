#include "helpers/daemon_probe.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers/http_client.h"
#include "helpers/wait.h"

/* The port in path, or 0 while it is not written yet. */
static unsigned short port_in(const char *path)
{
        FILE *f = fopen(path, "r");
        unsigned port = 0;

        if (!f)
                return 0;
        if (fscanf(f, "%u", &port) != 1 || port > 65535)
                port = 0;
        fclose(f);
        return (unsigned short)port;
}

unsigned short tw_test_read_port(const char *path)
{
        unsigned short port;

        TW_TEST_WAIT_FOR((port = port_in(path)) != 0, TW_TEST_WAIT_MS);
        return port;
}

char *tw_test_scrape(unsigned short port)
{
        struct tw_test_request rq = {.path = "/metrics"};
        struct tw_test_reply r;
        char *body = NULL;

        if (tw_test_fetch(port, &rq, &r) == CURLE_OK && r.status == 200)
                body = tw_buf_steal(&r.body);
        tw_test_reply_done(&r);
        return body;
}

bool tw_test_metric(const char *page, const char *series, double *ret)
{
        size_t n = strlen(series);

        for (const char *p = page; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, series, n) == 0 && p[n] == ' ') {
                        *ret = strtod(p + n + 1, NULL);
                        return true;
                }
        return false;
}

/* The value of series on the page now; false if the page or the sample is
 * missing. */
static bool metric_now(unsigned short port, const char *series, double *ret)
{
        char *page = tw_test_scrape(port);
        bool found = page && tw_test_metric(page, series, ret);

        free(page);
        return found;
}

uint64_t tw_test_wait_cycles(unsigned short port, uint64_t n)
{
        double v = 0;

        TW_TEST_WAIT_FOR(metric_now(port, "tokenwatch_cycles_total", &v) && v > (double)n,
                         TW_TEST_WAIT_MS);
        return (uint64_t)v;
}

void tw_test_wait_metric(unsigned short port, const char *series, double want)
{
        int64_t deadline = tw_test_deadline(TW_TEST_WAIT_MS);
        double v = 0;

        while (!metric_now(port, series, &v) || v != want)
                if (!tw_test_poll_again(deadline))
                        fail_msg("timed out waiting for %s %g (last: %g)", series, want, v);
}
