/*
 * Benchmark: one audit-log backfill through the collector (streamed GET,
 * gzip inflate, NDJSON split, entry parse, usage index), against a
 * tw-astrosim serving generated entries.  Prints entries, inflated bytes,
 * wall time, entries/s and this process's peak RSS above its idle RSS (the
 * collector created, nothing fetched yet).
 *
 *   bench_audit_logs URL CREDENTIAL_FILE NOW_RFC3339 FIXTURE_JSON
 *
 * The known tokens are those of FIXTURE_JSON (the sim's organization).
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "collectors/auditlog/auditlog.h"
#include "core/usage/usage.h"
#include "lib/readfile.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

/* A field of /proc/self/status in kB ("VmHWM", "VmRSS"), -1 if unknown. */
static long proc_kb(const char *field)
{
        FILE *f = fopen("/proc/self/status", "r");
        char line[256];
        long kb = -1;
        size_t n = strlen(field);

        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, field, n) == 0 && line[n] == ':')
                        kb = strtol(line + n + 1, NULL, 10);
        if (f)
                fclose(f);
        return kb;
}

/* Reads the token ids of a sim fixture into *ret (strings owned by *ret_doc). */
static int fixture_tokens(const char *path, cJSON **ret_doc, const char ***ret, size_t *ret_n)
{
        char *text = NULL;
        size_t len = 0;
        const cJSON *t;
        cJSON *doc;
        size_t n = 0;
        int r = tw_read_file(path, (size_t)64 << 20, 0, &text, &len);

        if (r < 0)
                return r;
        doc = cJSON_ParseWithLength(text, len);
        free(text);
        if (!doc)
                return -EINVAL;
        *ret = calloc((size_t)cJSON_GetArraySize(cJSON_GetObjectItem(doc, "tokens")) + 1,
                      sizeof(**ret));
        if (!*ret)
                return -ENOMEM;
        cJSON_ArrayForEach (t, cJSON_GetObjectItem(doc, "tokens"))
                if (cJSON_GetStringValue(cJSON_GetObjectItem(t, "id")))
                        (*ret)[n++] = cJSON_GetStringValue(cJSON_GetObjectItem(t, "id"));
        *ret_doc = doc;
        *ret_n = n;
        return 0;
}

int main(int argc, char **argv)
{
        struct tw_auditlog_options o = {.backfill_s = TW_AUDITLOG_BACKFILL_MAX_S,
                                        .timeout_ms = 30 * 60 * 1000};
        struct tw_auditlog_fetch_result res;
        struct tw_auditlog_collector *c = NULL;
        char base[512], *cred = NULL;
        const char **ids = NULL;
        cJSON *doc = NULL;
        size_t n_ids = 0;
        int64_t now, t0, t1;
        long idle_kb, peak_kb;
        struct rusage ru;
        double cpu_s;
        int r;

        if (argc != 5) {
                fprintf(stderr, "usage: %s URL CREDENTIAL_FILE NOW_RFC3339 FIXTURE_JSON\n",
                        argv[0]);
                return 2;
        }
        if (tw_time_parse(argv[3], &now) < 0 || tw_secret_read_file(argv[2], &cred, NULL) < 0 ||
            fixture_tokens(argv[4], &doc, &ids, &n_ids) < 0) {
                fprintf(stderr, "bad arguments\n");
                return 2;
        }
        curl_global_init(CURL_GLOBAL_DEFAULT);
        snprintf(base, sizeof(base), "%s/v1", argv[1]);
        o.base_url = base;
        o.organization_id = cJSON_GetStringValue(
                cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "organization"), "id"));
        o.bearer = cred;
        r = tw_auditlog_collector_new(&o, now, &c, NULL);
        tw_secret_free(cred);
        if (r < 0 || tw_usage_set_known_tokens(tw_auditlog_collector_usage(c), ids, n_ids) < 0) {
                fprintf(stderr, "cannot create the collector: %s\n", strerror(-r));
                return 1;
        }
        idle_kb = proc_kb("VmRSS");
        t0 = tw_mono_ns();
        r = tw_auditlog_fetch(c, now, &res);
        t1 = tw_mono_ns();
        peak_kb = proc_kb("VmHWM");
        getrusage(RUSAGE_SELF, &ru);
        cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
        printf("fetch=%d entries=%llu skipped_malformed=%llu inflated_mb=%.1f wall_s=%.2f "
               "entries_per_s=%.0f inflated_mb_per_s=%.1f idle_rss_mb=%.1f peak_rss_mb=%.1f "
               "peak_above_idle_mb=%.1f cpu_s=%.2f entries_per_cpu_s=%.0f tokens=%zu "
               "unlinked=%llu\n",
               r, (unsigned long long)res.entries,
               (unsigned long long)res.skipped[TW_AUDITLOG_SKIP_MALFORMED], res.bytes / 1e6,
               (t1 - t0) / 1e9, res.entries / ((t1 - t0) / 1e9),
               res.bytes / 1e6 / ((t1 - t0) / 1e9), idle_kb / 1024.0, peak_kb / 1024.0,
               (peak_kb - idle_kb) / 1024.0, cpu_s, res.entries / cpu_s,
               tw_auditlog_collector_usage(c)->n_tokens,
               (unsigned long long)tw_auditlog_collector_usage(c)->unlinked);
        tw_auditlog_collector_free(c);
        free(ids);
        cJSON_Delete(doc);
        curl_global_cleanup();
        return r < 0 ? 1 : 0;
}
