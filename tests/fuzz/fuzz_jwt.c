/* The JWT payload of the agent's own credential: any token string decodes
 * or fails with -EINVAL / -EBADMSG; the ids it yields are valid ids. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/values.h"
#include "core/credential.h"
#include "lib/timeutil.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tw_jwt_claims c = {0};
        char *token = strndup((const char *)data, size);
        int r;

        if (!token)
                return 0;
        r = tw_jwt_decode(token, &c);
        if (r < 0 && r != -EINVAL && r != -EBADMSG && r != -ENOMEM)
                abort();
        if (r == 0) {
                if ((c.exp != TW_NO_TIME && c.exp < 0) || (c.iat != TW_NO_TIME && c.iat < 0))
                        abort();
                for (size_t i = 0; i < c.n_workspace_ids; i++)
                        if (!tw_is_valid_id(c.workspace_ids[i]))
                                abort(); /* they go into request URLs */
                if (c.n_workspace_ids > c.n_permissions)
                        abort();
        }
        tw_jwt_claims_done(&c);
        free(token);
        return 0;
}
