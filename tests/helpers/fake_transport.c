#include "helpers/fake_transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

struct pending {
        char *url;
        tw_http_done_fn done;
        void *userdata;
};

struct fake {
        struct tw_transport base;
        tw_fake_answer_fn answer;
        void *ud;
        struct pending *queue;
        size_t head, n, cap;
        char **urls;
        size_t n_urls;
};

static int fake_get(struct tw_transport *t, const char *url, const char *endpoint,
                    tw_http_done_fn done, void *userdata)
{
        struct fake *f = (struct fake *)t;
        char **urls;

        (void)endpoint;
        if (f->n == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 16;
                struct pending *q = realloc(f->queue, cap * sizeof(*q));

                if (!q)
                        return -ENOMEM;
                f->queue = q;
                f->cap = cap;
        }
        urls = realloc(f->urls, (f->n_urls + 1) * sizeof(*urls));
        if (!urls)
                return -ENOMEM;
        f->urls = urls;
        f->urls[f->n_urls] = strdup(url);
        f->queue[f->n].url = f->urls[f->n_urls++];
        f->queue[f->n].done = done;
        f->queue[f->n].userdata = userdata;
        f->n++;
        return 0;
}

static int fake_run(struct tw_transport *t)
{
        struct fake *f = (struct fake *)t;

        while (f->head < f->n) {
                struct pending p = f->queue[f->head++];
                struct tw_http_result res = {.attempts = 1};
                struct tw_buf body;

                tw_buf_init(&body, 0);
                res.error = f->answer(f->ud, p.url, &res.status, &body);
                res.body = body.ptr ? body.ptr : "";
                res.body_len = body.len;
                if (res.error)
                        res.error_text = "simulated transport failure";
                p.done(p.userdata, &res);
                tw_buf_done(&body);
        }
        return 0;
}

static void fake_free(struct tw_transport *t)
{
        struct fake *f = (struct fake *)t;

        for (size_t i = 0; i < f->n_urls; i++)
                free(f->urls[i]);
        free(f->urls);
        free(f->queue);
        free(f);
}

static const struct tw_transport_ops fake_ops = {
        .get = fake_get,
        .run = fake_run,
        .free = fake_free,
};

struct tw_transport *tw_fake_transport_new(tw_fake_answer_fn answer, void *ud)
{
        struct fake *f = calloc(1, sizeof(*f));

        if (!f)
                return NULL;
        f->base.ops = &fake_ops;
        f->answer = answer;
        f->ud = ud;
        return &f->base;
}

size_t tw_fake_transport_requests(const struct tw_transport *t, const char *const **ret_urls)
{
        const struct fake *f = (const struct fake *)t;

        *ret_urls = (const char *const *)f->urls;
        return f->n_urls;
}
