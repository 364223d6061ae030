#include "core/status.h"

#include <string.h>

#include "lib/timeutil.h"

static const char *const listing_names[_TW_LISTING_KIND_MAX] = {
        [TW_LISTING_WORKSPACES] = "workspaces",
        [TW_LISTING_DEPLOYMENTS] = "deployments",
        [TW_LISTING_USERS] = "users",
        [TW_LISTING_TOKENS] = "tokens",
};

void tw_agent_status_init(struct tw_agent_status *st, const char *version)
{
        memset(st, 0, sizeof(*st));
        st->version = version;
        st->last_success = TW_NO_TIME;
        st->credential_expiry = TW_NO_TIME;
        st->config_reload_success = true;
        st->config_reload_time = TW_NO_TIME;
}

const char *tw_listing_kind_to_string(enum tw_listing_kind k)
{
        return (unsigned)k < _TW_LISTING_KIND_MAX ? listing_names[k] : "unknown";
}
