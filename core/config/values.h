#ifndef TW_CORE_CONFIG_VALUES_H
#define TW_CORE_CONFIG_VALUES_H

/*
 * Value parsers for configuration keys.  Each returns 0, or -EINVAL/-ERANGE
 * and a short reason in *ret_why (a static string) for the caller's message.
 * Pure and thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config/config.h"

int tw_parse_bool(const char *v, bool *ret, const char **ret_why);
int tw_parse_int(const char *v, long min, long max, long *ret, const char **ret_why);
int tw_parse_double(const char *v, double min, double max, double *ret, const char **ret_why);
/* A duration within [min, max] seconds; "off" gives TW_OFF when allow_off. */
int tw_parse_duration(const char *v, int64_t min, int64_t max, bool allow_off, int64_t *ret,
                      const char **ret_why);
/* "7d", "25%" or "off". */
int tw_parse_threshold(const char *v, struct tw_threshold *ret, const char **ret_why);
/* An Astro object id: 1..64 of [A-Za-z0-9_-]. */
bool tw_is_valid_id(const char *v);
/* Splits a comma list of ids into a new array (items trimmed, none empty). */
int tw_parse_id_list(const char *v, char ***ret_items, size_t *ret_n, const char **ret_why);
void tw_strv_free(char **v, size_t n);
/* An http(s) URL; http only to a loopback host.  Trailing '/' removed. */
int tw_parse_url(const char *v, char **ret, const char **ret_why);
/* A listen address, as core/config/listen.h accepts it. */
int tw_parse_listen(const char *v, const char **ret_why);
/* "YYYY-MM-DD" as the Unix time of that day's 00:00 UTC. */
int tw_parse_date(const char *v, int64_t *ret, const char **ret_why);

/* core/config/owner_values.c: */
/* A new string of [b, e) without leading and trailing blanks; NULL on -ENOMEM. */
char *tw_config_trimmed(const char *b, const char *e);
/* Splits a comma list into trimmed items (empty items kept, for the
 * caller's checks to refuse).  0 or -ENOMEM. */
int tw_config_split_list(const char *v, char ***ret, size_t *ret_n);
/* [webhook.NAME] teams (match false: owner values) or match (key=value
 * items, stored as "key=value" without blanks) into a new array. */
int tw_config_parse_teams(const char *v, bool match, char ***ret, size_t *ret_n,
                          const char **ret_why);

#endif
