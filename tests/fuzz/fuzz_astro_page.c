/* The Astro API page parser and the object parsers of each listing: any
 * body must parse or fail with a message, never crash or leak. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/astro/parse.h"
#include "lib/buf.h"
#include "fuzz.h"

/* Parses every item of page as what the listing key lists; whether every
 * item was valid JSON. */
static bool parse_items(int kind, struct tw_page *page, struct tw_buf *err)
{
        cJSON *item;
        int n;

        for (;;) {
                union {
                        struct tw_workspace w;
                        struct tw_deployment d;
                        struct tw_user u;
                        struct tw_token t;
                } o;
                int r;

                tw_buf_reset(err);
                n = tw_page_next(page, &item, err);
                if (n < 0 && err->len == 0)
                        abort();
                if (n < 0 || !item)
                        return n == 0;
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
                cJSON_Delete(item);
        }
}

/* Whether cJSON reads data as one document with an array under key
 * (only whitespace after it). */
static bool whole_has_array(const uint8_t *data, size_t size, const char *key)
{
        const char *end = NULL;
        cJSON *root = cJSON_ParseWithLengthOpts((const char *)data, size, &end, false);
        bool ok = root && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, key));

        for (; ok && end < (const char *)data + size; end++)
                ok = *end == ' ' || *end == '\t' || *end == '\r' || *end == '\n';
        cJSON_Delete(root);
        return ok;
}

/* Whether brackets nest deeper than cJSON's limit allows a whole document
 * (an item read alone starts two levels higher). */
static bool deep(const uint8_t *data, size_t size)
{
        size_t depth = 0;

        for (size_t i = 0; i < size; i++)
                if (data[i] == '[' || data[i] == '{')
                        depth++;
        return depth >= CJSON_NESTING_LIMIT - 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const keys[] = {"tokens", "users", "workspaces", "deployments"};
        struct tw_buf err;

        tw_buf_init(&err, 4096);
        for (int k = 0; k < 4; k++) {
                struct tw_page page = {0};
                bool valid = false, whole;
                int r;

                tw_buf_reset(&err);
                r = tw_astro_parse_page((const char *)data, size, keys[k], SIZE_MAX, &page, &err);
                if (r < 0 && r != -ENOMEM && err.len == 0)
                        abort();
                if (r == 0) {
                        if (page.limit < 0 || page.offset < 0 || page.total < 0)
                                abort();
                        valid = parse_items(k, &page, &err);
                        tw_page_done(&page);
                }
                /* read item by item, the page is valid exactly when cJSON
                 * reads it whole (bad counts still refuse a valid one) */
                if (deep(data, size) || r == -ENOMEM)
                        continue;
                whole = whole_has_array(data, size, keys[k]);
                if (valid && !whole)
                        abort();
                if (!valid && whole &&
                    !(r < 0 && strstr(err.ptr, "response has ") && !strstr(err.ptr, "array")))
                        abort();
        }
        tw_buf_done(&err);
        return 0;
}
