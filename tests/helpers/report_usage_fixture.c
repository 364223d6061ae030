/* The audit parts of the report fixture (tests/helpers/report_fixture.h): a
 * change history and an audit-log usage index with hostile strings. */
#include "helpers/report_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/events.h"
#include "core/usage/usage.h"

#define FIX_MS(t) ((long long)(t)*1000)

void fix_history_init(struct fix_history *f)
{
        memset(f, 0, sizeof(*f));
        f->events[0] = (struct tw_event){.kind = TW_EVENT_CREATED,
                                         .observed_at = FIX_NOW - 20 * FIX_DAY,
                                         .token_id = fix_dup("tok-a"),
                                         .token_name = fix_dup("ci-deploy"),
                                         .scope = fix_dup("WORKSPACE")};
        f->events[1] =
                (struct tw_event){.kind = TW_EVENT_ROLES_CHANGED,
                                  .severity = TW_SEVERITY_WARNING,
                                  .observed_at = FIX_NOW - 5 * FIX_DAY,
                                  .token_id = fix_dup("tok-b"),
                                  .token_name = fix_dup(FIX_HOSTILE),
                                  .scope = fix_dup("ORGANIZATION"),
                                  .before = fix_dup("ORGANIZATION:org-1=ORGANIZATION_MEMBER"),
                                  .after = fix_dup("ORGANIZATION:org-1=<b>OWNER</b> | x"),
                                  .detail = fix_dup("raised by @team `rm -rf`")};
        f->events[2] = (struct tw_event){.kind = TW_EVENT_DELETED,
                                         .severity = TW_SEVERITY_CRITICAL,
                                         .observed_at = FIX_NOW - FIX_DAY,
                                         .token_id = fix_dup("tok-gone"),
                                         .token_name = fix_dup("<img src=x onerror=alert(1)>"),
                                         .scope = fix_dup("DEPLOYMENT"),
                                         .detail = fix_dup("last used 2 hours before")};
        f->h = (struct tw_event_history){
                .events = f->events, .n_events = 3, .since = FIX_NOW - 30 * FIX_DAY};
}

void fix_history_done(struct fix_history *f)
{
        for (size_t i = 0; i < 3; i++)
                tw_event_done(&f->events[i]);
}

/* tok-a deploys (images, deploys) from two IPs, one with a hostile user
 * agent; tok-b called an operation not in the permission table. */
struct tw_usage *fix_usage(void)
{
        struct tw_usage *u = NULL;
        char text[8192];
        int n = snprintf(
                text, sizeof(text),
                "{\"v\":1,\"entries\":20,\"unlinked\":0,\"tokensDropped\":0,\"tokens\":["
                "{\"id\":\"tok-a\",\"first\":%lld,\"last\":%lld,\"calls\":17,\"pushes\":4,"
                "\"lastPush\":%lld,\"ips\":[[\"10.1.2.3\",15,%lld,%lld],[\"203.0.113.9\",2,%lld,"
                "%lld]],\"ipsDropped\":0,\"agents\":[[\"astro-cli/1.30\",15,%lld,%lld],"
                "[\"\\\"><script>alert(1)</script> | `rm` @channel\",2,%lld,%lld]],"
                "\"agentsDropped\":0,\"opsDropped\":0,\"ops\":[[\"IMAGE_PUSH registry\",4,%lld],"
                "[\"POST /v1/organizations/{organizationId}/deployments/{deploymentId}/deploys\",4,"
                "%lld]]},"
                "{\"id\":\"tok-b\",\"first\":%lld,\"last\":%lld,\"calls\":3,\"pushes\":0,"
                "\"lastPush\":null,\"ips\":[[\"198.51.100.7\",3,%lld,%lld]],\"ipsDropped\":0,"
                "\"agents\":[[\"python-requests/2.31\",3,%lld,%lld]],\"agentsDropped\":0,"
                "\"opsDropped\":0,\"ops\":[[\"GRAPHQL <evil>|name\",3,%lld]]}],\"lifecycle\":["
                "{\"at\":%lld,\"action\":\"created\",\"token\":null,\"name\":\"ci deploy\","
                "\"actor\":\"u-1\",\"actorType\":\"USER\",\"ip\":\"10.0.0.1\",\"ua\":null,"
                "\"status\":200},"
                "{\"at\":%lld,\"action\":\"rotated\",\"token\":\"tok-b\",\"name\":null,"
                "\"actor\":\"tok-a\",\"actorType\":\"SERVICEKEY\",\"ip\":\"203.0.113.9\","
                "\"ua\":\"<b>bold</b> | @here\",\"status\":200},"
                "{\"at\":%lld,\"action\":\"deleted\",\"token\":\"tok-gone\",\"name\":"
                "\"<img src=y>\",\"actor\":\"u-9\",\"actorType\":\"USER\",\"ip\":null,"
                "\"ua\":null,\"status\":-1}]}",
                FIX_MS(FIX_NOW - 25 * FIX_DAY), FIX_MS(FIX_NOW - 3600), FIX_MS(FIX_NOW - 3600),
                FIX_MS(FIX_NOW - 25 * FIX_DAY), FIX_MS(FIX_NOW - 3600),
                FIX_MS(FIX_NOW - 2 * FIX_DAY), FIX_MS(FIX_NOW - 2 * FIX_DAY),
                FIX_MS(FIX_NOW - 25 * FIX_DAY), FIX_MS(FIX_NOW - 3600),
                FIX_MS(FIX_NOW - 2 * FIX_DAY), FIX_MS(FIX_NOW - 2 * FIX_DAY),
                FIX_MS(FIX_NOW - 3600), FIX_MS(FIX_NOW - 3600), FIX_MS(FIX_NOW - 4 * FIX_DAY),
                FIX_MS(FIX_NOW - 4 * FIX_DAY), FIX_MS(FIX_NOW - 4 * FIX_DAY),
                FIX_MS(FIX_NOW - 4 * FIX_DAY), FIX_MS(FIX_NOW - 4 * FIX_DAY),
                FIX_MS(FIX_NOW - 4 * FIX_DAY), FIX_MS(FIX_NOW - 4 * FIX_DAY),
                FIX_MS(FIX_NOW - 100 * FIX_DAY + 30), FIX_MS(FIX_NOW - 2 * FIX_DAY),
                FIX_MS(FIX_NOW - FIX_DAY));

        assert_true(n > 0 && (size_t)n < sizeof(text));
        assert_int_equal(tw_usage_from_json(text, (size_t)n, NULL, &u), 0);
        return u;
}
