/* The one classification of HTTP attempts (lib/http/curl_easy.c) that the
 * API transport and webhook deliveries share: libcurl result and HTTP
 * status into done / retry / fail-now, the errno, and the hint. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "lib/http/curl_easy_internal.h"

#define NONE (-1) /* no retry reason */

static void test_classify(void **state)
{
        static const struct {
                const char *name;
                CURLcode code;
                bool over_cap;
                long status;
                enum tw_http_verdict verdict;
                int error;
                int reason; /* a tw_retry_reason when verdict is RETRY, else NONE */
                bool hint;
        } cases[] = {
                {"200 ok", CURLE_OK, false, 200, TW_HTTP_DONE, 0, NONE, false},
                {"202 accepted", CURLE_OK, false, 202, TW_HTTP_DONE, 0, NONE, false},
                {"204 no content", CURLE_OK, false, 204, TW_HTTP_DONE, 0, NONE, false},
                {"101 informational", CURLE_OK, false, 101, TW_HTTP_FAIL, 0, NONE, false},
                {"301 redirect (never followed)", CURLE_OK, false, 301, TW_HTTP_FAIL, 0, NONE,
                 false},
                {"304 not modified", CURLE_OK, false, 304, TW_HTTP_FAIL, 0, NONE, false},
                {"400 bad request", CURLE_OK, false, 400, TW_HTTP_FAIL, 0, NONE, false},
                {"401 unauthorized", CURLE_OK, false, 401, TW_HTTP_FAIL, 0, NONE, false},
                {"403 forbidden", CURLE_OK, false, 403, TW_HTTP_FAIL, 0, NONE, false},
                {"404 not found", CURLE_OK, false, 404, TW_HTTP_FAIL, 0, NONE, false},
                {"408 request timeout", CURLE_OK, false, 408, TW_HTTP_FAIL, 0, NONE, false},
                {"499 other 4xx", CURLE_OK, false, 499, TW_HTTP_FAIL, 0, NONE, false},
                {"429 too many requests", CURLE_OK, false, 429, TW_HTTP_RETRY, 0,
                 TW_RETRY_RATE_LIMITED, false},
                {"500 internal", CURLE_OK, false, 500, TW_HTTP_RETRY, 0, TW_RETRY_SERVER_ERROR,
                 false},
                {"503 unavailable", CURLE_OK, false, 503, TW_HTTP_RETRY, 0, TW_RETRY_SERVER_ERROR,
                 false},
                {"599 last 5xx", CURLE_OK, false, 599, TW_HTTP_RETRY, 0, TW_RETRY_SERVER_ERROR,
                 false},
                {"600 out of range", CURLE_OK, false, 600, TW_HTTP_FAIL, 0, NONE, false},
                {"no response, no error", CURLE_OK, false, 0, TW_HTTP_FAIL, 0, NONE, false},
                {"timeout", CURLE_OPERATION_TIMEDOUT, false, 0, TW_HTTP_RETRY, -ETIMEDOUT,
                 TW_RETRY_TIMEOUT, false},
                {"timeout after the headers wins over 200", CURLE_OPERATION_TIMEDOUT, false, 200,
                 TW_HTTP_RETRY, -ETIMEDOUT, TW_RETRY_TIMEOUT, false},
                {"connection refused", CURLE_COULDNT_CONNECT, false, 0, TW_HTTP_RETRY,
                 -ECONNREFUSED, TW_RETRY_CONNECTION, false},
                {"name not resolved", CURLE_COULDNT_RESOLVE_HOST, false, 0, TW_HTTP_RETRY,
                 -EHOSTUNREACH, TW_RETRY_CONNECTION, false},
                {"proxy name not resolved", CURLE_COULDNT_RESOLVE_PROXY, false, 0, TW_HTTP_RETRY,
                 -EHOSTUNREACH, TW_RETRY_CONNECTION, false},
                {"connection reset", CURLE_RECV_ERROR, false, 0, TW_HTTP_RETRY, -EPROTO,
                 TW_RETRY_CONNECTION, false},
                {"send failure", CURLE_SEND_ERROR, false, 0, TW_HTTP_RETRY, -EPROTO,
                 TW_RETRY_CONNECTION, false},
                {"empty reply", CURLE_GOT_NOTHING, false, 0, TW_HTTP_RETRY, -EPROTO,
                 TW_RETRY_CONNECTION, false},
                {"cut short", CURLE_PARTIAL_FILE, false, 200, TW_HTTP_RETRY, -EPROTO,
                 TW_RETRY_CONNECTION, false},
                {"TLS handshake", CURLE_SSL_CONNECT_ERROR, false, 0, TW_HTTP_RETRY, -EPROTO,
                 TW_RETRY_CONNECTION, false},
                {"untrusted certificate", CURLE_PEER_FAILED_VERIFICATION, false, 0, TW_HTTP_FAIL,
                 -EKEYREJECTED, NONE, true},
                {"CA file unusable", CURLE_SSL_CACERT_BADFILE, false, 0, TW_HTTP_FAIL,
                 -EKEYREJECTED, NONE, true},
                {"issuer check failed", CURLE_SSL_ISSUER_ERROR, false, 0, TW_HTTP_FAIL,
                 -EKEYREJECTED, NONE, true},
                {"pinned key mismatch", CURLE_SSL_PINNEDPUBKEYNOTMATCH, false, 0, TW_HTTP_FAIL,
                 -EKEYREJECTED, NONE, true},
                {"body over cap (length)", CURLE_FILESIZE_EXCEEDED, false, 200, TW_HTTP_FAIL,
                 -E2BIG, NONE, false},
                {"body over cap (chunked)", CURLE_WRITE_ERROR, true, 200, TW_HTTP_FAIL, -E2BIG,
                 NONE, false},
                {"write failed, no cap", CURLE_WRITE_ERROR, false, 200, TW_HTTP_FAIL, -ENOMEM, NONE,
                 false},
                {"error wins over a 503", CURLE_FILESIZE_EXCEEDED, false, 503, TW_HTTP_FAIL, -E2BIG,
                 NONE, false},
                {"cancelled", CURLE_ABORTED_BY_CALLBACK, false, 0, TW_HTTP_FAIL, -ECANCELED, NONE,
                 false},
                {"bad URL", CURLE_URL_MALFORMAT, false, 0, TW_HTTP_FAIL, -EINVAL, NONE, false},
                {"not http(s)", CURLE_UNSUPPORTED_PROTOCOL, false, 0, TW_HTTP_FAIL, -EINVAL, NONE,
                 false},
                {"out of memory", CURLE_OUT_OF_MEMORY, false, 0, TW_HTTP_FAIL, -ENOMEM, NONE,
                 false},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_http_result r = {.reason = _TW_RETRY_REASON_MAX};

                tw_http_classify(cases[i].code, cases[i].over_cap, cases[i].status, &r);
                if (r.verdict != cases[i].verdict)
                        fail_msg("%s: verdict %d, want %d", cases[i].name, r.verdict,
                                 cases[i].verdict);
                if (r.error != cases[i].error)
                        fail_msg("%s: error %d, want %d", cases[i].name, r.error, cases[i].error);
                if (cases[i].reason != NONE && (int)r.reason != cases[i].reason)
                        fail_msg("%s: reason %d, want %d", cases[i].name, r.reason,
                                 cases[i].reason);
                if ((r.hint != NULL) != cases[i].hint)
                        fail_msg("%s: hint %s", cases[i].name, r.hint ? r.hint : "(none)");
        }
}

/* The hint says what to do, and never depends on the URL. */
static void test_certificate_hint(void **state)
{
        struct tw_http_result r = {0};
        (void)state;

        tw_http_classify(CURLE_PEER_FAILED_VERIFICATION, false, 0, &r);
        assert_non_null(strstr(r.hint, "TLS certificate is not trusted"));
        assert_non_null(strstr(r.hint, "trust store"));
}

/* Which outcomes count as an unreachable host (retried once at most). */
static void test_unreachable(void **state)
{
        static const struct {
                const char *name;
                CURLcode code;
                long status;
                bool unreachable;
        } cases[] = {
                {"name not resolved", CURLE_COULDNT_RESOLVE_HOST, 0, true},
                {"connection refused", CURLE_COULDNT_CONNECT, 0, true},
                {"timeout", CURLE_OPERATION_TIMEDOUT, 0, false},
                {"reset", CURLE_RECV_ERROR, 0, false},
                {"TLS handshake", CURLE_SSL_CONNECT_ERROR, 0, false},
                {"503", CURLE_OK, 503, false},
                {"200", CURLE_OK, 200, false},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_http_result r = {0};

                tw_http_classify(cases[i].code, false, cases[i].status, &r);
                if (tw_http_unreachable(&r) != cases[i].unreachable)
                        fail_msg("%s: unreachable %d", cases[i].name, tw_http_unreachable(&r));
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_classify),
                cmocka_unit_test(test_certificate_hint),
                cmocka_unit_test(test_unreachable),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
