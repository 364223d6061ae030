#include "lib/http/http.h"

#include <stdio.h>
#include <string.h>

/*
 * The counter tables are fixed-size.  When they are full, further endpoints
 * are counted under the label "other" (which takes the last slot) and
 * further status codes under code -1 (the last slot of that endpoint).
 */

#define OTHER_ENDPOINT "other"
#define OTHER_CODE -1

const char *tw_retry_reason_to_string(enum tw_retry_reason r)
{
        switch (r) {
        case TW_RETRY_RATE_LIMITED:
                return "rate_limited";
        case TW_RETRY_SERVER_ERROR:
                return "server_error";
        case TW_RETRY_TIMEOUT:
                return "timeout";
        case TW_RETRY_CONNECTION:
                return "connection";
        case _TW_RETRY_REASON_MAX:
                break;
        }
        return "unknown";
}

/* The slot counting endpoint, adding it (or "other" when full) if needed. */
static size_t endpoint_slot(struct tw_http_stats *s, const char *endpoint)
{
        char label[sizeof(s->endpoints[0].endpoint)];
        size_t i;

        snprintf(label, sizeof(label), "%s", endpoint && *endpoint ? endpoint : OTHER_ENDPOINT);
        for (i = 0; i < s->n_endpoints; i++)
                if (strcmp(s->endpoints[i].endpoint, label) == 0)
                        return i;
        if (s->n_endpoints >= TW_HTTP_MAX_ENDPOINTS - 1) {
                for (i = 0; i < s->n_endpoints; i++)
                        if (strcmp(s->endpoints[i].endpoint, OTHER_ENDPOINT) == 0)
                                return i;
                snprintf(label, sizeof(label), "%s", OTHER_ENDPOINT);
        }
        i = s->n_endpoints++;
        memcpy(s->endpoints[i].endpoint, label, sizeof(label));
        s->endpoints[i].n_codes = 0;
        return i;
}

static void count_n(struct tw_http_stats *s, const char *endpoint, long status, uint64_t n)
{
        size_t e = endpoint_slot(s, endpoint), i, *n_codes = &s->endpoints[e].n_codes;

        for (i = 0; i < *n_codes; i++)
                if (s->endpoints[e].codes[i].code == status)
                        break;
        if (i == *n_codes && *n_codes >= TW_HTTP_MAX_CODES - 1) {
                status = OTHER_CODE;
                for (i = 0; i < *n_codes; i++)
                        if (s->endpoints[e].codes[i].code == status)
                                break;
        }
        if (i == *n_codes) {
                (*n_codes)++;
                s->endpoints[e].codes[i].code = status;
                s->endpoints[e].codes[i].count = 0;
        }
        s->endpoints[e].codes[i].count += n;
}

void tw_http_stats_count(struct tw_http_stats *s, const char *endpoint, long status)
{
        count_n(s, endpoint, status, 1);
}

void tw_http_stats_merge(struct tw_http_stats *a, const struct tw_http_stats *b)
{
        for (size_t e = 0; e < b->n_endpoints; e++)
                for (size_t c = 0; c < b->endpoints[e].n_codes; c++)
                        count_n(a, b->endpoints[e].endpoint, b->endpoints[e].codes[c].code,
                                b->endpoints[e].codes[c].count);
        for (int r = 0; r < _TW_RETRY_REASON_MAX; r++)
                a->retries[r] += b->retries[r];
        a->requests += b->requests;
        a->rate_limited += b->rate_limited;
        a->retry_delay_ms += b->retry_delay_ms;
        if (b->max_in_flight > a->max_in_flight)
                a->max_in_flight = b->max_in_flight;
}
