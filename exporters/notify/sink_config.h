#ifndef TW_EXPORTERS_NOTIFY_SINK_CONFIG_H
#define TW_EXPORTERS_NOTIFY_SINK_CONFIG_H

/*
 * A [webhook.NAME] as the notifier keeps it: a copy of its settings (so the
 * config may be freed or reloaded while sinks run), the checks that depend
 * on its format, and opening a sink from it (reading its secret files).
 * Not thread-safe: one owner.
 */

#include <stddef.h>
#include <stdint.h>

#include "core/notify/state.h"
#include "core/notify/stages.h"

struct tw_buf;
struct tw_config;
struct tw_sink;
struct tw_sink_format;
struct tw_sink_options;
struct tw_webhook_config;

struct tw_sink_config {
        char *name;
        const struct tw_sink_format *format;
        struct tw_notify_filter filter; /* filter.name is name, filter.workspaces is ws */
        char **ws;
        char **teams, **match; /* filter.teams and filter.match (filter.owners: per cycle) */
        /* where the secrets come from (inline ones are wiped when done) */
        char *url, *url_file, *secret, *secret_file, *routing_key, *routing_key_file;
        int64_t timeout; /* seconds */
        int max_retries;
        size_t queue_max;
        unsigned changes;        /* token change kinds pushed (core/notify/change.h) */
        struct tw_stages stages; /* expiry_notify_at; filter.stages points here */
};

/*
 * Checks every [webhook.NAME]'s format and the keys that depend on it (url,
 * secret, routing_key), appending one "FILE:LINE: [webhook.NAME] KEY:
 * reason" line per problem to err.  Used by check-config and the notifier.
 * 0 or -EINVAL.
 */
int tw_sink_config_check(const struct tw_config *cfg, struct tw_buf *err);

/* Copies w (whose format must be known: see tw_sink_config_check()) into
 * *c.  -EINVAL (unknown format), -ENOMEM; *c is then partly filled: call
 * tw_sink_config_done() anyway. */
int tw_sink_config_copy(struct tw_sink_config *c, const struct tw_webhook_config *w);
/* Frees what *c holds (secrets wiped).  NULL-safe. */
void tw_sink_config_done(struct tw_sink_config *c);

/*
 * Reads c's secrets (inline, or from their files now) and creates a stopped
 * sink with them and base's callbacks and backoff.  On failure one line in
 * err says why (never a secret): -ENOENT/-EPERM/... (a secret file),
 * -EINVAL (a URL), -ENOMEM.
 */
int tw_sink_config_open(const struct tw_sink_config *c, const struct tw_sink_options *base,
                        struct tw_sink **ret, struct tw_buf *err);

#endif
