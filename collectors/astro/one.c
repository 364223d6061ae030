/* One organization's collection from start to end: credential, transport,
 * listings.  `report` and the daemon both run it; each logs its own way. */
#include "collectors/astro/astro.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/credential.h"
#include "core/inventory.h"
#include "lib/http/http.h"
#include "lib/timeutil.h"

int tw_astro_collect_one(const struct tw_astro_config *a, int64_t credential_now, int64_t now,
                         volatile sig_atomic_t *cancel, int64_t deadline_ns,
                         struct tw_astro_one *ret)
{
        struct tw_credential_info cred = {0};
        int r;

        memset(ret, 0, sizeof(*ret));
        tw_buf_init(&ret->message, 4096);
        ret->credential_expiry = TW_NO_TIME;
        ret->step = TW_ASTRO_CREDENTIAL;
        r = tw_credential_load_org(a, credential_now, &cred, &ret->message);
        if (r < 0)
                goto out;
        ret->credential_expiry = cred.claims.exp;
        snprintf(ret->organization_id, sizeof(ret->organization_id), "%s", cred.organization_id);
        ret->step = TW_ASTRO_TRANSPORT;
        ret->transport = tw_astro_transport_new_org(a, cred.token, cancel, deadline_ns);
        if (!ret->transport) {
                r = -ENOMEM;
                goto out;
        }
        ret->step = TW_ASTRO_COLLECTION;
        r = tw_astro_collect_org(a, &cred, ret->transport, now, &ret->inv);
        if (r == 0)
                ret->step = TW_ASTRO_COLLECTED;
out:
        ret->error = r;
        tw_credential_done(&cred);
        return r;
}

void tw_astro_one_done(struct tw_astro_one *one)
{
        if (!one)
                return;
        tw_buf_done(&one->message);
        tw_inventory_free(one->inv);
        tw_transport_free(one->transport);
        one->inv = NULL;
        one->transport = NULL;
}
