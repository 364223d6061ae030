#ifndef TW_TESTS_INTEGRATION_SIM_SELFTEST_H
#define TW_TESTS_INTEGRATION_SIM_SELFTEST_H

/*
 * Small libcurl helpers shared by the tw-astrosim self-tests (test_sim.c,
 * test_sim_faults.c).  Static: each test program includes it once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "sim/sim.h"

#define BASE 1780000000 /* 2026-05-28T20:26:40Z */
#define DEMO_CRED "cl6657ttnfefw2oilj7qlpiho"

struct resp {
        long status;
        CURLcode rc;
        struct tw_buf body;
        char retry_after[16];
};

static inline size_t on_body(char *p, size_t size, size_t n, void *cls)
{
        struct resp *r = cls;

        return tw_buf_add(&r->body, p, size * n) < 0 ? 0 : size * n;
}

static inline size_t on_header(char *p, size_t size, size_t n, void *cls)
{
        struct resp *r = cls;
        size_t len = size * n;

        if (len > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
                snprintf(r->retry_after, sizeof(r->retry_after), "%.*s", (int)(len - 15), p + 13);
        return len;
}

/* Requests url; body (when not NULL) is sent with method. */
static inline void req(struct resp *r, const char *method, const char *url, const char *bearer,
                       const char *body)
{
        CURL *c = curl_easy_init();
        struct curl_slist *h = NULL;
        char auth[8192];

        memset(r, 0, sizeof(*r));
        tw_buf_init(&r->body, (size_t)16 << 20);
        assert_non_null(c);
        if (bearer) {
                snprintf(auth, sizeof(auth), "Authorization: Bearer %s", bearer);
                h = curl_slist_append(h, auth);
        }
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (body)
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
        r->rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        curl_easy_cleanup(c);
        curl_slist_free_all(h);
}

/* GETs path (relative to the sim) with the org credential; parses JSON. */
static inline cJSON *get_json(struct tw_sim *sim, const char *path, long want_status)
{
        struct resp r;
        char url[4096];
        cJSON *j;

        snprintf(url, sizeof(url), "%s%s", tw_sim_url(sim), path);
        req(&r, "GET", url, tw_sim_org_credential(sim), NULL);
        assert_int_equal(r.rc, CURLE_OK);
        assert_int_equal(r.status, want_status);
        j = cJSON_ParseWithLength(r.body.ptr, r.body.len);
        assert_non_null(j);
        tw_buf_done(&r.body);
        return j;
}

static inline struct tw_sim *start_demo(void)
{
        const char *src = getenv("TW_SOURCE_DIR");
        char path[4096];
        struct tw_sim_options o = {.base_time = BASE, .fixture_path = path};
        struct tw_sim *sim;

        snprintf(path, sizeof(path), "%s/tests/fixtures/demo-org.json", src ? src : "../..");
        sim = tw_sim_start(&o);
        assert_non_null(sim);
        return sim;
}

static inline void tokens_path(struct tw_sim *sim, const char *prefix, const char *query, char *out,
                               size_t size)
{
        snprintf(out, size, "%s/organizations/%s/tokens%s", prefix, tw_sim_organization_id(sim),
                 query);
}

static inline int num(const cJSON *o, const char *k)
{
        return (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

#endif
