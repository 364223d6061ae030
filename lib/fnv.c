#include "lib/fnv.h"

#define OFFSET_BASIS 14695981039346656037ULL
#define PRIME 1099511628211ULL

uint64_t tw_fnv1a_more(uint64_t h, const void *data, size_t len)
{
        const unsigned char *p = data;

        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= PRIME;
        }
        return h;
}

uint64_t tw_fnv1a(const void *data, size_t len)
{
        return tw_fnv1a_more(OFFSET_BASIS, data, len);
}

uint64_t tw_fnv1a_str(const char *s)
{
        uint64_t h = OFFSET_BASIS;

        for (; *s; s++) {
                h ^= (unsigned char)*s;
                h *= PRIME;
        }
        return h;
}
