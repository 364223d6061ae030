#ifndef TW_TESTS_HELPERS_HTTP_SERVER_H
#define TW_TESTS_HELPERS_HTTP_SERVER_H

/* Starting the metrics server in tests: fails the running cmocka test with
 * the server's message when it does not start. */

#include <stddef.h>

struct tw_http_server;
struct tw_http_server_options;

struct tw_http_server *tw_test_http_server_start(const struct tw_http_server_options *o);

/* A bcrypt hash of password at the given cost (4 is the fastest), made with
 * libcrypt; out must hold 64 bytes.  Fails the test on error. */
void tw_test_bcrypt(const char *password, unsigned long cost, char *out, size_t out_size);

#endif
