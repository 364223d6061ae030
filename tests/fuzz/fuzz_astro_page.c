/* The Astro API page parser and the object parsers of each listing: any
 * body must parse or fail with a message, never crash or leak. */
#include <errno.h>
#include <stdlib.h>

#include "collectors/astro/parse_internal.h"
#include "lib/buf.h"
#include "fuzz.h"

/* Parses every item of page as what the listing key lists. */
static void parse_items(int kind, const cJSON *items, struct tw_buf *err)
{
        const cJSON *item;

        cJSON_ArrayForEach (item, items) {
                union {
                        struct tw_workspace w;
                        struct tw_deployment d;
                        struct tw_user u;
                        struct tw_token t;
                } o;
                int r;

                tw_buf_reset(err);
                switch (kind) {
                case 0:
                        if ((r = tw_astro_parse_token(item, &o.t, err)) == 0)
                                tw_token_done(&o.t);
                        break;
                case 1:
                        if ((r = tw_astro_parse_user(item, &o.u, err)) == 0)
                                tw_user_done(&o.u);
                        break;
                case 2:
                        if ((r = tw_astro_parse_workspace(item, &o.w, err)) == 0)
                                tw_workspace_done(&o.w);
                        break;
                default:
                        if ((r = tw_astro_parse_deployment(item, &o.d, err)) == 0)
                                tw_deployment_done(&o.d);
                        break;
                }
                /* a failure always says why */
                if (r == -EINVAL && err->len == 0)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const keys[] = {"tokens", "users", "workspaces", "deployments"};
        struct tw_buf err;

        tw_buf_init(&err, 4096);
        for (int k = 0; k < 4; k++) {
                struct tw_page page = {0};
                int r;

                tw_buf_reset(&err);
                r = tw_astro_parse_page((const char *)data, size, keys[k], &page, &err);
                if (r < 0) {
                        if (r != -ENOMEM && err.len == 0)
                                abort();
                        continue;
                }
                if (page.limit < 0 || page.offset < 0 || page.total < 0)
                        abort();
                parse_items(k, page.items, &err);
                tw_page_done(&page);
        }
        tw_buf_done(&err);
        return 0;
}
