#include "exporters/http/auth_internal.h"

#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "lib/bcrypt.h"
#include "core/config/config.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

struct cache_entry {
        unsigned char digest[32];
        int64_t expires; /* 0: empty */
};

/* One client address's failed logins. */
struct throttle_entry {
        unsigned char key[16]; /* IPv4-mapped address, or IPv6 /64 */
        bool used;
        unsigned failures;
        unsigned in_flight;   /* bcrypt runs under way */
        int64_t locked_until; /* no bcrypt before this */
        int64_t last;         /* last attempt */
};

struct tw_http_auth {
        struct tw_web_user *users;
        size_t n_users;
        pthread_mutex_t lock;
        struct cache_entry cache[TW_HTTP_AUTH_CACHE_SIZE];
        struct throttle_entry throttle[TW_HTTP_AUTH_THROTTLE_SIZE];
        unsigned long crypt_calls;
};

static bool is_bcrypt(const char *h)
{
        return h && !tw_bcrypt_hash_problem(h) && strlen(h) == 60;
}

int tw_http_auth_new(const struct tw_web_user *users, size_t n_users,
                     struct tw_http_auth **ret_auth)
{
        struct tw_http_auth *a = NULL;
        int r = -ENOMEM;

        a = calloc(1, sizeof(*a));
        if (!a)
                goto fail;
        pthread_mutex_init(&a->lock, NULL);
        a->users = calloc(n_users ? n_users : 1, sizeof(*a->users));
        if (!a->users)
                goto fail;
        for (size_t i = 0; i < n_users; i++) {
                if (!users[i].name || !is_bcrypt(users[i].hash)) {
                        r = -EINVAL;
                        goto fail;
                }
                a->users[i].name = strdup(users[i].name);
                a->users[i].hash = strdup(users[i].hash);
                a->n_users = i + 1;
                if (!a->users[i].name || !a->users[i].hash)
                        goto fail;
        }
        *ret_auth = a;
        return 0;
fail:
        tw_http_auth_free(a);
        return r;
}

void tw_http_auth_free(struct tw_http_auth *a)
{
        if (!a)
                return;
        for (size_t i = 0; i < a->n_users; i++) {
                free(a->users[i].name);
                free(a->users[i].hash);
        }
        free(a->users);
        pthread_mutex_destroy(&a->lock);
        free(a);
}

/* Constant-time equality of two byte strings of length n. */
static bool equal_ct(const void *x, const void *y, size_t n)
{
        const volatile unsigned char *a = x, *b = y;
        unsigned char d = 0;

        for (size_t i = 0; i < n; i++)
                d |= a[i] ^ b[i];
        return d == 0;
}

/* SHA-256 of user NUL password; wipes its copy. */
static int digest(const char *user, const char *password, unsigned char out[32])
{
        size_t ul = strlen(user), pl = strlen(password);
        char *tmp = malloc(ul + pl + 1);
        int r;

        if (!tmp)
                return -ENOMEM;
        memcpy(tmp, user, ul);
        tmp[ul] = '\0';
        memcpy(tmp + ul + 1, password, pl);
        r = gnutls_hash_fast(GNUTLS_DIG_SHA256, tmp, ul + pl + 1, out) < 0 ? -EIO : 0;
        tw_wipe(tmp, ul + pl + 1);
        free(tmp);
        return r;
}

static bool cache_lookup(struct tw_http_auth *a, const unsigned char d[32], int64_t now)
{
        bool hit = false;

        pthread_mutex_lock(&a->lock);
        for (size_t i = 0; i < TW_HTTP_AUTH_CACHE_SIZE; i++)
                if (a->cache[i].expires > now && equal_ct(a->cache[i].digest, d, 32)) {
                        /* In use: kept, so a scraper never waits behind
                         * attackers' bcrypt runs again once logged in. */
                        a->cache[i].expires = now + TW_HTTP_AUTH_CACHE_TTL;
                        hit = true;
                }
        pthread_mutex_unlock(&a->lock);
        return hit;
}

static void cache_insert(struct tw_http_auth *a, const unsigned char d[32], int64_t now)
{
        size_t victim = 0;

        pthread_mutex_lock(&a->lock);
        for (size_t i = 1; i < TW_HTTP_AUTH_CACHE_SIZE; i++)
                if (a->cache[i].expires < a->cache[victim].expires)
                        victim = i;
        memcpy(a->cache[victim].digest, d, 32);
        a->cache[victim].expires = now + TW_HTTP_AUTH_CACHE_TTL;
        pthread_mutex_unlock(&a->lock);
}

/* Runs bcrypt on password with hash's salt and compares in constant time. */
static bool bcrypt_matches(const char *password, const char *hash)
{
        struct crypt_data *cd = calloc(1, sizeof(*cd));
        const char *out;
        bool ok = false;

        if (!cd)
                return false;
        out = crypt_r(password, hash, cd);
        if (out && out[0] != '*' && strlen(out) == strlen(hash))
                ok = equal_ct(out, hash, strlen(hash));
        tw_wipe(cd, sizeof(*cd));
        free(cd);
        return ok;
}

/* The throttle key of a client: IPv4 (or IPv4-mapped) as ::ffff:a.b.c.d,
 * IPv6 by its /64, anything else (NULL included) as all zeroes. */
static void client_key(const struct sockaddr *sa, unsigned char key[16])
{
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

        memset(key, 0, 16);
        if (sa && sa->sa_family == AF_INET) {
                memcpy(key, mapped, 12);
                memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        } else if (sa && sa->sa_family == AF_INET6) {
                const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

                memcpy(key, b, memcmp(b, mapped, 12) == 0 ? 16 : 8);
        }
}

/* The entry for key, made (evicting the stalest idle one) if needed; NULL
 * when every entry has a bcrypt in flight.  Called with a->lock held. */
static struct throttle_entry *throttle_entry(struct tw_http_auth *a, const unsigned char key[16],
                                             int64_t now)
{
        struct throttle_entry *victim = NULL;

        for (size_t i = 0; i < TW_HTTP_AUTH_THROTTLE_SIZE; i++) {
                struct throttle_entry *e = &a->throttle[i];

                if (e->used && memcmp(e->key, key, 16) == 0) {
                        if (e->last + TW_HTTP_AUTH_FORGET <= now && !e->in_flight)
                                e->failures = 0;
                        return e;
                }
                if (!e->in_flight &&
                    (!victim || !e->used || (victim->used && e->last < victim->last)))
                        victim = e;
        }
        if (victim) {
                memset(victim, 0, sizeof(*victim));
                memcpy(victim->key, key, 16);
                victim->used = true;
        }
        return victim;
}

/* After a bcrypt run for e: 1 s lock after the first failure, doubling to
 * TW_HTTP_AUTH_LOCK_MAX; a success clears the count. */
static void throttle_record(struct throttle_entry *e, bool ok, int64_t now)
{
        int64_t lock;

        e->in_flight--;
        e->last = now;
        if (ok) {
                e->failures = 0;
                e->locked_until = 0;
                return;
        }
        if (e->failures < 31)
                e->failures++;
        lock = e->failures > 6 ? TW_HTTP_AUTH_LOCK_MAX : (int64_t)1 << (e->failures - 1);
        e->locked_until = now + (lock < TW_HTTP_AUTH_LOCK_MAX ? lock : TW_HTTP_AUTH_LOCK_MAX);
}

enum tw_http_auth_result tw_http_auth_begin(struct tw_http_auth *a, const struct sockaddr *client,
                                            const char *user, const char *password, int64_t now,
                                            unsigned *ret_retry_after)
{
        enum tw_http_auth_result res = TW_HTTP_AUTH_PENDING;
        struct throttle_entry *e;
        unsigned char d[32], key[16];

        if (!a || !user || !password || a->n_users == 0)
                return TW_HTTP_AUTH_DENIED;
        if (digest(user, password, d) < 0)
                return TW_HTTP_AUTH_DENIED;
        if (cache_lookup(a, d, now)) {
                res = TW_HTTP_AUTH_OK;
                goto done;
        }
        client_key(client, key);
        pthread_mutex_lock(&a->lock);
        e = throttle_entry(a, key, now);
        if (!e || e->in_flight || e->locked_until > now) {
                int64_t wait = e && e->locked_until > now ? e->locked_until - now : 1;

                if (ret_retry_after)
                        *ret_retry_after = (unsigned)wait;
                res = TW_HTTP_AUTH_THROTTLED;
        } else {
                e->in_flight++;
                e->last = now;
                a->crypt_calls++;
        }
        pthread_mutex_unlock(&a->lock);
done:
        tw_wipe(d, sizeof(d));
        return res;
}

enum tw_http_auth_result tw_http_auth_finish(struct tw_http_auth *a, const struct sockaddr *client,
                                             const char *user, const char *password, int64_t now)
{
        const struct tw_web_user *u = NULL;
        struct throttle_entry *e;
        unsigned char d[32], key[16];
        bool ok;

        for (size_t i = 0; i < a->n_users; i++)
                if (strcmp(a->users[i].name, user) == 0)
                        u = &a->users[i];
        /* An unknown user still pays for one bcrypt run, so timing does not
         * tell which names exist. */
        ok = bcrypt_matches(password, u ? u->hash : a->users[0].hash) && u;
        if (ok && digest(user, password, d) == 0) {
                cache_insert(a, d, now);
                tw_wipe(d, sizeof(d));
        }
        client_key(client, key);
        pthread_mutex_lock(&a->lock);
        /* begin's in_flight keeps the entry from eviction: it is found. */
        e = throttle_entry(a, key, now);
        if (e && e->in_flight)
                throttle_record(e, ok, now);
        pthread_mutex_unlock(&a->lock);
        return ok ? TW_HTTP_AUTH_OK : TW_HTTP_AUTH_DENIED;
}

void tw_http_auth_abandon(struct tw_http_auth *a, const struct sockaddr *client)
{
        unsigned char key[16];
        struct throttle_entry *e;

        client_key(client, key);
        pthread_mutex_lock(&a->lock);
        e = throttle_entry(a, key, tw_mono_ns() / 1000000000);
        if (e && e->in_flight)
                e->in_flight--;
        pthread_mutex_unlock(&a->lock);
}

bool tw_http_auth_failed_before(struct tw_http_auth *a, const struct sockaddr *client)
{
        unsigned char key[16];
        bool failed = false;

        client_key(client, key);
        pthread_mutex_lock(&a->lock);
        for (size_t i = 0; i < TW_HTTP_AUTH_THROTTLE_SIZE; i++)
                if (a->throttle[i].used && memcmp(a->throttle[i].key, key, 16) == 0)
                        failed = a->throttle[i].failures > 0;
        pthread_mutex_unlock(&a->lock);
        return failed;
}

enum tw_http_auth_result tw_http_auth_check(struct tw_http_auth *a, const struct sockaddr *client,
                                            const char *user, const char *password, int64_t now,
                                            unsigned *ret_retry_after)
{
        enum tw_http_auth_result res =
                tw_http_auth_begin(a, client, user, password, now, ret_retry_after);

        return res == TW_HTTP_AUTH_PENDING ? tw_http_auth_finish(a, client, user, password, now)
                                           : res;
}

unsigned long tw_http_auth_crypt_calls(const struct tw_http_auth *a)
{
        return a ? a->crypt_calls : 0;
}

/* Copies n bytes of s as a NUL-terminated string. */
static char *copy_n(const char *s, size_t n)
{
        char *out = malloc(n + 1);

        if (out) {
                memcpy(out, s, n);
                out[n] = '\0';
        }
        return out;
}

int tw_http_basic_auth_parse(const char *header, char **ret_user, char **ret_password)
{
        gnutls_datum_t in, out = {NULL, 0};
        char *user = NULL, *password = NULL;
        const char *p, *colon;
        size_t len;
        int r = -EINVAL;

        if (!header)
                return -ENOENT;
        len = strnlen(header, TW_HTTP_AUTH_HEADER_MAX + 1);
        if (strncasecmp(header, "Basic", 5) != 0 || (header[5] != ' ' && header[5] != '\0'))
                return -ENOENT;
        if (len > TW_HTTP_AUTH_HEADER_MAX)
                return -EINVAL;
        for (p = header + 5; *p == ' '; p++)
                ;
        len = strlen(p);
        while (len && p[len - 1] == ' ')
                len--;
        if (len == 0)
                return -EINVAL;
        in.data = (unsigned char *)(uintptr_t)p;
        in.size = (unsigned)len;
        if (gnutls_base64_decode2(&in, &out) < 0)
                return -EINVAL;
        for (size_t i = 0; i < out.size; i++)
                if (out.data[i] < 0x20 || out.data[i] == 0x7f)
                        goto done;
        colon = memchr(out.data, ':', out.size);
        if (!colon)
                goto done;
        r = -ENOMEM;
        user = copy_n((const char *)out.data, (size_t)(colon - (const char *)out.data));
        password = copy_n(colon + 1, out.size - (size_t)(colon - (const char *)out.data) - 1);
        if (!user || !password)
                goto done;
        *ret_user = user;
        *ret_password = password;
        user = password = NULL;
        r = 0;
done:
        free(user);
        tw_secret_free(password);
        if (out.data) {
                tw_wipe(out.data, out.size);
                gnutls_free(out.data);
        }
        return r;
}
