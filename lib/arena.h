#ifndef TW_LIB_ARENA_H
#define TW_LIB_ARENA_H

/*
 * A bump allocator for objects that live and die together (an inventory's
 * strings), with string interning for the many repeated values (scopes,
 * roles, entity types).  One malloc per 64 KiB chunk instead of one per
 * string: an inventory of 10,000 tokens holds ~150,000 strings.
 * Not thread-safe while being filled; read-only use is.
 */

#include <stddef.h>

#include "lib/strmap.h"

struct tw_arena_chunk;

struct tw_arena {
        struct tw_arena_chunk *head;
        struct tw_strmap interned; /* string -> unused, keys live in the arena */
};

void tw_arena_init(struct tw_arena *a);
/* Frees every chunk: every pointer the arena gave out dies. */
void tw_arena_done(struct tw_arena *a);
/* size bytes aligned for any object; NULL on -ENOMEM. */
void *tw_arena_alloc(struct tw_arena *a, size_t size);
/* A copy of s (NULL for NULL).  *failed is set on -ENOMEM. */
char *tw_arena_strdup(struct tw_arena *a, const char *s, int *failed);
/* Like tw_arena_strdup, but equal strings share one copy. */
char *tw_arena_intern(struct tw_arena *a, const char *s, int *failed);

#endif
