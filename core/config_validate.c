/* Checks that span several keys, run once the whole file is parsed. */
#include "core/config_parse.h"

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

static void check_webhook(struct tw_config_parser *p, const struct tw_webhook_config *w, long i)
{
        char section[80];

        snprintf(section, sizeof(section), "webhook.%s", w->name);
        if (!!w->url == !!w->url_file && !(w->format == TW_WEBHOOK_PAGERDUTY && !w->url_file))
                tw_config_error_at(p, tw_config_key_line(p, section, "url", i), section, "url",
                                   "exactly one of url and url_file is required");
        if (w->secret && w->secret_file)
                tw_config_error_at(p, tw_config_key_line(p, section, "secret", i), section,
                                   "secret", "give secret or secret_file, not both");
        if ((w->secret || w->secret_file) && w->format != TW_WEBHOOK_GENERIC)
                tw_config_error_at(p, tw_config_key_line(p, section, "secret", i), section,
                                   "secret", "signing is only for format = generic");
        if (w->format == TW_WEBHOOK_PAGERDUTY && !!w->routing_key == !!w->routing_key_file)
                tw_config_error_at(p, tw_config_key_line(p, section, "routing_key", i), section,
                                   "routing_key",
                                   "format = pagerduty needs exactly one of routing_key and "
                                   "routing_key_file");
        if (w->format != TW_WEBHOOK_PAGERDUTY && (w->routing_key || w->routing_key_file))
                tw_config_error_at(p, tw_config_key_line(p, section, "routing_key", i), section,
                                   "routing_key", "only for format = pagerduty");
}

void tw_config_validate(struct tw_config_parser *p)
{
        const struct tw_config *cfg = p->cfg;

        check_thresholds(p);
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
}
