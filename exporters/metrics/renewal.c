/* The renewal families (exporters/metrics/renewal.h). */
#include "exporters/metrics/renewal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "core/copies.h"
#include "core/inventory.h"
#include "core/rotation/rotation.h"
#include "core/snapshot.h"
#include "exporters/metrics/metrics.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

/* When each token with a copy will be renewed. */
static int renewal_times(const struct tw_config *cfg, const struct tw_inventory *inv, int64_t now,
                         struct tw_buf *out)
{
        bool *seen = calloc(inv->n_tokens ? inv->n_tokens : 1, sizeof(*seen));
        int r = seen ? 0 : -ENOMEM;

        for (size_t i = 0; r == 0 && i < cfg->n_copies; i++) {
                const struct tw_token *t;
                struct tw_buf why;
                size_t k;
                int64_t at;

                tw_buf_init(&why, 1024);
                if (tw_copy_resolve(inv, &cfg->copies[i], &k, &why) < 0 || seen[k]) {
                        tw_buf_done(&why);
                        continue;
                }
                tw_buf_done(&why);
                seen[k] = true;
                t = &inv->tokens[k];
                at = tw_rotation_renew_at(t, &cfg->rotation.before, now);
                if (at == TW_NO_TIME)
                        continue;
                r = tw_metrics_sample(out, "astro_token_renewal_timestamp_seconds",
                                      (const struct tw_metrics_label[]){
                                              {"token_id", t->id},
                                              {"organization", tw_token_organization_id(inv, t)}},
                                      2, (double)at);
        }
        free(seen);
        return r;
}

int tw_metrics_renewal(const struct tw_snapshot *snap, const struct tw_renewal_stats *st,
                       struct tw_buf *out)
{
        const struct tw_config *cfg = snap ? snap->cfg : NULL;
        const struct tw_inventory *inv = snap ? snap->inv : NULL;
        int r;

        r = tw_metrics_family(out, "astro_token_renewal_timestamp_seconds", "gauge",
                              "When tokenwatch will renew the token (endAt minus [rotation] "
                              "before), for tokens with a [deliver.NAME] copy while [rotation] "
                              "enabled = true.");
        if (r == 0 && cfg && inv && cfg->rotation.enabled)
                r = renewal_times(cfg, inv, inv->collected_at, out);
        if (r == 0)
                r = tw_metrics_family(out, "tokenwatch_renewals_total", "counter",
                                      "Renewals verified (success) and renewal attempts that "
                                      "failed (failure) since the agent started.");
        if (r == 0)
                r = tw_metrics_sample(out, "tokenwatch_renewals_total",
                                      (const struct tw_metrics_label[]){{"result", "success"}}, 1,
                                      st ? (double)st->success : 0);
        if (r == 0)
                r = tw_metrics_sample(out, "tokenwatch_renewals_total",
                                      (const struct tw_metrics_label[]){{"result", "failure"}}, 1,
                                      st ? (double)st->failure : 0);
        if (r == 0)
                r = tw_metrics_family(out, "tokenwatch_renewal_next_attempt_timestamp_seconds",
                                      "gauge",
                                      "The next attempt of a renewal that failed, or whose old "
                                      "token's deletion is held because it is still used.");
        for (size_t i = 0; r == 0 && st && i < st->n_retries; i++)
                r = tw_metrics_sample(
                        out, "tokenwatch_renewal_next_attempt_timestamp_seconds",
                        (const struct tw_metrics_label[]){{"token_id", st->retries[i].token_id}}, 1,
                        (double)st->retries[i].at);
        return r;
}
