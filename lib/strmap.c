#include "lib/strmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fnv.h"

void tw_strmap_init(struct tw_strmap *m)
{
        memset(m, 0, sizeof(*m));
}

void tw_strmap_done(struct tw_strmap *m)
{
        free(m->keys);
        free(m->vals);
        tw_strmap_init(m);
}

static size_t slot(const struct tw_strmap *m, const char *key)
{
        size_t i = (size_t)tw_fnv1a_str(key) & (m->cap - 1);

        while (m->keys[i] && strcmp(m->keys[i], key) != 0)
                i = (i + 1) & (m->cap - 1);
        return i;
}

static int grow(struct tw_strmap *m)
{
        struct tw_strmap n = {0};

        n.cap = m->cap ? m->cap * 2 : 16;
        n.keys = calloc(n.cap, sizeof(*n.keys));
        n.vals = calloc(n.cap, sizeof(*n.vals));
        if (!n.keys || !n.vals) {
                free(n.keys);
                free(n.vals);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++) {
                if (m->keys[i]) {
                        size_t j = slot(&n, m->keys[i]);

                        n.keys[j] = m->keys[i];
                        n.vals[j] = m->vals[i];
                        n.n++;
                }
        }
        free(m->keys);
        free(m->vals);
        *m = n;
        return 0;
}

int tw_strmap_put(struct tw_strmap *m, const char *key, size_t val)
{
        size_t i;

        if ((m->n + 1) * 4 > m->cap * 3) {
                int r = grow(m);

                if (r < 0)
                        return r;
        }
        i = slot(m, key);
        if (m->keys[i])
                return -EEXIST;
        m->keys[i] = key;
        m->vals[i] = val;
        m->n++;
        return 0;
}

bool tw_strmap_set(struct tw_strmap *m, const char *key, size_t val)
{
        size_t i;

        if (!m->cap || !key)
                return false;
        i = slot(m, key);
        if (!m->keys[i])
                return false;
        m->vals[i] = val;
        return true;
}

bool tw_strmap_get(const struct tw_strmap *m, const char *key, size_t *ret_val)
{
        size_t i;

        if (!m->cap || !key)
                return false;
        i = slot(m, key);
        if (!m->keys[i])
                return false;
        if (ret_val)
                *ret_val = m->vals[i];
        return true;
}
