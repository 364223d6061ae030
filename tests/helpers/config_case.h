#ifndef TW_TESTS_HELPERS_CONFIG_CASE_H
#define TW_TESTS_HELPERS_CONFIG_CASE_H

/*
 * The configuration tests' two cases: a text that loads, and a text that
 * is refused with a given error.  Both load the text as the file "t.ini"
 * and fail the running cmocka test, naming the case, when it goes the
 * other way.
 */

struct tw_config;

/* The config text gives (the caller frees it). */
struct tw_config *tw_test_config_load(const char *name, const char *text);

/* Checks that text is refused (-EINVAL, no config) with want among the
 * errors; returns all the errors (the caller frees them) for more checks. */
char *tw_test_config_refused(const char *name, const char *text, const char *want);

#endif
