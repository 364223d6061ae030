#ifndef TW_EXPORTERS_HTTP_AUTH_H
#define TW_EXPORTERS_HTTP_AUTH_H

/*
 * HTTP basic auth against bcrypt hashes ($2y$, $2b$, $2a$), as Prometheus'
 * exporter-toolkit web config writes them, checked with libcrypt's crypt_r.
 *
 * bcrypt is deliberately slow and Prometheus logs in on every scrape, so a
 * successful check is remembered for TW_HTTP_AUTH_CACHE_TTL seconds under a
 * SHA-256 of user and password (never the password itself).  Comparisons are
 * constant-time; an unknown user costs as much as a wrong password.
 * Thread-safe (a mutex guards the cache).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_web_user;
struct tw_http_auth;

#define TW_HTTP_AUTH_CACHE_TTL 60
#define TW_HTTP_AUTH_CACHE_SIZE 16

/* Copies the users.  -ENOMEM, or -EINVAL for a hash that is not bcrypt. */
int tw_http_auth_new(const struct tw_web_user *users, size_t n_users,
                     struct tw_http_auth **ret_auth);
void tw_http_auth_free(struct tw_http_auth *a);

/* Whether user/password (NULL: missing) log in; now is a monotonic time in
 * seconds, for the cache. */
bool tw_http_auth_check(struct tw_http_auth *a, const char *user, const char *password,
                        int64_t now);

/* The longest Authorization header value tw_http_basic_auth_parse() reads. */
#define TW_HTTP_AUTH_HEADER_MAX 4096

/* Parses an Authorization header value (NULL: absent) of the Basic scheme
 * (RFC 7617): "Basic" in any case, one or more spaces, then base64 of
 * "user:password" (the password may hold colons, the user may not).  On
 * success *ret_user and *ret_password are new NUL-terminated strings the
 * caller frees (the password with tw_secret_free()).  Returns -ENOENT when
 * the header is absent or names another scheme; -EINVAL when it is
 * malformed: not base64, no colon, a NUL or control byte in the decoded
 * credentials, or longer than TW_HTTP_AUTH_HEADER_MAX; -ENOMEM.  Pure: no
 * I/O, thread-safe; decoded bytes are wiped before they are freed. */
int tw_http_basic_auth_parse(const char *header, char **ret_user, char **ret_password);

/* Test hook: how many crypt_r calls were made. */
unsigned long tw_http_auth_crypt_calls(const struct tw_http_auth *a);

#endif
