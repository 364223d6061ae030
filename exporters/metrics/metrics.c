#include "exporters/metrics/metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/status.h"
#include "lib/timeutil.h"
#include "lib/http/http.h"

/* The page being written; the first error sticks and later writes do nothing.
 * With mo, out is mo->text and is compressed whenever it grows past
 * TW_METRICS_FLUSH_BYTES. */
struct page {
        struct tw_buf *out;
        struct tw_metrics_out *mo;
        int err;
};

#define LABELS(...)                                                      \
        (const struct tw_metrics_label[]){__VA_ARGS__},                  \
                sizeof((const struct tw_metrics_label[]){__VA_ARGS__}) / \
                        sizeof(struct tw_metrics_label)

/* Called after each line or family header: hands full text to deflate. */
static void maybe_flush(struct page *p)
{
        if (!p->err && p->mo && p->out->len >= TW_METRICS_FLUSH_BYTES)
                p->err = tw_metrics_out_flush(p->mo);
}

/* Writes the HELP and TYPE lines of a family. */
static void family(struct page *p, const char *name, const char *type, const char *help)
{
        if (!p->err)
                p->err = tw_metrics_family(p->out, name, type, help);
        maybe_flush(p);
}

/* Writes one sample line: name{labels} value. */
static void sample(struct page *p, const char *name, const struct tw_metrics_label *labels,
                   size_t n, double v)
{
        if (!p->err)
                p->err = tw_metrics_sample(p->out, name, labels, n, v);
        maybe_flush(p);
}

/* Every per-token series carries its token's organization:
 * {"token_id", t->id}, ORG_LABEL(inv, t) names a token. */
#define ORG_LABEL(inv, t)                                            \
        {                                                            \
                "organization", tw_token_organization_id((inv), (t)) \
        }

static void sample0(struct page *p, const char *name, double v)
{
        sample(p, name, NULL, 0, v);
}

static void token_info(struct page *p, const struct tw_inventory *inv, bool names)
{
        family(p, "astro_token_info", "gauge",
               "Astro API token inventory: one series per token, value 1.");
        for (size_t i = 0; i < inv->n_tokens; i++) {
                const struct tw_token *t = &inv->tokens[i];
                const char *creator = t->created_by ? t->created_by->id : "";
                const char *org = tw_token_organization_id(inv, t);

                if (names)
                        sample(p, "astro_token_info",
                               LABELS({"token_id", t->id}, ORG_LABEL(inv, t),
                                      {"token_name", t->name}, {"token_scope", t->scope},
                                      {"token_kind", t->kind}, {"creator_id", creator},
                                      {"organization_id", org},
                                      {"organization_name", tw_token_organization_name(inv, t)},
                                      {"creator_name", tw_subject_name(t->created_by)}),
                               1);
                else
                        sample(p, "astro_token_info",
                               LABELS({"token_id", t->id}, ORG_LABEL(inv, t),
                                      {"token_name", t->name}, {"token_scope", t->scope},
                                      {"token_kind", t->kind}, {"creator_id", creator},
                                      {"organization_id", org},
                                      {"organization_name", tw_token_organization_name(inv, t)}),
                               1);
        }
}

static void token_roles(struct page *p, const struct tw_inventory *inv)
{
        family(p, "astro_token_role_info", "gauge",
               "Roles granted to each Astro API token, value 1.");
        for (size_t i = 0; i < inv->n_tokens; i++) {
                const struct tw_token *t = &inv->tokens[i];

                for (size_t j = 0; j < t->n_roles; j++) {
                        const struct tw_role *role = &t->roles[j];

                        sample(p, "astro_token_role_info",
                               LABELS({"token_id", t->id}, ORG_LABEL(inv, t),
                                      {"entity_type", role->entity_type},
                                      {"entity_id", role->entity_id},
                                      {"entity_name", tw_inventory_entity_name(inv, role)},
                                      {"role", role->role}),
                               1);
                }
        }
}

enum token_time { EXPIRY, CREATED, LAST_USED };

static void token_times(struct page *p, const struct tw_inventory *inv, enum token_time which,
                        const char *name, const char *help)
{
        family(p, name, "gauge", help);
        for (size_t i = 0; i < inv->n_tokens; i++) {
                const struct tw_token *t = &inv->tokens[i];
                int64_t v = which == EXPIRY    ? t->end_at
                            : which == CREATED ? t->created_at
                                               : t->last_used_at;

                if (v != TW_NO_TIME)
                        sample(p, name, LABELS({"token_id", t->id}, ORG_LABEL(inv, t)), (double)v);
        }
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* astro_tokens{token_scope}: the three documented scopes always, others as seen. */
static void token_counts(struct page *p, const struct tw_inventory *inv)
{
        static const char *const known[] = {"DEPLOYMENT", "ORGANIZATION", "WORKSPACE"};
        const char **scopes = NULL;
        size_t n = 0;

        family(p, "astro_tokens", "gauge", "Number of Astro API tokens by scope.");
        scopes = malloc((inv->n_tokens + 3) * sizeof(*scopes));
        if (!scopes) {
                p->err = p->err ? p->err : -ENOMEM;
                return;
        }
        for (size_t i = 0; i < 3; i++)
                scopes[n++] = known[i];
        for (size_t i = 0; i < inv->n_tokens; i++)
                scopes[n++] = inv->tokens[i].scope ? inv->tokens[i].scope : "";
        qsort(scopes, n, sizeof(*scopes), cmp_str);
        for (size_t i = 0; i < n;) {
                size_t j = i;
                bool is_known = false;

                while (j < n && strcmp(scopes[j], scopes[i]) == 0)
                        j++;
                for (size_t k = 0; k < 3; k++)
                        is_known |= strcmp(scopes[i], known[k]) == 0;
                /* Runs of a known scope include its seed entry. */
                sample(p, "astro_tokens", LABELS({"token_scope", scopes[i]}),
                       (double)(j - i - (is_known ? 1 : 0)));
                i = j;
        }
        free(scopes);
}

static void findings(struct page *p, const struct tw_inventory *inv, const struct tw_evaluation *ev)
{
        family(p, "astro_token_finding", "gauge",
               "Active (unsuppressed) finding on an Astro API token, value 1.");
        for (size_t i = 0; ev && i < ev->n_findings; i++) {
                const struct tw_finding *f = &ev->findings[i];

                if (f->suppressed || f->severity == TW_SEVERITY_NONE || f->token >= inv->n_tokens)
                        continue;
                sample(p, "astro_token_finding",
                       LABELS({"token_id", inv->tokens[f->token].id},
                              ORG_LABEL(inv, &inv->tokens[f->token]),
                              {"finding", tw_finding_kind_to_string(f->kind)},
                              {"severity", tw_severity_to_string(f->severity)}),
                       1);
        }
        family(p, "astro_token_findings", "gauge",
               "Number of active findings by kind and severity.");
        for (int k = 0; ev && k < _TW_FINDING_KIND_MAX; k++)
                for (int s = TW_SEVERITY_WARNING; s < _TW_SEVERITY_MAX; s++)
                        sample(p, "astro_token_findings",
                               LABELS({"finding",
                                       tw_finding_kind_to_string((enum tw_finding_kind)k)},
                                      {"severity", tw_severity_to_string((enum tw_severity)s)}),
                               (double)ev->active[k][s]);
}

static void api_stats(struct page *p, const struct tw_http_stats *h)
{
        char code[24];

        family(p, "tokenwatch_api_requests_total", "counter",
               "Astro API responses received since start, by endpoint and HTTP status (0: no "
               "response).");
        for (size_t i = 0; h && i < h->n_endpoints && i < TW_HTTP_MAX_ENDPOINTS; i++)
                for (size_t j = 0; j < h->endpoints[i].n_codes && j < TW_HTTP_MAX_CODES; j++) {
                        snprintf(code, sizeof(code), "%ld", h->endpoints[i].codes[j].code);
                        sample(p, "tokenwatch_api_requests_total",
                               LABELS({"endpoint", h->endpoints[i].endpoint}, {"code", code}),
                               (double)h->endpoints[i].codes[j].count);
                }
        family(p, "tokenwatch_api_retries_total", "counter",
               "Astro API requests retried since start, by reason.");
        for (int r = 0; r < _TW_RETRY_REASON_MAX; r++)
                sample(p, "tokenwatch_api_retries_total",
                       LABELS({"reason", tw_retry_reason_to_string((enum tw_retry_reason)r)}),
                       h ? (double)h->retries[r] : 0);
}

enum org_family { COLLECTION, LISTING, LAST_SUCCESS, CREDENTIAL };

/* One organization's health series: each organization fails alone. */
static void org_health(struct page *p, const struct tw_agent_status *st, enum org_family which)
{
        for (size_t i = 0; i < st->n_orgs; i++) {
                const struct tw_org_status *o = &st->orgs[i];

                switch (which) {
                case COLLECTION:
                        sample(p, "tokenwatch_collection_success",
                               LABELS({"organization", o->organization}),
                               o->collected && o->collection_success);
                        break;
                case LISTING:
                        for (int k = 0; o->collected && k < _TW_LISTING_KIND_MAX; k++)
                                sample(p, "tokenwatch_listing_success",
                                       LABELS({"organization", o->organization},
                                              {"listing",
                                               tw_listing_kind_to_string((enum tw_listing_kind)k)}),
                                       o->listing_success[k]);
                        break;
                case LAST_SUCCESS:
                        if (o->last_success != TW_NO_TIME)
                                sample(p, "tokenwatch_last_success_timestamp_seconds",
                                       LABELS({"organization", o->organization}),
                                       (double)o->last_success);
                        break;
                case CREDENTIAL:
                        if (o->credential_expiry != TW_NO_TIME)
                                sample(p, "tokenwatch_credential_expiry_timestamp_seconds",
                                       LABELS({"organization", o->organization}),
                                       (double)o->credential_expiry);
                        break;
                }
        }
}

static void self_metrics(struct page *p, const struct tw_agent_status *st)
{
        family(p, "tokenwatch_build_info", "gauge", "tokenwatch build, value 1.");
        sample(p, "tokenwatch_build_info",
               LABELS({"version", st->version ? st->version : "unknown"}), 1);
        family(p, "tokenwatch_collection_success", "gauge",
               "Whether the last collection listed everything (1) or not (0); on 0 the token "
               "series are the last good data.");
        if (st->n_orgs)
                org_health(p, st, COLLECTION);
        else
                sample0(p, "tokenwatch_collection_success",
                        st->collected && st->collection_success);
        family(p, "tokenwatch_listing_success", "gauge",
               "Whether every listing of this kind succeeded in the last collection.");
        if (st->n_orgs)
                org_health(p, st, LISTING);
        for (int k = 0; !st->n_orgs && st->collected && k < _TW_LISTING_KIND_MAX; k++)
                sample(p, "tokenwatch_listing_success",
                       LABELS({"listing", tw_listing_kind_to_string((enum tw_listing_kind)k)}),
                       st->listing_success[k]);
        family(p, "tokenwatch_last_success_timestamp_seconds", "gauge",
               "Unix time of the last successful collection.");
        if (st->n_orgs)
                org_health(p, st, LAST_SUCCESS);
        else if (st->last_success != TW_NO_TIME)
                sample0(p, "tokenwatch_last_success_timestamp_seconds", (double)st->last_success);
        family(p, "tokenwatch_collection_duration_seconds", "gauge",
               "Seconds the last collection took.");
        if (st->collected)
                sample0(p, "tokenwatch_collection_duration_seconds", st->collection_duration);
        family(p, "tokenwatch_cycles_total", "counter",
               "Collection cycles finished since the agent started, good or failed.");
        sample0(p, "tokenwatch_cycles_total", (double)st->cycles);
        api_stats(p, st->http);
        family(p, "tokenwatch_credential_expiry_timestamp_seconds", "gauge",
               "Unix time the agent's own Astro API credential expires (absent: never or "
               "unknown).");
        if (st->n_orgs)
                org_health(p, st, CREDENTIAL);
        else if (st->credential_expiry != TW_NO_TIME)
                sample0(p, "tokenwatch_credential_expiry_timestamp_seconds",
                        (double)st->credential_expiry);
        family(p, "tokenwatch_config_last_reload_success", "gauge",
               "Whether the last configuration (re)load succeeded.");
        sample0(p, "tokenwatch_config_last_reload_success", st->config_reload_success);
        family(p, "tokenwatch_config_last_reload_timestamp_seconds", "gauge",
               "Unix time of the last configuration (re)load attempt.");
        if (st->config_reload_time != TW_NO_TIME)
                sample0(p, "tokenwatch_config_last_reload_timestamp_seconds",
                        (double)st->config_reload_time);
}

/* The whole page into p. */
static int render(struct page *p, const struct tw_snapshot *snap, const struct tw_agent_status *st)
{
        static const struct tw_inventory empty;
        const struct tw_inventory *inv = snap && snap->inv ? snap->inv : &empty;
        const struct tw_evaluation *ev = snap && snap->inv ? snap->ev : NULL;
        bool names = snap && snap->cfg && snap->cfg->agent.metrics_creator_names;
        struct tw_agent_status none;

        if (!st) {
                tw_agent_status_init(&none, TW_VERSION);
                st = &none;
        }
        token_info(p, inv, names);
        if (!p->err)
                p->err = tw_metrics_owner_info(snap ? snap->cfg : NULL, inv, p->out, p->mo);
        token_roles(p, inv);
        token_times(p, inv, EXPIRY, "astro_token_expiry_timestamp_seconds",
                    "Unix time an Astro API token expires; only tokens that expire, kept after "
                    "expiry.");
        token_times(p, inv, CREATED, "astro_token_created_timestamp_seconds",
                    "Unix time an Astro API token was created.");
        token_times(p, inv, LAST_USED, "astro_token_last_used_timestamp_seconds",
                    "Unix time an Astro API token was last used; only tokens that were used.");
        if (snap && snap->inv)
                token_counts(p, inv);
        else
                family(p, "astro_tokens", "gauge", "Number of Astro API tokens by scope.");
        findings(p, inv, ev);
        self_metrics(p, st);
        return p->err;
}

int tw_metrics_render(const struct tw_snapshot *snap, const struct tw_agent_status *st,
                      struct tw_buf *out)
{
        struct page p = {.out = out, .mo = NULL, .err = 0};

        return render(&p, snap, st);
}

int tw_metrics_render_out(const struct tw_snapshot *snap, const struct tw_agent_status *st,
                          struct tw_metrics_out *o)
{
        struct page p = {.out = &o->text, .mo = o, .err = o->err};

        render(&p, snap, st);
        if (p.err && !o->err)
                o->err = p.err;
        return p.err;
}
