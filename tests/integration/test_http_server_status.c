/* The status page on demand: a request for / that finds the published page
 * stale asks for a new one and waits for it (bounded, one at a time); a
 * page that is not stale is served at once; requests for / are what make
 * the page "watched". */
#include "exporters/http/server.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/http_client.h"
#include "helpers/http_server.h"

#include "lib/buf.h"
#include "exporters/metrics/metrics.h"
#include "lib/timeutil.h"

struct asker {
        struct tw_http_server *s; /* set once started */
        const char *publish;      /* what a request publishes; NULL: nothing */
        atomic_int calls;
};

static void publish_html(struct tw_http_server *s, const char *html)
{
        struct tw_buf gz;

        tw_buf_init(&gz, 1 << 20);
        assert_int_equal(tw_gzip(html, strlen(html), &gz), 0);
        assert_int_equal(tw_http_server_publish_status_gzip(s, &gz, strlen(html)), 0);
}

/* The server's status_wanted, as the daemon's: here it publishes at once
 * (from the request's thread) or not at all. */
static void wanted(void *ctx)
{
        struct asker *a = ctx;

        atomic_fetch_add(&a->calls, 1);
        if (a->publish)
                publish_html(a->s, a->publish);
}

static char *get_index(struct tw_http_server *s)
{
        struct tw_test_request rq = {.path = "/", .decode = true};
        struct tw_test_reply r;
        char *body;

        assert_int_equal(tw_test_fetch(tw_http_server_port(s), &rq, &r), CURLE_OK);
        assert_int_equal(r.status, 200);
        body = strdup(r.body.ptr ? r.body.ptr : "");
        tw_test_reply_done(&r);
        return body;
}

static struct tw_http_server *start(struct asker *a, unsigned wait_ms)
{
        struct tw_http_server_options o = {.listen = "127.0.0.1:0",
                                           .status_wanted = wanted,
                                           .status_wanted_ctx = a,
                                           .status_wait_ms = wait_ms};

        atomic_init(&a->calls, 0);
        a->s = tw_test_http_server_start(&o);
        return a->s;
}

static void test_fresh_page_served_without_asking(void **state)
{
        struct asker a = {.publish = "<p>new</p>"};
        struct tw_http_server *s = start(&a, 0);
        char *body;

        (void)state;
        assert_false(tw_http_server_status_watched(s, 3600));
        publish_html(s, "<p>old</p>");
        body = get_index(s);
        assert_string_equal(body, "<p>old</p>");
        assert_int_equal(atomic_load(&a.calls), 0);
        assert_true(tw_http_server_status_watched(s, 3600));
        free(body);
        tw_http_server_stop(s);
}

static void test_stale_page_rendered_on_demand(void **state)
{
        struct asker a = {.publish = "<p>new</p>"};
        struct tw_http_server *s = start(&a, 0);
        char *body;

        (void)state;
        publish_html(s, "<p>old</p>");
        tw_http_server_status_stale(s);
        body = get_index(s);
        assert_string_equal(body, "<p>new</p>");
        assert_int_equal(atomic_load(&a.calls), 1);
        free(body);
        /* Published: fresh again, so the next request asks for nothing. */
        body = get_index(s);
        assert_string_equal(body, "<p>new</p>");
        assert_int_equal(atomic_load(&a.calls), 1);
        free(body);
        tw_http_server_stop(s);
}

/* Before any page: a stale mark (the daemon has data, nobody rendered it)
 * asks too, instead of serving the index of links. */
static void test_first_page_on_demand(void **state)
{
        struct asker a = {.publish = "<p>first</p>"};
        struct tw_http_server *s = start(&a, 0);
        char *body;

        (void)state;
        tw_http_server_status_stale(s);
        body = get_index(s);
        assert_string_equal(body, "<p>first</p>");
        free(body);
        tw_http_server_stop(s);
}

/* Nobody publishes (the daemon is busy): the published page after the
 * wait, never an error. */
static void test_wait_is_bounded(void **state)
{
        struct asker a = {.publish = NULL};
        struct tw_http_server *s = start(&a, 200);
        int64_t t0;
        char *body;

        (void)state;
        publish_html(s, "<p>old</p>");
        tw_http_server_status_stale(s);
        t0 = tw_mono_ns();
        body = get_index(s);
        assert_string_equal(body, "<p>old</p>");
        assert_int_equal(atomic_load(&a.calls), 1);
        assert_true(tw_mono_ns() - t0 >= 150 * 1000000LL); /* it did wait */
        free(body);
        tw_http_server_stop(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fresh_page_served_without_asking),
                cmocka_unit_test(test_stale_page_rendered_on_demand),
                cmocka_unit_test(test_first_page_on_demand),
                cmocka_unit_test(test_wait_is_bounded),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
