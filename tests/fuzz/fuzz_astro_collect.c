/* A whole collection against a fake API whose answers are the input: the
 * paging, de-duplication and leaving out of objects that do not parse.
 * Input: one byte of options, then answers separated by NUL bytes, served
 * in turn (an answer "403 ..." is that status with the rest as its body). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/astro/astro.h"
#include "core/config/config.h"
#include "core/config/values.h"
#include "core/credential.h"
#include "core/inventory.h"
#include "helpers/fake_transport.h"
#include "lib/buf.h"
#include "lib/timeutil.h"
#include "fuzz.h"

#define MAX_REQUESTS 64 /* then the transport fails: paging must stop */

struct api {
        const uint8_t *data;
        size_t size, pos;
        unsigned requests;
};

static int answer(void *ud, const char *url, long *status, struct tw_buf *body)
{
        struct api *a = ud;
        const uint8_t *p, *end;
        char *stop;
        long s;

        (void)url;
        if (a->requests++ >= MAX_REQUESTS || a->size == 0)
                return -ETIMEDOUT;
        if (a->pos >= a->size)
                a->pos = 0;
        p = a->data + a->pos;
        end = memchr(p, '\0', a->size - a->pos);
        if (!end)
                end = a->data + a->size;
        a->pos = (size_t)(end - a->data) + 1;
        *status = 200;
        if (end - p >= 4 && p[0] >= '1' && p[0] <= '5' && p[3] == ' ') {
                s = strtol((const char *)p, &stop, 10);
                if (stop == (const char *)p + 3) {
                        *status = s;
                        p += 4;
                }
        }
        return tw_buf_add(body, p, (size_t)(end - p)) < 0 ? -ENOMEM : 0;
}

/* What every inventory must hold, however the API behaved. */
static void check(const struct tw_inventory *inv)
{
        for (size_t i = 0; i < inv->n_tokens; i++) {
                if (!tw_is_valid_id(inv->tokens[i].id))
                        abort();
                if (i && strcmp(inv->tokens[i - 1].id, inv->tokens[i].id) >= 0)
                        abort(); /* sorted, no duplicates */
        }
        for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                if ((!inv->listed[k] || !inv->all_pages[k]) && tw_inventory_complete(inv))
                        abort(); /* every gap is named */
        for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                if (!inv->all_pages[k] && inv->listed[k])
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const configs[] = {
                "[astro]\napi_url = http://127.0.0.1:1\n",
                "[astro]\napi_url = http://127.0.0.1:1\napi_version = v1beta1\n"
                "workspaces = ws0, ws1\n",
        };
        char *ws_ids[] = {"ws0"};
        struct tw_credential_info cred = {
                .organization_id = "org1",
                .claims = {.exp = TW_NO_TIME, .workspace_ids = ws_ids, .n_workspace_ids = 1},
        };
        struct api a = {.data = data + (size > 0), .size = size ? size - 1 : 0};
        struct tw_inventory *inv = NULL;
        struct tw_config *cfg = NULL;
        struct tw_transport *t;
        struct tw_buf err;
        int r;

        tw_buf_init(&err, 4096);
        if (tw_config_load_string(configs[size ? data[0] & 1 : 0], "fuzz.ini", &cfg, &err) < 0)
                abort();
        t = tw_fake_transport_new(answer, &a);
        if (!t)
                abort();
        r = tw_astro_collect(cfg, &cred, t, 1780000000, &inv);
        if (r == 0)
                check(inv);
        else if (r != -ENOMEM)
                abort();
        tw_inventory_free(inv);
        tw_transport_free(t);
        tw_config_free(cfg);
        tw_buf_done(&err);
        return 0;
}
