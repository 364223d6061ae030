#include "core/config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/readfile.h"
#include "lib/secret.h"
#include "core/config/config_internal.h"
#include "core/config/values.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
/* Lines up to 64 KiB: a list of 500 workspace ids is one line.  inih's
 * buffer is ini_max_line: 3 more for \r\n\0. */
#define LINE_MAX_CHARS 65536

static void policy_done(struct tw_policy *p)
{
        free(p->max_organization_role);
        free(p->max_deployment_role);
        free(p->max_workspace_role);
}

static void webhook_done(struct tw_webhook_config *w)
{
        free(w->name);
        free(w->url);
        free(w->url_file);
        free(w->format);
        tw_strv_free(w->workspaces, w->n_workspaces);
        tw_strv_free(w->teams, w->n_teams);
        tw_strv_free(w->match, w->n_match);
        free(w->secret_file);
        free(w->secret);
        free(w->routing_key);
        free(w->routing_key_file);
}

void tw_config_free(struct tw_config *cfg)
{
        if (!cfg)
                return;
        free(cfg->path);
        free(cfg->warnings);
        tw_astro_config_done(&cfg->astro);
        for (size_t i = 0; i < cfg->n_orgs; i++)
                tw_astro_config_done(&cfg->orgs[i]);
        free(cfg->orgs);
        free(cfg->agent.state_dir);
        free(cfg->agent.listen);
        policy_done(&cfg->policy);
        for (size_t i = 0; i < cfg->n_suppressions; i++) {
                free(cfg->suppressions[i].token_id);
                free(cfg->suppressions[i].reason);
        }
        free(cfg->suppressions);
        tw_strv_free(cfg->owners.keys, cfg->owners.n_keys);
        tw_strv_free(cfg->owners.labels, cfg->owners.n_labels);
        for (size_t i = 0; i < cfg->owners.n_rules; i++) {
                free((char *)cfg->owners.rules[i].name_glob);
                free((char *)cfg->owners.rules[i].workspace_id);
                free((char *)cfg->owners.rules[i].team);
                free((char *)cfg->owners.rules[i].contact);
        }
        free(cfg->owners.rules);
        free(cfg->owners.rule_lines);
        free(cfg->web.tls_cert_file);
        free(cfg->web.tls_key_file);
        free(cfg->web.client_ca_file);
        for (size_t i = 0; i < cfg->web.n_users; i++) {
                free(cfg->web.users[i].name);
                free(cfg->web.users[i].hash);
        }
        free(cfg->web.users);
        for (size_t i = 0; i < cfg->n_webhooks; i++)
                webhook_done(&cfg->webhooks[i]);
        free(cfg->webhooks);
        for (size_t i = 0; i < cfg->n_copies; i++)
                tw_copy_config_done(&cfg->copies[i]);
        free(cfg->copies);
        free(cfg->rotation.token_file);
        free(cfg->rotation.token_env);
        free(cfg);
}

void tw_config_owner_policy(const struct tw_config *cfg, struct tw_owner_policy *ret)
{
        *ret = (struct tw_owner_policy){
                .keys = (const char *const *)cfg->owners.keys,
                .n_keys = cfg->owners.n_keys,
                .rules = cfg->owners.rules,
                .n_rules = cfg->owners.n_rules,
        };
}

int tw_config_new_default(struct tw_config **ret_config)
{
        struct tw_config *cfg = calloc(1, sizeof(*cfg));
        int r;

        if (!cfg)
                return -ENOMEM;
        cfg->path = strdup("<defaults>");
        r = cfg->path ? tw_config_set_defaults(cfg) : -ENOMEM;
        if (r < 0) {
                tw_config_free(cfg);
                return r;
        }
        *ret_config = cfg;
        return 0;
}

/* A reader over an in-memory string that counts physical lines, so the
 * handler can name the line (Debian's inih is built without
 * INI_HANDLER_LINENO). */
static char *string_reader(char *str, int num, void *stream)
{
        struct tw_config_parser *p = stream;
        const char *s = p->cursor;
        int i = 0;

        if (!*s || num < 2)
                return NULL;
        if (p->at_line_start)
                p->lineno++;
        while (i < num - 1 && s[i]) {
                str[i] = s[i];
                if (s[i++] == '\n')
                        break;
        }
        str[i] = '\0';
        p->cursor = s + i;
        /* inih may read one long line in several chunks */
        p->at_line_start = i > 0 && str[i - 1] == '\n';
        return str;
}

/* Reports every line longer than LINE_MAX_CHARS. */
static int check_line_lengths(struct tw_config_parser *p, const char *text)
{
        int bad = 0;

        for (p->lineno = 1; *text; p->lineno++) {
                size_t n = strcspn(text, "\n");

                if (n > LINE_MAX_CHARS) {
                        tw_config_error(p, NULL, NULL, "line longer than %d characters",
                                        LINE_MAX_CHARS);
                        bad = -EINVAL;
                }
                text += n;
                text += *text == '\n';
        }
        return bad;
}

int tw_config_load_string(const char *text, const char *filename, struct tw_config **ret_config,
                          struct tw_buf *errors)
{
        struct tw_config_parser p = {0};
        int r;

        r = tw_config_new_default(&p.cfg);
        if (r < 0)
                return r;
        free(p.cfg->path);
        p.cfg->path = strdup(filename ? filename : "<string>");
        if (!p.cfg->path) {
                tw_config_free(p.cfg);
                return -ENOMEM;
        }
        p.filename = p.cfg->path;
        p.errors = errors;
        tw_buf_init(&p.warnings, 64 * 1024);
        p.cursor = text;
        p.at_line_start = true;

        /* Debian's inih exposes its build options as globals; they are
         * process-wide, so configs are parsed on one thread at a time. */
        ini_use_stack = false;
        ini_allow_realloc = true;
        ini_max_line = LINE_MAX_CHARS + 3;
        ini_initial_alloc = 1024;
        ini_allow_multiline = false;
        ini_stop_on_first_error = false;

        /* inih would split a line over its maximum into two silently. */
        if (check_line_lengths(&p, text) < 0)
                goto done;
        p.lineno = 0;
        r = ini_parse_stream(string_reader, &p, tw_config_handler, &p);
        if (r == -2)
                p.nomem = true;
        else if (r > 0) /* the handler never fails: r is a syntax error's line */
                tw_config_error_at(&p, r, NULL, NULL,
                                   "syntax error (expected [section] or key = value)");
        if (!p.nomem)
                tw_config_validate(&p);
done:
        free(p.webhook_seen);
        free(p.org_seen);
        if (!p.nomem && !p.n_errors && p.warnings.len) {
                p.cfg->warnings = tw_buf_steal(&p.warnings);
                p.nomem = !p.cfg->warnings;
        }
        tw_buf_done(&p.warnings);
        if (p.nomem) {
                tw_config_free(p.cfg);
                return -ENOMEM;
        }
        if (p.n_errors) {
                tw_config_free(p.cfg);
                return -EINVAL;
        }
        *ret_config = p.cfg;
        return 0;
}

/* A file that group or others can read (or write) must not hold a secret,
 * as [astro] token_file may not (lib/secret.c): one error per inline
 * [webhook.*] url, secret or routing_key.  0 or -EPERM. */
static int refuse_shared_secrets(const struct tw_config *cfg, const char *path,
                                 struct tw_buf *errors)
{
        int r = 0;

        for (size_t i = 0; i < cfg->n_webhooks; i++) {
                const struct tw_webhook_config *w = &cfg->webhooks[i];
                const struct {
                        const char *key;
                        const char *value;
                } inline_secrets[] = {
                        {"url", w->url},
                        {"secret", w->secret},
                        {"routing_key", w->routing_key},
                };

                for (size_t k = 0; k < sizeof(inline_secrets) / sizeof(inline_secrets[0]); k++) {
                        if (!inline_secrets[k].value)
                                continue;
                        tw_buf_printf(errors,
                                      "%s: [webhook.%s] %s: an inline secret in a file readable "
                                      "or writable by group or others; run chmod 600 on it, or "
                                      "use %s_file\n",
                                      path, w->name, inline_secrets[k].key, inline_secrets[k].key);
                        r = -EPERM;
                }
        }
        return r;
}

int tw_config_load_file(const char *path, struct tw_config **ret_config, struct tw_buf *errors)
{
        struct tw_config *cfg = NULL;
        struct stat st;
        char *text = NULL;
        size_t len = 0;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                tw_buf_printf(errors, "%s: cannot read: %s\n", path, strerror(-r));
                return r;
        }
        if (fstat(fd, &st) < 0)
                st.st_mode = 0777; /* unknown: treat as shared */
        /* it may hold inline secrets */
        r = tw_read_fd(fd, CONFIG_MAX_BYTES, TW_READ_SECRET, &text, &len);
        close(fd);
        if (r < 0) {
                tw_buf_printf(errors, "%s: cannot read: %s\n", path,
                              r == -E2BIG ? "larger than 1 MiB" : strerror(-r));
                return r;
        }
        if (len != strlen(text)) {
                tw_buf_printf(errors, "%s: contains NUL bytes\n", path);
                r = -EINVAL;
        } else {
                r = tw_config_load_string(text, path, &cfg, errors);
        }
        tw_wipe(text, len);
        free(text);
        if (r == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
                r = refuse_shared_secrets(cfg, path, errors);
        if (r < 0) {
                tw_config_free(cfg);
                return r;
        }
        *ret_config = cfg;
        return 0;
}

char *tw_config_api_base(const struct tw_config *cfg, const char *resource)
{
        return tw_astro_api_base(&cfg->astro, resource);
}

char *tw_astro_api_base(const struct tw_astro_config *a, const char *resource)
{
        struct tw_buf b;
        const char *family;

        tw_buf_init(&b, 4096);
        if (strcmp(a->api_version, "v1beta1") == 0) {
                family = (strcmp(resource, "tokens") == 0 || strcmp(resource, "users") == 0)
                                 ? "iam"
                                 : "platform";
                if (tw_buf_printf(&b, "%s/%s/v1beta1", a->api_url, family) < 0)
                        goto fail;
        } else if (tw_buf_printf(&b, "%s/v1", a->api_url) < 0) {
                goto fail;
        }
        return tw_buf_steal(&b);
fail:
        tw_buf_done(&b);
        return NULL;
}

int64_t tw_config_cycle_timeout(const struct tw_config *cfg)
{
        int64_t half = cfg->agent.interval / 2;

        if (cfg->agent.cycle_timeout > 0)
                return cfg->agent.cycle_timeout;
        return half > 60 ? half : 60;
}
