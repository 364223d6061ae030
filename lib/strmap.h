#ifndef TW_LIB_STRMAP_H
#define TW_LIB_STRMAP_H

/*
 * An open-addressing hash map from borrowed C strings to size_t values
 * (indexes into an owner's array).  The map never copies or frees keys: the
 * caller keeps them alive for as long as the map lives.  Not thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>

struct tw_strmap {
        const char **keys;
        size_t *vals;
        size_t cap; /* power of two, or 0 */
        size_t n;
};

void tw_strmap_init(struct tw_strmap *m);
void tw_strmap_done(struct tw_strmap *m);
/* Inserts key -> val.  -EEXIST if key is present (the map is unchanged),
 * -ENOMEM on allocation failure. */
int tw_strmap_put(struct tw_strmap *m, const char *key, size_t val);
/* Sets the value of a key already present; false (nothing changed) if
 * absent.  For an owner whose array was reordered: no allocation. */
bool tw_strmap_set(struct tw_strmap *m, const char *key, size_t val);
/* True and *ret_val set if key is present. */
bool tw_strmap_get(const struct tw_strmap *m, const char *key, size_t *ret_val);

#endif
