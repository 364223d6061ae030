#include "lib/suggest.h"

#include <stdint.h>
#include <string.h>

static char lower(char c)
{
        return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static size_t min3(size_t a, size_t b, size_t c)
{
        size_t m = a < b ? a : b;

        return m < c ? m : c;
}

/* The optimal string alignment distance, three rows of the table. */
size_t tw_edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        size_t rows[3][TW_SUGGEST_MAX_LEN + 1];
        size_t *two = rows[0], *prev = rows[1], *cur = rows[2];

        if (la > TW_SUGGEST_MAX_LEN || lb > TW_SUGGEST_MAX_LEN)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t cost = lower(a[i - 1]) != lower(b[j - 1]);

                        cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
                        if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                            lower(a[i - 2]) == lower(b[j - 1]) && two[j - 2] + 1 < cur[j])
                                cur[j] = two[j - 2] + 1;
                }
                {
                        size_t *t = two;

                        two = prev;
                        prev = cur;
                        cur = t;
                }
        }
        return prev[lb];
}

void tw_suggest_init(struct tw_suggest *s, const char *word)
{
        size_t len = strlen(word);

        s->word = word;
        s->best = NULL;
        /* a candidate must be nearer than this */
        s->best_distance = len > TW_SUGGEST_MAX_LEN ? 0 : 2 + len / 4;
}

void tw_suggest_add(struct tw_suggest *s, const char *candidate)
{
        size_t la = strlen(s->word), lb = strlen(candidate), d;

        /* the lengths alone may already be too far apart */
        if ((la > lb ? la - lb : lb - la) >= s->best_distance || strcmp(s->word, candidate) == 0)
                return;
        d = tw_edit_distance(s->word, candidate);
        if (d < s->best_distance) {
                s->best = candidate;
                s->best_distance = d;
        }
}

const char *tw_suggest_best(const struct tw_suggest *s)
{
        return s->best;
}
