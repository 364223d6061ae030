#ifndef TW_LIB_JSON_H
#define TW_LIB_JSON_H

/*
 * The small cJSON jobs every JSON writer and reader of the tree needs: a
 * string or null, a time as RFC 3339 or null, and numbers read back within
 * the bounds a double holds exactly.  Pure and thread-safe (on objects the
 * caller does not share while writing).
 */

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Every integer up to 2^53 is exact in a double (JSON numbers are doubles):
 * the bound of ids and counts written as numbers. */
#define TW_JSON_EXACT_MAX 9007199254740992.0
/* The bound of a number read into an int64_t: below 2^63, so the
 * conversion is defined. */
#define TW_JSON_INT64_MAX 9.2e18

/* Adds key: s, or key: null for NULL.  false only when out of memory. */
bool tw_json_add_str(cJSON *o, const char *key, const char *s);
/* Adds key: t as RFC 3339 UTC ("2026-01-02T03:04:05Z"), or key: null for
 * TW_NO_TIME.  false only when out of memory. */
bool tw_json_add_time(cJSON *o, const char *key, int64_t t);

/* Reads what tw_json_add_str() wrote: a new copy of the string (the caller
 * frees it), or NULL for null or no member.  0, -EBADMSG for another type
 * (*ret is then NULL), -ENOMEM. */
int tw_json_get_str(const cJSON *o, const char *key, char **ret);

/* Reads what tw_json_add_time() wrote: an RFC 3339 string (any offset,
 * lib/timeutil.h), or null or no member for TW_NO_TIME.  0, or -EBADMSG
 * for anything else (*ret_time is then TW_NO_TIME). */
int tw_json_get_time(const cJSON *o, const char *key, int64_t *ret_time);

/* v as a finite number within [min, max].  0, or -EBADMSG (v NULL, not a
 * number, NaN or infinite, out of range), *ret written only on success. */
int tw_json_number(const cJSON *v, double min, double max, double *ret);
/* Member key of o as an int64_t: a number within +-TW_JSON_INT64_MAX
 * (fractions truncated toward zero).  0 or -EBADMSG. */
int tw_json_get_int64(const cJSON *o, const char *key, int64_t *ret);

/* Wipes every string value in j (it held a secret: a token's value), then
 * deletes it.  NULL-safe. */
void tw_json_delete_wiped(cJSON *j);

#endif
