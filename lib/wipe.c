/* explicit_bzero() is a glibc/BSD extension. */
#define _DEFAULT_SOURCE
#include "lib/wipe.h"

#include <string.h>

void tw_wipe(void *p, size_t n)
{
        if (p)
                explicit_bzero(p, n);
}
