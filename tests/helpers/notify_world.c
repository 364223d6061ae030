#include "helpers/notify_world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "exporters/notify/notify.h"
#include "helpers/helpers.h"
#include "lib/buf.h"

struct tw_config *nf_config(const char *fmt, ...)
{
        struct tw_buf text, err;
        struct tw_config *cfg = NULL;
        va_list ap;

        tw_buf_init(&text, 0);
        tw_buf_init(&err, 0);
        va_start(ap, fmt);
        assert_int_equal(tw_buf_vprintf(&text, fmt, ap), 0);
        va_end(ap);
        if (tw_config_load_string(text.ptr, "test.ini", &cfg, &err) < 0)
                fail_msg("config: %s", err.ptr);
        tw_buf_done(&text);
        tw_buf_done(&err);
        return cfg;
}

struct tw_notifier *nf_notifier(struct nf_world *w, const struct tw_notifier_options *o)
{
        static const struct tw_notifier_options fast = {.backoff_base_ms = 5, .backoff_max_ms = 20};
        struct tw_notifier *n = NULL;
        struct tw_buf err;

        tw_buf_init(&err, 0);
        if (tw_notifier_new(w->cfg, w->dir, o ? o : &fast, &n, &err) < 0)
                fail_msg("notifier: %s", err.ptr);
        tw_buf_done(&err);
        return n;
}

int nf_world_setup(void **state)
{
        struct nf_world *w = calloc(1, sizeof(*w));

        assert_non_null(w);
        tw_test_tmpdir(w->dir, sizeof(w->dir), "notify");
        assert_int_equal(tw_webhook_receiver_start(&w->rx), 0);
        assert_int_equal(tw_webhook_receiver_start(&w->rx2), 0);
        *state = w;
        return 0;
}

int nf_world_teardown(void **state)
{
        struct nf_world *w = *state;

        tw_notifier_free(w->n);
        tw_config_free(w->cfg);
        tw_webhook_receiver_stop(w->rx);
        tw_webhook_receiver_stop(w->rx2);
        if (tw_test_rmtree(w->dir) != 0)
                return -1;
        free(w);
        return 0;
}
