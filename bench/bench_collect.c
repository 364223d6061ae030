/*
 * Collection benchmark: runs one collection against a running tw-astrosim and
 * prints requests issued, wall time, the rate-limit bound (requests /
 * rate_limit), their ratio, 429s received and this process's peak RSS.
 *
 *   bench_collect URL CREDENTIAL_FILE MODE [RATE_LIMIT]
 *     MODE: "all" (workspaces = *) or "listed" (every workspace named)
 *
 * Driven by bench/run.sh; never part of the test suite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <curl/curl.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "core/inventory.h"
#include "lib/timeutil.h"
#include "collectors/astro/astro.h"
#include "lib/http/http.h"

static struct tw_config *make_config(const char *url, const char *cred, double rate,
                                     const struct tw_inventory *all)
{
        struct tw_config *cfg = NULL;
        struct tw_buf ini, err;

        tw_buf_init(&ini, 0);
        tw_buf_init(&err, 0);
        tw_buf_printf(&ini, "[astro]\napi_url = %s\ntoken_file = %s\nrate_limit = %g\n", url, cred,
                      rate);
        if (all) {
                /* Debian's inih is set to 4 KiB lines: continue the list in
                 * several keys is not INI, so keep ids short enough or fail. */
                tw_buf_adds(&ini, "workspaces = ");
                for (size_t i = 0; i < all->n_workspaces; i++)
                        tw_buf_printf(&ini, "%s%s", i ? "," : "", all->workspaces[i].id);
                tw_buf_addc(&ini, '\n');
        }
        if (tw_config_load_string(ini.ptr, "bench.ini", &cfg, &err) < 0)
                fprintf(stderr, "bench config: %s", err.ptr);
        tw_buf_done(&ini);
        tw_buf_done(&err);
        return cfg;
}

/* One collection, as the daemon makes it; the wall time includes loading
 * the credential (a small file) and making the transport. */
static struct tw_inventory *collect(const struct tw_config *cfg, struct tw_http_stats *stats,
                                    double *wall)
{
        struct tw_astro_one one;
        struct tw_inventory *inv;
        int64_t t0 = tw_mono_ns();

        if (tw_astro_collect_one(&cfg->astro, tw_now(), tw_now(), NULL, 0, &one) < 0) {
                if (one.step == TW_ASTRO_CREDENTIAL)
                        fprintf(stderr, "credential: %s\n", one.message.ptr ? one.message.ptr : "");
                else
                        fprintf(stderr, "collection failed\n");
                exit(one.step == TW_ASTRO_CREDENTIAL ? 2 : 3);
        }
        *wall = (double)(tw_mono_ns() - t0) / 1e9;
        *stats = *tw_transport_curl_stats(one.transport);
        inv = one.inv;
        one.inv = NULL;
        tw_astro_one_done(&one);
        return inv;
}

int main(int argc, char **argv)
{
        struct tw_http_stats stats;
        struct tw_inventory *all, *inv;
        struct tw_config *cfg;
        struct rusage ru;
        double wall, rate = argc > 4 ? atof(argv[4]) : 20, bound;
        bool listed;

        if (argc < 4) {
                fprintf(stderr, "usage: bench_collect URL CREDENTIAL_FILE all|listed [RATE]\n");
                return 2;
        }
        listed = strcmp(argv[3], "listed") == 0;
        curl_global_init(CURL_GLOBAL_DEFAULT);
        getrusage(RUSAGE_SELF, &ru);
        printf("(RSS after start-up: %.1f MB)\n", ru.ru_maxrss / 1024.0);
        cfg = make_config(argv[1], argv[2], rate, NULL);
        if (!cfg)
                return 2;
        inv = collect(cfg, &stats, &wall);
        if (listed) {
                all = inv;
                tw_config_free(cfg);
                cfg = make_config(argv[1], argv[2], rate, all);
                tw_inventory_free(all);
                if (!cfg)
                        return 2;
                getrusage(RUSAGE_SELF, &ru);
                printf("(peak RSS before the measured collection: %.1f MB)\n",
                       ru.ru_maxrss / 1024.0);
                inv = collect(cfg, &stats, &wall);
        }
        getrusage(RUSAGE_SELF, &ru);
        bound = (double)stats.requests / rate;
        printf("mode=%s tokens=%zu workspaces=%zu complete=%s requests=%llu wall_s=%.2f "
               "bound_s=%.2f ratio=%.3f status_429=%llu retries=%llu peak_rss_mb=%.1f\n",
               listed ? "listed" : "all", inv->n_tokens, inv->n_workspaces,
               tw_inventory_complete(inv) ? "yes" : "no", (unsigned long long)stats.requests, wall,
               bound, bound > 0 ? wall / bound : 0, (unsigned long long)stats.rate_limited,
               (unsigned long long)(stats.retries[0] + stats.retries[1] + stats.retries[2] +
                                    stats.retries[3]),
               ru.ru_maxrss / 1024.0);
        tw_inventory_free(inv);
        tw_config_free(cfg);
        curl_global_cleanup();
        return 0;
}
