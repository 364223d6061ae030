#include "lib/fnv.h"

#define OFFSET_BASIS 1469598103934665603ULL /* see lib/fnv.h */
#define PRIME 1099511628211ULL

uint64_t tw_fnv1a(const void *data, size_t len)
{
        const unsigned char *p = data;
        uint64_t h = OFFSET_BASIS;

        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= PRIME;
        }
        return h;
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
