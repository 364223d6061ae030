/* Checks of a rendered HTML page (tests/helpers/html_check.h). */
#include "helpers/html_check.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

size_t html_count(const char *hay, const char *needle)
{
        size_t n = 0;

        for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
                n++;
        return n;
}

void html_assert_absent(const char *html, const char *what)
{
        if (strstr(html, what))
                fail_msg("the HTML page holds \"%s\": %s", what, strstr(html, what));
}

void html_assert_present(const char *html, const char *what)
{
        if (!strstr(html, what))
                fail_msg("the HTML page lacks \"%s\"", what);
}

/* The CSP allows nothing but the page's one stylesheet, by its hash. */
static void assert_csp(const char *html)
{
        const char *style = strstr(html, "<style>"),
                   *end = style ? strstr(style, "</style>") : NULL;
        unsigned char md[32];
        gnutls_datum_t in = {.data = md, .size = sizeof(md)}, b64 = {0};
        char want[256];

        assert_non_null(end);
        style += strlen("<style>");
        assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, style, (size_t)(end - style), md), 0);
        assert_int_equal(gnutls_base64_encode2(&in, &b64), 0);
        snprintf(want, sizeof(want),
                 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                 "style-src 'sha256-%.*s'; base-uri 'none'; form-action 'none'\">",
                 (int)b64.size, (const char *)b64.data);
        gnutls_free(b64.data);
        html_assert_present(html, want);
        html_assert_absent(html, " style=\""); /* the hash allows no inline style attribute */
}

void html_assert_self_contained(const char *html)
{
        static const char *const banned[] = {
                "<script",    "<link",       "<img",     "<iframe", "<object",
                "<embed",     "<form",       " src=\"",  "url(",    "@import",
                "@font-face", "href=\"http", "href=\"/", "\x1b",    "\xe2\x80\xae" /* U+202E */,
                "\r"};
        static const char *const pairs[][2] = {
                {"<table", "</table>"},     {"<tr", "</tr>"},   {"<ul", "</ul>"},
                {"<ol", "</ol>"},           {"<li>", "</li>"},  {"<bdi", "</bdi>"},
                {"<nav", "</nav>"},         {"<svg", "</svg>"}, {"<a ", "</a>"},
                {"<section", "</section>"},
        };

        for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
                html_assert_absent(html, banned[i]);
        assert_csp(html);
        assert_int_equal(html_count(html, "<style>"), 1);
        assert_int_equal(html_count(html, "<html"), 1);
        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
                if (html_count(html, pairs[i][0]) != html_count(html, pairs[i][1]))
                        fail_msg("%zu %s but %zu %s", html_count(html, pairs[i][0]), pairs[i][0],
                                 html_count(html, pairs[i][1]), pairs[i][1]);
}
