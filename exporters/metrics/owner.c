/* astro_token_owner_info: one series per token naming its owner. */
#include "exporters/metrics/metrics.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "core/config/config.h"
#include "core/inventory.h"
#include "core/owner.h"
#include "lib/buf.h"

#define FAMILY "astro_token_owner_info"

/* The owner's value for a configured label key ("" without one). */
static const char *label_value(const struct tw_owner *o, const char *key)
{
        if (strcasecmp(key, "contact") == 0)
                return o->contact;
        for (size_t i = 0; i < o->n_pairs; i++)
                if (strcasecmp(o->pairs[i].key, key) == 0)
                        return o->pairs[i].value;
        return "";
}

/* One sample line for token t. */
static int owner_sample(struct tw_buf *out, const struct tw_inventory *inv,
                        const struct tw_token *t, const struct tw_config *cfg,
                        const struct tw_owner_policy *policy)
{
        struct tw_metrics_label l[4 + TW_OWNER_KEYS_MAX];
        struct tw_owner o;
        size_t n = 0;
        int r = tw_owner_resolve(inv, t, policy, &o);

        if (r < 0)
                return r == -EINVAL ? 0 : r;
        l[n++] = (struct tw_metrics_label){"token_id", t->id};
        l[n++] = (struct tw_metrics_label){"organization", tw_token_organization_id(inv, t)};
        l[n++] = (struct tw_metrics_label){"team", o.team};
        l[n++] = (struct tw_metrics_label){"source", tw_owner_source_name(o.source)};
        for (size_t i = 0; cfg && i < cfg->owners.n_labels && n < sizeof(l) / sizeof(l[0]); i++) {
                const char *k = cfg->owners.labels[i];

                if (strcasecmp(k, "team") != 0)
                        l[n++] = (struct tw_metrics_label){k, label_value(&o, k)};
        }
        return tw_metrics_sample(out, FAMILY, l, n, 1);
}

int tw_metrics_owner_info(const struct tw_config *cfg, const struct tw_inventory *inv,
                          struct tw_buf *out, struct tw_metrics_out *mo)
{
        struct tw_owner_policy policy = {0};
        int r;

        if (cfg)
                tw_config_owner_policy(cfg, &policy);
        r = tw_metrics_family(out, FAMILY, "gauge",
                              "The owner of each Astro API token (team, and the source that "
                              "answered: description, rule, workspace, creator or none), value 1.");
        for (size_t i = 0; r >= 0 && inv && i < inv->n_tokens; i++) {
                r = owner_sample(out, inv, &inv->tokens[i], cfg, &policy);
                if (r >= 0 && mo && out->len >= TW_METRICS_FLUSH_BYTES)
                        r = tw_metrics_out_flush(mo);
        }
        return r;
}
