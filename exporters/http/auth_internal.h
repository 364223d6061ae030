#ifndef TW_EXPORTERS_HTTP_AUTH_INTERNAL_H
#define TW_EXPORTERS_HTTP_AUTH_INTERNAL_H

/*
 * HTTP basic auth against bcrypt hashes ($2y$, $2b$, $2a$, cost at most
 * TW_BCRYPT_COST_MAX), as Prometheus' exporter-toolkit web config writes
 * them, checked with libcrypt's crypt_r.
 *
 * bcrypt is deliberately slow and Prometheus logs in on every scrape, so a
 * successful check is remembered under a SHA-256 of user and password (never
 * the password itself) until it goes unused for TW_HTTP_AUTH_CACHE_TTL
 * seconds.  Comparisons are
 * constant-time; an unknown user costs as much as a wrong password.
 *
 * Failed logins are throttled per client address (IPv4 address, or IPv6 /64):
 * after a failure the address gets TW_HTTP_AUTH_THROTTLED, without a bcrypt
 * run, for 1 s, then 2, 4 ... up to TW_HTTP_AUTH_LOCK_MAX seconds for each
 * further failure; a success or TW_HTTP_AUTH_FORGET quiet seconds clear its
 * count.  Only one bcrypt runs at a time per address.  A login that hits the
 * success cache is never throttled, so a scraper that logged in keeps
 * working even when an attacker shares its address.  The table holds
 * TW_HTTP_AUTH_THROTTLE_SIZE addresses; when full, the oldest idle one is
 * forgotten.
 *
 * Thread-safe (a mutex guards the cache and the table; bcrypt runs outside it).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;
struct tw_web_user;
struct tw_http_auth;

#define TW_HTTP_AUTH_CACHE_TTL 60
#define TW_HTTP_AUTH_CACHE_SIZE 16
#define TW_HTTP_AUTH_THROTTLE_SIZE 256
#define TW_HTTP_AUTH_LOCK_MAX 60
#define TW_HTTP_AUTH_FORGET 600

enum tw_http_auth_result {
        TW_HTTP_AUTH_OK,
        TW_HTTP_AUTH_DENIED,    /* missing or wrong credentials: 401 */
        TW_HTTP_AUTH_THROTTLED, /* this address failed recently: 429, no bcrypt ran */
        TW_HTTP_AUTH_PENDING,   /* tw_http_auth_begin(): bcrypt must run */
};

/* Copies the users.  -ENOMEM, or -EINVAL for a hash that is not bcrypt or
 * whose cost is above TW_BCRYPT_COST_MAX. */
int tw_http_auth_new(const struct tw_web_user *users, size_t n_users,
                     struct tw_http_auth **ret_auth);
void tw_http_auth_free(struct tw_http_auth *a);

/* Whether user/password (NULL: missing) log in for the client at address
 * client (NULL: one shared "unknown" client).  now is a monotonic time in
 * seconds.  On TW_HTTP_AUTH_THROTTLED, *ret_retry_after (may be NULL) is the
 * seconds until the address may try again (at least 1).  Runs bcrypt when
 * needed: tw_http_auth_begin() then tw_http_auth_finish(). */
enum tw_http_auth_result tw_http_auth_check(struct tw_http_auth *a, const struct sockaddr *client,
                                            const char *user, const char *password, int64_t now,
                                            unsigned *ret_retry_after);
/* The cheap half of tw_http_auth_check(): OK from the cache, DENIED when
 * credentials are missing, THROTTLED, or PENDING when bcrypt must run, in
 * which case the caller must call tw_http_auth_finish() exactly once with
 * the same client, user and password (e.g. on another thread). */
enum tw_http_auth_result tw_http_auth_begin(struct tw_http_auth *a, const struct sockaddr *client,
                                            const char *user, const char *password, int64_t now,
                                            unsigned *ret_retry_after);
/* The slow half: runs bcrypt, records the outcome (cache, throttle) and
 * returns OK or DENIED. */
enum tw_http_auth_result tw_http_auth_finish(struct tw_http_auth *a, const struct sockaddr *client,
                                             const char *user, const char *password, int64_t now);

/* Gives up a login tw_http_auth_begin() answered PENDING without running
 * bcrypt (the queue was full, or the server is stopping): the address's run
 * is no longer under way, and no failure is recorded.  Without it the
 * address would stay throttled, and its entry pinned, for good. */
void tw_http_auth_abandon(struct tw_http_auth *a, const struct sockaddr *client);

/* Whether the client's address has failed logins on record (its next
 * bcrypt run can wait behind those of clean addresses). */
bool tw_http_auth_failed_before(struct tw_http_auth *a, const struct sockaddr *client);

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
