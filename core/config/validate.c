/* Checks that span several keys, run once the whole file is parsed. */
#include "core/config/config_internal.h"

#include <stdio.h>
#include <string.h>

#include "lib/buf.h"

static void check_thresholds(struct tw_config_parser *p)
{
        const struct tw_threshold *c = &p->cfg->policy.expiry_critical;
        const struct tw_threshold *w = &p->cfg->policy.expiry_warning;

        if (c->off || w->off || c->percent != w->percent)
                return;
        if (c->percent ? w->percentage < c->percentage : w->seconds < c->seconds)
                tw_config_error_at(p, tw_config_key_line(p, "policy", "expiry_warning", -1),
                                   "policy", "expiry_warning",
                                   "must not be shorter than expiry_critical");
}

/* The checks that do not depend on the format (exporters/sinks/sinks.h does
 * the rest); records the lines it needs to name. */
static void check_webhook(struct tw_config_parser *p, struct tw_webhook_config *w, long i)
{
        char section[80];

        snprintf(section, sizeof(section), "webhook.%s", w->name);
        w->format_line = tw_config_key_line(p, section, "format", i);
        w->url_line = tw_config_key_line(p, section, "url", i);
        w->secret_line = tw_config_key_line(p, section, "secret", i);
        w->routing_key_line = tw_config_key_line(p, section, "routing_key", i);
        w->url_file_line = tw_config_key_line(p, section, "url_file", i);
        w->secret_file_line = tw_config_key_line(p, section, "secret_file", i);
        w->routing_key_file_line = tw_config_key_line(p, section, "routing_key_file", i);
        w->digest_line = tw_config_key_line(p, section, "digest", i);
        w->events_line = tw_config_key_line(p, section, "events", i);
        if (!w->events && !w->digest.on)
                tw_config_error_at(p, w->events_line, section, "events",
                                   "off needs a digest (the sink would receive nothing)");
        if (w->url && w->url_file)
                tw_config_error_at(p, w->url_line, section, "url",
                                   "exactly one of url and url_file is required");
        if (w->secret && w->secret_file)
                tw_config_error_at(p, w->secret_line, section, "secret",
                                   "give secret or secret_file, not both");
        /* a sink without its own expiry_notify_at takes [policy]'s, wherever
         * in the file that is */
        w->expiry_notify_at_line = tw_config_key_line(p, section, "expiry_notify_at", i);
        if (!w->expiry_notify_at.set)
                w->expiry_notify_at.stages = p->cfg->policy.expiry_notify_at.stages;
}

/* [rotation]: one credential source, and the lines that name it. */
static void check_rotation(struct tw_config_parser *p)
{
        struct tw_rotation_config *r = &p->cfg->rotation;

        r->token_file_line = tw_config_key_line(p, "rotation", "token_file", -1);
        r->token_env_line = tw_config_key_line(p, "rotation", "token_env", -1);
        if (r->token_file && r->token_env)
                tw_config_error_at(p, r->token_env_line, "rotation", "token_env",
                                   "give token_file or token_env, not both");
}

void tw_config_validate(struct tw_config_parser *p)
{
        struct tw_config *cfg = p->cfg;

        check_thresholds(p);
        tw_config_validate_orgs(p);
        if (!!cfg->web.tls_cert_file != !!cfg->web.tls_key_file)
                tw_config_error_at(p,
                                   tw_config_key_line(p, "web",
                                                      cfg->web.tls_cert_file ? "tls_cert_file"
                                                                             : "tls_key_file",
                                                      -1),
                                   "web", cfg->web.tls_cert_file ? "tls_key_file" : "tls_cert_file",
                                   "tls_cert_file and tls_key_file go together");
        if (cfg->web.client_ca_file && !cfg->web.tls_cert_file)
                tw_config_error_at(p, tw_config_key_line(p, "web", "client_ca_file", -1), "web",
                                   "client_ca_file",
                                   "mutual TLS needs tls_cert_file and tls_key_file");
        for (size_t i = 0; i < cfg->n_webhooks; i++)
                check_webhook(p, &cfg->webhooks[i], (long)i);
        tw_config_validate_owners(p);
        tw_config_validate_copies(p);
        check_rotation(p);
}
