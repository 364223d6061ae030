#include "lib/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64 * 1024)

struct tw_arena_chunk {
        struct tw_arena_chunk *next;
        size_t size, used;
        alignas(max_align_t) unsigned char data[];
};

void tw_arena_init(struct tw_arena *a)
{
        a->head = NULL;
        tw_strmap_init(&a->interned);
}

void tw_arena_done(struct tw_arena *a)
{
        struct tw_arena_chunk *c = a->head, *next;

        while (c) {
                next = c->next;
                free(c);
                c = next;
        }
        a->head = NULL;
        tw_strmap_done(&a->interned);
}

/* size bytes at the given alignment (a power of two): from the head chunk
 * while it has room, else from a new chunk. */
static void *alloc_aligned(struct tw_arena *a, size_t size, size_t align)
{
        struct tw_arena_chunk *c = a->head;
        size_t off;

        if (c) {
                off = (c->used + align - 1) & ~(align - 1);
                if (off <= c->size && size <= c->size - off) {
                        c->used = off + size;
                        return c->data + off;
                }
        }
        {
                size_t cap = size > CHUNK_SIZE / 4 ? size : CHUNK_SIZE - sizeof(*c);
                struct tw_arena_chunk *n = malloc(sizeof(*n) + cap);

                if (!n)
                        return NULL;
                n->size = cap;
                n->used = size;
                if (size > CHUNK_SIZE / 4 && c) {
                        /* a big object gets its own chunk behind the head,
                         * so the head's free space stays usable */
                        n->next = c->next;
                        c->next = n;
                } else {
                        n->next = c;
                        a->head = n;
                }
                return n->data;
        }
}

void *tw_arena_alloc(struct tw_arena *a, size_t size)
{
        return alloc_aligned(a, size, alignof(max_align_t));
}

char *tw_arena_strdup(struct tw_arena *a, const char *s, int *failed)
{
        size_t n;
        char *p;

        if (!s)
                return NULL;
        n = strlen(s) + 1;
        /* characters need no alignment: packed, an inventory's ~60,000
         * short strings take a third less room than at 16 bytes each */
        p = alloc_aligned(a, n, 1);
        if (!p) {
                *failed = 1;
                return NULL;
        }
        return memcpy(p, s, n);
}

char *tw_arena_intern(struct tw_arena *a, const char *s, int *failed)
{
        size_t v;
        char *p;

        if (!s)
                return NULL;
        /* the map's keys and values are the arena copies */
        if (tw_strmap_get(&a->interned, s, &v))
                return (char *)(uintptr_t)v;
        p = tw_arena_strdup(a, s, failed);
        if (!p)
                return NULL;
        if (tw_strmap_put(&a->interned, p, (size_t)(uintptr_t)p) < 0)
                *failed = 1;
        return p;
}
