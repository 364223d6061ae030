#ifndef TW_LIB_MD_H
#define TW_LIB_MD_H

/*
 * Markdown: the one escaper of text from the API or the config for any
 * Markdown tokenwatch writes (the reports and audit views for GitHub, the
 * Teams cards), and the one writer of Markdown documents.
 *
 * tw_md_escape(), one rule set for every CommonMark renderer:
 *  - CR, LF and tab become a space: the text stays on its line (a table
 *    row, a paragraph);
 *  - C0 and C1 controls, DEL, the bidirectional overrides and isolates and
 *    invalid UTF-8 become '?';
 *  - < > & become &lt; &gt; &amp;, so no '<' reaches the output: no HTML,
 *    no autolink;
 *  - \ | ` * _ [ ] ~ @ get a backslash: no table cell break, code,
 *    emphasis, link or mention;
 *  - - + # get a backslash where a line starts (out empty or ending in a
 *    newline), the only place they start a list or a heading.
 * Everything else, quotes and emoji included, is kept.
 *
 * Pure; a struct tw_md is used by one thread at a time.
 */

#include <stddef.h>

struct tw_buf;

/* Appends s escaped (see above); NULL appends nothing.  0, -ENOMEM, -E2BIG. */
int tw_md_escape(struct tw_buf *out, const char *s);

/*
 * A document being written into out: every call appends, and the first
 * error sticks in r (later calls do nothing), so a writer checks r once at
 * the end.  Markup (tw_md_raw(), tw_md_printf(), table heads) is appended as
 * is and must be constants and numbers; text goes through tw_md_text() or a
 * cell.
 */
struct tw_md {
        struct tw_buf *out;
        int r; /* 0, or the first error */
};

void tw_md_init(struct tw_md *m, struct tw_buf *out);
void tw_md_raw(struct tw_md *m, const char *markup);
void tw_md_printf(struct tw_md *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s escaped (tw_md_escape()). */
void tw_md_text(struct tw_md *m, const char *s);

/*
 * Tables, GitHub's way: tw_md_table() writes the head row and the
 * delimiter row ("| A | B |\n|---|---:|\n": align holds one 'l' or 'r' per
 * column, NULL for all left; an empty title writes "| "), then each row is
 * cells and tw_md_row_end().
 */
void tw_md_table(struct tw_md *m, const char *const *titles, size_t n, const char *align);
/* "| s " with s escaped; NULL is an empty cell. */
void tw_md_cell(struct tw_md *m, const char *s);
/* "| markup " as is (counts, dates, "-"). */
void tw_md_cell_raw(struct tw_md *m, const char *markup);
void tw_md_row_end(struct tw_md *m);

#endif
