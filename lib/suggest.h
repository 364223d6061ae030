#ifndef TW_LIB_SUGGEST_H
#define TW_LIB_SUGGEST_H

/*
 * "Did you mean ...?": the candidate nearest to a mistyped word.
 *
 *   struct tw_suggest s;
 *   tw_suggest_init(&s, "api_ur");
 *   for (...) tw_suggest_add(&s, key);
 *   if (tw_suggest_best(&s)) ... "did you mean %s?"
 *
 * Nearness is the edit distance (insertions, deletions, substitutions, and
 * a swap of two neighbours, each one edit), ignoring ASCII case.  A
 * candidate is suggested only when it is near enough to be a likely typo:
 * at most 1 + len/4 edits for a word of len bytes (so 1 for "url", 2 for
 * "api_ur", 3 for "intervall").  Pure and thread-safe.
 */

#include <stddef.h>

/* Words (and candidates) longer than this are never matched. */
#define TW_SUGGEST_MAX_LEN 64

struct tw_suggest {
        const char *word;
        const char *best; /* NULL: nothing near enough yet */
        size_t best_distance;
};

void tw_suggest_init(struct tw_suggest *s, const char *word);
/* Considers candidate (borrowed: it must outlive s); the first of equally
 * near candidates wins, and the word itself is never suggested. */
void tw_suggest_add(struct tw_suggest *s, const char *candidate);
/* The nearest candidate near enough, or NULL. */
const char *tw_suggest_best(const struct tw_suggest *s);

/* The edit distance between a and b as above, or SIZE_MAX when either is
 * longer than TW_SUGGEST_MAX_LEN. */
size_t tw_edit_distance(const char *a, const char *b);

#endif
