#ifndef TW_TESTS_HELPERS_HTML_CHECK_H
#define TW_TESTS_HELPERS_HTML_CHECK_H

/*
 * Checks of a rendered HTML report or status page for the cmocka tests
 * (test_report_html*.c): each fails the running test with what it found.
 */

#include <stddef.h>

/* How many times needle occurs in hay (overlaps counted). */
size_t html_count(const char *hay, const char *needle);
/* Fails when html holds / lacks what. */
void html_assert_absent(const char *html, const char *what);
void html_assert_present(const char *html, const char *what);
/* What no page may hold, whatever the API sent: no script, no resource
 * from outside, no inline style, a CSP allowing only the page's one
 * stylesheet by its hash, no terminal escape or bidi override, and
 * balanced elements. */
void html_assert_self_contained(const char *html);

#endif
