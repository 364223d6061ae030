/*
 * The GitHub fake's state: repositories, environments and organizations
 * (each with an X25519 key pair and its secrets, the plaintext kept for
 * tests), opening sealed boxes, and the writes by hand.
 */
#include "storesim_github.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/secret.h"

#define MAX_VALUE (48 * 1024)

static void lower(char *s)
{
        for (; *s; s++)
                *s = (char)tolower((unsigned char)*s);
}

/* A new key pair into box["key"]. */
static int new_key(struct tw_storesim *s, cJSON *box)
{
        unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
        char *p, *k, id[32];
        cJSON *key = cJSON_CreateObject();

        if (sodium_init() < 0 || !key)
                return -ENOMEM;
        crypto_box_keypair(pk, sk);
        p = store_b64_encode((const char *)pk, sizeof(pk));
        k = store_b64_encode((const char *)sk, sizeof(sk));
        sodium_memzero(sk, sizeof(sk));
        snprintf(id, sizeof(id), "%lld", 3380204578043523000LL + s->next_id++);
        cJSON_AddStringToObject(key, "key_id", id);
        cJSON_AddStringToObject(key, "pk", p ? p : "");
        cJSON_AddStringToObject(key, "sk", k ? k : "");
        tw_secret_free(k);
        free(p);
        cJSON_DeleteItemFromObjectCaseSensitive(box, "key");
        cJSON_AddItemToObject(box, "key", key);
        return 0;
}

/* box[key] created with a key pair and an empty "secrets" (and an id). */
static cJSON *container(struct tw_storesim *s, cJSON *parent, const char *key, bool create)
{
        cJSON *box = cJSON_GetObjectItemCaseSensitive(parent, key);

        if (box || !create)
                return box;
        box = store_obj(parent, key);
        if (!box)
                return NULL;
        cJSON_AddNumberToObject(box, "id", (double)s->next_id++);
        store_obj(box, "secrets");
        if (new_key(s, box) < 0)
                return NULL;
        return box;
}

/* Resolves repo "O/R" [env] or org into w (create: make what is missing). */
int gh_resolve(struct tw_storesim *s, const char *kind, const char *a, const char *env, bool create,
               struct gh_where *w)
{
        char key[256];

        memset(w, 0, sizeof(*w));
        snprintf(key, sizeof(key), "%s", a);
        lower(key);
        if (strcmp(kind, "org") == 0) {
                w->org = true;
                snprintf(w->org_name, sizeof(w->org_name), "%s", a);
                w->box = container(s, store_obj(s->state, "orgs"), key, create);
        } else {
                if (!strchr(key, '/'))
                        return -EINVAL;
                w->repo = container(s, store_obj(s->state, "repos"), key, create);
                if (w->repo && !store_str(w->repo, "full_name"))
                        cJSON_AddStringToObject(w->repo, "full_name", a);
                w->box = w->repo;
                if (env && w->repo)
                        w->box = container(s, store_obj(w->repo, "environments"), env, create);
        }
        return 0;
}

/* Opens the sealed box of body for w's key into *ret (the caller wipes and
 * frees it); a 422 message on failure. */
const char *gh_open_box(const struct gh_where *w, const cJSON *body, char **ret)
{
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(w->box, "key");
        const char *ev = store_str(body, "encrypted_value"), *kid = store_str(body, "key_id");
        char *c = NULL, *pk = NULL, *sk = NULL, *m = NULL;
        size_t clen = 0, pklen = 0, sklen = 0;
        const char *why = NULL;

        if (!ev)
                return "Invalid request.\n\n\"encrypted_value\" wasn't supplied.";
        if (!kid)
                return "Invalid request.\n\n\"key_id\" wasn't supplied.";
        if (strcmp(kid, store_str(key, "key_id")) != 0)
                return "Invalid request.\n\nThe key_id does not match the current public key.";
        if (store_b64_decode(ev, &c, &clen) < 0 || clen < crypto_box_SEALBYTES ||
            store_b64_decode(store_str(key, "pk"), &pk, &pklen) < 0 ||
            store_b64_decode(store_str(key, "sk"), &sk, &sklen) < 0) {
                why = "Invalid request.\n\nencrypted_value is not a sealed box.";
                goto out;
        }
        if (clen - crypto_box_SEALBYTES > MAX_VALUE) {
                why = "Invalid request.\n\nSecret value is too large (48 KB maximum).";
                goto out;
        }
        m = calloc(1, clen - crypto_box_SEALBYTES + 1);
        if (!m || crypto_box_seal_open((unsigned char *)m, (unsigned char *)c, clen,
                                       (unsigned char *)pk, (unsigned char *)sk) != 0) {
                why = "Invalid request.\n\nencrypted_value could not be decrypted with the "
                      "current public key.";
                free(m);
                m = NULL;
        }
out:
        free(c);
        free(pk);
        if (sk)
                sodium_memzero(sk, sklen);
        free(sk);
        *ret = m;
        return why;
}

/* Stores value as secret name of w (updating created/updated times). */
cJSON *gh_store_secret(cJSON *box, const char *name, const char *value, bool *ret_created)
{
        cJSON *secrets = store_obj(box, "secrets"), *sec;
        char now[64];

        store_time(now, sizeof(now), false);
        sec = cJSON_GetObjectItemCaseSensitive(secrets, name);
        *ret_created = !sec;
        if (!sec) {
                sec = store_obj(secrets, name);
                cJSON_AddStringToObject(sec, "created_at", now);
        }
        cJSON_DeleteItemFromObjectCaseSensitive(sec, "updated_at");
        cJSON_AddStringToObject(sec, "updated_at", now);
        {
                cJSON *old = cJSON_GetObjectItemCaseSensitive(sec, "value");

                if (cJSON_IsString(old))
                        tw_wipe(old->valuestring, strlen(old->valuestring));
        }
        cJSON_DeleteItemFromObjectCaseSensitive(sec, "value");
        cJSON_AddStringToObject(sec, "value", value);
        return sec;
}

/* Parses a locator: repo:O/R[:NAME], env:O/R:ENV[:NAME], org:O[:NAME]. */
static int locate(struct tw_storesim *s, const char *at, bool create, struct gh_where *w)
{
        char buf[1024], *p[4];
        int n = store_locator(at, buf, sizeof(buf), p, 4), r, name_at;

        if (n >= 2 && strcmp(p[0], "repo") == 0 && n <= 3) {
                r = gh_resolve(s, "repo", p[1], NULL, create, w);
                name_at = 2;
        } else if (n >= 3 && strcmp(p[0], "env") == 0) {
                r = gh_resolve(s, "repo", p[1], p[2], create, w);
                name_at = 3;
        } else if (n >= 2 && strcmp(p[0], "org") == 0 && n <= 3) {
                r = gh_resolve(s, "org", p[1], NULL, create, w);
                name_at = 2;
        } else {
                return -EINVAL;
        }
        if (r == 0 && n > name_at) {
                snprintf(w->name, sizeof(w->name), "%s", p[name_at]);
                for (char *c = w->name; *c; c++)
                        *c = (char)toupper((unsigned char)*c);
        }
        return r < 0 ? r : w->box ? 0 : -ENOENT;
}

int gh_put(struct tw_storesim *s, const char *at, const char *value, const cJSON *attrs)
{
        struct gh_where w;
        bool created;
        int r = locate(s, at, true, &w);
        cJSON *sec;

        if (r < 0 || !value)
                return r;
        if (!w.name[0])
                return -EINVAL;
        sec = gh_store_secret(w.box, w.name, value, &created);
        if (w.org) {
                const char *vis = store_str(attrs, "visibility");
                const cJSON *ids =
                        cJSON_GetObjectItemCaseSensitive(attrs, "selected_repository_ids");

                if (vis || created) {
                        cJSON_DeleteItemFromObjectCaseSensitive(sec, "visibility");
                        cJSON_AddStringToObject(sec, "visibility", vis ? vis : "private");
                }
                if (ids) {
                        cJSON_DeleteItemFromObjectCaseSensitive(sec, "selected_repository_ids");
                        cJSON_AddItemToObject(sec, "selected_repository_ids",
                                              cJSON_Duplicate(ids, 1));
                }
        }
        return 0;
}

/* The secret a locator names, or NULL. */
static cJSON *find(struct tw_storesim *s, const char *at, struct gh_where *w)
{
        if (locate(s, at, false, w) < 0 || !w->name[0])
                return NULL;
        return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(w->box, "secrets"),
                                                w->name);
}

int gh_get(struct tw_storesim *s, const char *at, char **ret_value)
{
        struct gh_where w;
        const cJSON *sec = find(s, at, &w);

        if (!sec)
                return -ENOENT;
        *ret_value = strdup(store_str(sec, "value"));
        return *ret_value ? 0 : -ENOMEM;
}

int gh_remove(struct tw_storesim *s, const char *at)
{
        struct gh_where w;

        if (!find(s, at, &w))
                return -ENOENT;
        cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(w.box, "secrets"),
                                                w.name);
        return 0;
}

int tw_storesim_github_rotate_key(struct tw_storesim *s, const char *at)
{
        struct gh_where w;
        int r;

        if (!s || s->kind != &store_github || !at)
                return -EINVAL;
        pthread_mutex_lock(&s->lock);
        r = locate(s, at, false, &w);
        if (r == 0)
                r = new_key(s, w.box);
        pthread_mutex_unlock(&s->lock);
        return r;
}
