/* Comma lists of values, and the owner lists of [webhook.NAME] (teams,
 * match): below both the key table (core/config/key_types.c) and [owners]
 * (core/config/owners.c), which share them. */
#include "core/config/values.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/owner.h"

char *tw_config_trimmed(const char *b, const char *e)
{
        while (b < e && isspace((unsigned char)*b))
                b++;
        while (e > b && isspace((unsigned char)e[-1]))
                e--;
        return strndup(b, (size_t)(e - b));
}

int tw_config_split_list(const char *v, char ***ret, size_t *ret_n)
{
        char **items = NULL, **tmp;
        size_t n = 0;

        for (const char *p = v;; p++) {
                const char *e = p + strcspn(p, ",");
                char *item = tw_config_trimmed(p, e);

                tmp = item ? realloc(items, (n + 1) * sizeof(*items)) : NULL;
                if (!tmp) {
                        free(item);
                        tw_strv_free(items, n);
                        return -ENOMEM;
                }
                items = tmp;
                items[n++] = item;
                if (!*e)
                        break;
                p = e;
        }
        *ret = items;
        *ret_n = n;
        return 0;
}

int tw_config_parse_teams(const char *v, bool match, char ***ret, size_t *ret_n,
                          const char **ret_why)
{
        char **items = NULL;
        size_t n = 0;
        int r = tw_config_split_list(v, &items, &n);

        for (size_t i = 0; r >= 0 && i < n; i++) {
                char *eq = match ? strchr(items[i], '=') : NULL, *key, *val, *norm;

                if (!match) {
                        if (!tw_owner_value_ok(items[i])) {
                                *ret_why = "expected a comma-separated list of teams (no control "
                                           "or \" \\ < > & ` character)";
                                r = -EINVAL;
                        }
                        continue;
                }
                if (!eq) {
                        *ret_why = "expected a comma-separated list of key=value";
                        r = -EINVAL;
                        break;
                }
                key = tw_config_trimmed(items[i], eq);
                val = tw_config_trimmed(eq + 1, eq + 1 + strlen(eq + 1));
                norm = key && val ? malloc(strlen(key) + strlen(val) + 2) : NULL;
                if (!norm) {
                        r = -ENOMEM;
                } else if (tw_owner_keys_check((const char *const *)&key, 1, ret_why) < 0) {
                        r = -EINVAL;
                } else if (!tw_owner_value_ok(val)) {
                        *ret_why = "a match value is 1 to 128 bytes with no control or "
                                   "\" \\ < > & ` character";
                        r = -EINVAL;
                } else {
                        strcpy(norm, key);
                        strcat(norm, "=");
                        strcat(norm, val);
                        free(items[i]);
                        items[i] = norm;
                        norm = NULL;
                }
                free(norm);
                free(key);
                free(val);
        }
        if (r < 0) {
                tw_strv_free(items, n);
                return r;
        }
        *ret = items;
        *ret_n = n;
        return 0;
}
