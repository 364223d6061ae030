/* check-config: every [webhook.NAME]'s format keys and secret files, and
 * with --online whether each URL's host can be reached (no message sent). */
#include "agent/cmd/check_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/config/config.h"
#include "exporters/notify/sink_config.h"
#include "exporters/sinks/sinks.h"
#include "lib/http/probe.h"
#include "lib/secret.h"
#include "lib/url.h"

#define SEPARATORS ", \t"

/* One webhook's check: where its URLs come from. */
struct hook {
        const struct tw_webhook_config *w;
        char section[80];
        const char *url_key; /* "url", "url_file", or NULL: the format's own URL */
        int url_line;
        char *urls; /* a secret: wiped; NULL when they could not be read */
};

/* Reads a secret file that passed tw_check_secret_file(); NULL after
 * appending why it cannot be read. */
static char *read_secret(struct tw_check *c, int line, const char *section, const char *key,
                         const char *path)
{
        struct tw_buf err;
        char *secret = NULL;
        int r;

        tw_buf_init(&err, 1024);
        tw_check_as_reader(c);
        r = tw_secret_read_file(path, &secret, &err);
        tw_check_as_root(c);
        if (r < 0)
                tw_check_problem(c, line, section, key, "%s", err.ptr ? err.ptr : path);
        tw_buf_done(&err);
        return secret;
}

/* Checks a url_file's URLs as a url line is checked at load. */
static void check_file_urls(struct tw_check *c, const struct hook *h)
{
        char *copy = strdup(h->urls), *save = NULL;
        int r;

        for (char *u = copy ? strtok_r(copy, SEPARATORS, &save) : NULL; u;
             u = strtok_r(NULL, SEPARATORS, &save)) {
                r = tw_url_check(u);
                if (r == -EPERM)
                        tw_check_problem(c, h->url_line, h->section, h->url_key,
                                         "%s holds a plain http URL to a host that is not "
                                         "loopback: use https",
                                         h->w->url_file);
                else if (r < 0)
                        tw_check_problem(c, h->url_line, h->section, h->url_key,
                                         "%s holds something that is not an http(s) URL",
                                         h->w->url_file);
        }
        tw_secret_free(copy);
}

/* The secret files of h, offline; h->urls is read when it can be. */
static void check_files(struct tw_check *c, struct hook *h)
{
        const struct tw_webhook_config *w = h->w;
        const struct {
                const char *key, *path, *what;
                int line;
        } files[] = {
                {"secret_file", w->secret_file, "the signing secret", w->secret_file_line},
                {"routing_key_file", w->routing_key_file, "the routing key",
                 w->routing_key_file_line},
        };
        char *secret;

        if (w->url_file &&
            tw_check_secret_file(c, h->url_line, h->section, "url_file", w->url_file,
                                 "the webhook URL") &&
            (h->urls = read_secret(c, h->url_line, h->section, "url_file", w->url_file)))
                check_file_urls(c, h);
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                if (!files[i].path ||
                    !tw_check_secret_file(c, files[i].line, h->section, files[i].key, files[i].path,
                                          files[i].what))
                        continue;
                secret = read_secret(c, files[i].line, h->section, files[i].key, files[i].path);
                tw_secret_free(secret);
        }
}

/* Connects to one URL's host: a note, or a problem naming the host only. */
static void probe_url(struct tw_check *c, const struct hook *h, const char *url)
{
        struct tw_http_result res;
        char text[CURL_ERROR_SIZE], *host = NULL;
        bool https = strncmp(url, "https:", 6) == 0;

        if (tw_url_host(url, &host) < 0)
                return; /* the offline check named it */
        tw_http_probe(url, c->timeout_ms, &res, text, sizeof(text));
        if (res.error == 0) {
                c->n_hosts_reachable++;
                tw_check_note(c, "[%s] %s: resolves, %s", h->section, host,
                              https ? "TLS handshake done, certificate verified (nothing sent)"
                                    : "accepts connections (plain http, nothing sent)");
        } else if (res.error == -EHOSTUNREACH) {
                tw_check_problem(c, h->url_line, h->section, h->url_key,
                                 "the host %s does not resolve: check the URL and this "
                                 "machine's DNS",
                                 host);
        } else if (res.error == -ECONNREFUSED) {
                tw_check_problem(c, h->url_line, h->section, h->url_key,
                                 "the host %s refuses connections: check the URL's port, and "
                                 "any firewall or proxy",
                                 host);
        } else {
                tw_check_problem(c, h->url_line, h->section, h->url_key, "the host %s: %s%s%s",
                                 host, res.error_text ? res.error_text : strerror(-res.error),
                                 res.hint ? ": " : "", res.hint ? res.hint : "");
        }
        free(host);
}

/* Every URL h delivers to: url, url_file's, or the format's own. */
static void probe_hook(struct tw_check *c, const struct hook *h)
{
        const struct tw_sink_format *f = tw_sink_format_find(h->w->format);
        const char *urls = h->w->url             ? h->w->url
                           : h->w->url_file      ? h->urls
                           : f && f->default_url ? f->default_url
                                                 : NULL;
        char *copy = urls ? strdup(urls) : NULL, *save = NULL;

        for (char *u = copy ? strtok_r(copy, SEPARATORS, &save) : NULL; u;
             u = strtok_r(NULL, SEPARATORS, &save))
                probe_url(c, h, u);
        tw_secret_free(copy);
}

void tw_check_webhooks(struct tw_check *c, const struct tw_config *cfg, bool online)
{
        struct tw_buf err;

        tw_buf_init(&err, 1 << 20);
        if (tw_sink_config_check(cfg, &err) < 0)
                tw_check_problem_lines(c, err.ptr);
        tw_buf_done(&err);
        for (size_t i = 0; i < cfg->n_webhooks; i++) {
                struct hook h = {.w = &cfg->webhooks[i]};

                snprintf(h.section, sizeof(h.section), "webhook.%s", h.w->name);
                /* neither url nor url_file: the format's own URL, named by
                 * the section */
                h.url_key = h.w->url_file ? "url_file" : h.w->url ? "url" : NULL;
                h.url_line = h.w->url_file ? h.w->url_file_line : h.w->url_line;
                check_files(c, &h);
                if (online)
                        probe_hook(c, &h);
                tw_secret_free(h.urls);
        }
}
