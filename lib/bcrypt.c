#include "lib/bcrypt.h"

#include <string.h>

const char *tw_bcrypt_hash_problem(const char *hash)
{
        int cost;

        if (!hash || strncmp(hash, "$2", 2) != 0 || !hash[2] || !strchr("yba", hash[2]) ||
            hash[3] != '$')
                return "expected a bcrypt hash ($2y$...), e.g. from htpasswd -nBC 10";
        if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9' || hash[6] != '$')
                return "expected a bcrypt hash with a two-digit cost ($2y$10$...)";
        cost = (hash[4] - '0') * 10 + (hash[5] - '0');
        if (cost < TW_BCRYPT_COST_MIN)
                return "bcrypt cost below 4 is not valid bcrypt";
        if (cost > TW_BCRYPT_COST_MAX)
                return "bcrypt cost above 12: every failed login would cost that much CPU "
                       "(make the hash with htpasswd -nBC 10)";
        return NULL;
}
