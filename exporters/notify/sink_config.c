/* A [webhook.NAME] as the notifier keeps it: checks, copy, open. */
#include "exporters/notify/sink_config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "exporters/notify/digest_internal.h"
#include "exporters/notify/sink_internal.h"
#include "exporters/sinks/sinks.h"
#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/url.h"

/* Appends "a, b or c": the formats for which want(format) holds. */
static void list_formats(struct tw_buf *b, bool (*want)(const struct tw_sink_format *))
{
        size_t n = 0, k = 0;

        const struct tw_sink_format *f;

        for (size_t i = 0; (f = tw_sink_format_at(i)); i++)
                n += want(f);
        for (size_t i = 0; (f = tw_sink_format_at(i)); i++) {
                if (!want(f))
                        continue;
                k++;
                tw_buf_printf(b, "%s%s", k == 1 ? "" : k == n ? " or " : ", ", f->name);
        }
}

static bool any(const struct tw_sink_format *f)
{
        (void)f;
        return true;
}

static bool signs(const struct tw_sink_format *f)
{
        return f->signs;
}

static bool routes(const struct tw_sink_format *f)
{
        return f->routing_key;
}

/* Starts one "FILE:LINE: [webhook.NAME] KEY: " error line. */
static void error_at(struct tw_buf *err, const struct tw_config *cfg,
                     const struct tw_webhook_config *w, int line, const char *key)
{
        tw_buf_printf(err, "%s:%d: [webhook.%s] %s: ", cfg->path ? cfg->path : "<string>", line,
                      w->name, key);
}

static bool sends_stages(const struct tw_sink_format *f)
{
        return f->stages;
}

/* A sink's own expiry_notify_at on a format that sends no notices (PagerDuty
 * incidents and Alertmanager alerts follow the expiring finding) would be
 * silently ignored: an error.  [policy]'s default just does not apply there. */
static int check_stages(const struct tw_config *cfg, const struct tw_webhook_config *w,
                        const struct tw_sink_format *f, struct tw_buf *err)
{
        if (f->stages || !w->expiry_notify_at.set || !w->expiry_notify_at.stages.n)
                return 0;
        error_at(err, cfg, w, w->expiry_notify_at_line, "expiry_notify_at");
        tw_buf_adds(err, "staged expiry notices are only for format = ");
        list_formats(err, sends_stages);
        tw_buf_addc(err, '\n');
        return -EINVAL;
}

static int check_one(const struct tw_config *cfg, const struct tw_webhook_config *w,
                     struct tw_buf *err)
{
        const struct tw_sink_format *f = tw_sink_format_find(w->format);
        int r = 0;

        if (!f) {
                error_at(err, cfg, w, w->format_line, "format");
                tw_buf_adds(err, "expected ");
                list_formats(err, any);
                tw_buf_addc(err, '\n');
                return -EINVAL;
        }
        if (!w->url && !w->url_file && !f->default_url) {
                error_at(err, cfg, w, w->url_line, "url");
                tw_buf_adds(err, "exactly one of url and url_file is required\n");
                r = -EINVAL;
        }
        if ((w->secret || w->secret_file) && !f->signs) {
                error_at(err, cfg, w, w->secret_line, "secret");
                tw_buf_adds(err, "signing is only for format = ");
                list_formats(err, signs);
                tw_buf_addc(err, '\n');
                r = -EINVAL;
        }
        if (f->routing_key && !!w->routing_key == !!w->routing_key_file) {
                error_at(err, cfg, w, w->routing_key_line, "routing_key");
                tw_buf_printf(err,
                              "format = %s needs exactly one of routing_key and "
                              "routing_key_file\n",
                              f->name);
                r = -EINVAL;
        }
        if (check_stages(cfg, w, f, err) < 0)
                r = -EINVAL;
        if (!f->routing_key && (w->routing_key || w->routing_key_file)) {
                error_at(err, cfg, w, w->routing_key_line, "routing_key");
                tw_buf_adds(err, "only for format = ");
                list_formats(err, routes);
                tw_buf_addc(err, '\n');
                r = -EINVAL;
        }
        if (tw_notify_digest_check(cfg, w, f, err) < 0)
                r = -EINVAL;
        return r;
}

int tw_sink_config_check(const struct tw_config *cfg, struct tw_buf *err)
{
        int r = 0;

        for (size_t i = 0; i < cfg->n_webhooks; i++)
                if (check_one(cfg, &cfg->webhooks[i], err) < 0)
                        r = -EINVAL;
        return r;
}

static int dup_opt(char **dst, const char *src)
{
        *dst = src ? strdup(src) : NULL;
        return src && !*dst ? -ENOMEM : 0;
}

/* Copies src[n] into a new *dst, counting the copies made in *ret_n. */
static int copy_list(char ***dst, size_t *ret_n, char *const *src, size_t n)
{
        int r = 0;

        *ret_n = 0;
        if (!n)
                return 0;
        *dst = calloc(n, sizeof(char *));
        if (!*dst)
                return -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++) {
                r = dup_opt(&(*dst)[i], src[i] ? src[i] : "");
                if (r >= 0)
                        (*ret_n)++;
        }
        return r;
}

int tw_sink_config_copy(struct tw_sink_config *k, const struct tw_webhook_config *w)
{
        int r = 0;

        memset(k, 0, sizeof(*k));
        k->name = strdup(w->name ? w->name : "");
        k->format = tw_sink_format_find(w->format);
        k->filter.name = k->name;
        k->filter.min_severity = w->min_severity;
        k->filter.kinds = w->kinds;
        k->filter.repeat_interval = w->repeat_interval;
        /* alerts carry owner labels, fixed for an alert's life */
        k->filter.keep_owner = k->format && k->format->batch;
        k->timeout = w->timeout;
        k->max_retries = w->max_retries;
        k->queue_max = w->queue_max;
        if (!k->format)
                return -EINVAL;
        k->changes = w->changes;
        k->stages = w->expiry_notify_at.stages;
        k->filter.stages = k->format->stages && k->stages.n ? &k->stages : NULL;
        if (!k->name || dup_opt(&k->url, w->url) < 0 || dup_opt(&k->url_file, w->url_file) < 0 ||
            dup_opt(&k->secret, w->secret) < 0 || dup_opt(&k->secret_file, w->secret_file) < 0 ||
            dup_opt(&k->routing_key, w->routing_key) < 0 ||
            dup_opt(&k->routing_key_file, w->routing_key_file) < 0)
                return -ENOMEM;
        r = copy_list(&k->teams, &k->filter.n_teams, w->teams, w->n_teams);
        k->filter.teams = k->teams;
        if (r >= 0)
                r = copy_list(&k->match, &k->filter.n_match, w->match, w->n_match);
        k->filter.match = k->match;
        if (r < 0 || !w->n_workspaces)
                return r;
        k->ws = calloc(w->n_workspaces, sizeof(char *));
        if (!k->ws)
                return -ENOMEM;
        for (size_t i = 0; i < w->n_workspaces && r >= 0; i++) {
                r = dup_opt(&k->ws[i], w->workspaces[i] ? w->workspaces[i] : "");
                if (r >= 0)
                        k->filter.n_workspaces++;
        }
        k->filter.workspaces = k->ws;
        return r;
}

/* The secret inline or from its file; NULL (and 0) when neither is set. */
static int secret_of(const char *inline_value, const char *file, char **ret, struct tw_buf *err)
{
        *ret = NULL;
        if (inline_value) {
                *ret = strdup(inline_value);
                return *ret ? 0 : -ENOMEM;
        }
        if (!file)
                return 0;
        return tw_secret_read_file(file, ret, err);
}

void tw_sink_config_done(struct tw_sink_config *k)
{
        if (!k)
                return;
        for (size_t j = 0; j < k->filter.n_workspaces; j++)
                free(k->ws[j]);
        free(k->ws);
        for (size_t j = 0; j < k->filter.n_teams; j++)
                free(k->teams[j]);
        free(k->teams);
        for (size_t j = 0; j < k->filter.n_match; j++)
                free(k->match[j]);
        free(k->match);
        free(k->name);
        free(k->url_file);
        free(k->secret_file);
        free(k->routing_key_file);
        tw_secret_free(k->url);
        tw_secret_free(k->secret);
        tw_secret_free(k->routing_key);
        memset(k, 0, sizeof(*k));
}

/* The URLs a url_file holds get the checks a url line gets at load (http or
 * https, plain http only to loopback); the message names the file, never
 * its content (a webhook URL is a secret). */
static int check_file_urls(const char *urls, const char *file, struct tw_buf *err)
{
        char *copy = strdup(urls), *save = NULL, *tok;
        int r = copy ? 0 : -ENOMEM;

        for (tok = copy ? strtok_r(copy, ", \t", &save) : NULL; tok && r >= 0;
             tok = strtok_r(NULL, ", \t", &save)) {
                r = tw_url_check(tok);
                if (r == -EPERM)
                        tw_buf_printf(err, "url_file %s: plain http is allowed to loopback only\n",
                                      file);
                else if (r < 0 && r != -ENOMEM)
                        tw_buf_printf(err, "url_file %s: not an http(s) URL\n", file);
        }
        tw_secret_free(copy);
        return r < 0 ? (r == -ENOMEM ? r : -EINVAL) : 0;
}

int tw_sink_config_open(const struct tw_sink_config *k, const struct tw_sink_options *base,
                        struct tw_sink **ret, struct tw_buf *err)
{
        struct tw_sink_options o = *base;
        char *url = NULL, *secret = NULL, *rk = NULL;
        int r;

        r = secret_of(k->url, k->url_file, &url, err);
        if (r >= 0 && url && !k->url)
                r = check_file_urls(url, k->url_file, err);
        if (r >= 0)
                r = secret_of(k->secret, k->secret_file, &secret, err);
        if (r >= 0)
                r = secret_of(k->routing_key, k->routing_key_file, &rk, err);
        if (r >= 0 && !url && k->format->default_url && !(url = strdup(k->format->default_url)))
                r = -ENOMEM;
        if (r >= 0) {
                o.name = k->name;
                o.format = k->format;
                o.urls = url;
                o.secret = secret;
                o.routing_key = rk;
                o.timeout_ms = k->timeout * 1000;
                o.max_retries = k->max_retries;
                o.queue_max = k->queue_max;
                r = tw_sink_new(&o, ret, err);
        }
        tw_secret_free(url);
        tw_secret_free(secret);
        tw_secret_free(rk);
        return r;
}
