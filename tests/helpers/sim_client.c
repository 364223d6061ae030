/* A libcurl client for the tw-astrosim self-tests. */
#include "helpers/sim_client.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "sim/sim.h"

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
        struct tw_test_resp *r = cls;

        return tw_buf_add(&r->body, p, size * n) < 0 ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *cls)
{
        struct tw_test_resp *r = cls;
        size_t len = size * n;

        if (len > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
                snprintf(r->retry_after, sizeof(r->retry_after), "%.*s", (int)(len - 15), p + 13);
        return len;
}

void tw_test_req(struct tw_test_resp *r, const char *method, const char *url, const char *bearer,
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

cJSON *tw_test_get_json(struct tw_sim *sim, const char *path, long want_status)
{
        struct tw_test_resp r;
        char url[4096];
        cJSON *j;

        snprintf(url, sizeof(url), "%s%s", tw_sim_url(sim), path);
        tw_test_req(&r, "GET", url, tw_sim_org_credential(sim), NULL);
        assert_int_equal(r.rc, CURLE_OK);
        assert_int_equal(r.status, want_status);
        j = cJSON_ParseWithLength(r.body.ptr, r.body.len);
        assert_non_null(j);
        tw_buf_done(&r.body);
        return j;
}

struct tw_sim *tw_test_start_demo(void)
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

void tw_test_tokens_path(struct tw_sim *sim, const char *prefix, const char *query, char *out,
                         size_t size)
{
        snprintf(out, size, "%s/organizations/%s/tokens%s", prefix, tw_sim_organization_id(sim),
                 query);
}

int tw_test_num(const cJSON *o, const char *k)
{
        return (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, k));
}
