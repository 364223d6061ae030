/* Basic auth on the metrics endpoint: the user and password a client's
 * Authorization header carries (libmicrohttpd decodes the header; the input
 * is "user:password" as decoded, with a NUL-free user), checked against a
 * bcrypt hash; and any string offered as a hash at load. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "exporters/http/auth_internal.h"
#include "fuzz.h"

/* "scrape-pw" at cost 4: cheap enough for thousands of checks a second */
#define HASH "$2b$04$bEczGDjbaIhZVJ4pC3iUuecUpXHMoazIAHC1I4sujVAr4r91SYv42"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = strndup((const char *)data, size), *colon;
        struct tw_web_user users[2] = {{.name = "prometheus", .hash = HASH}};
        struct tw_http_auth *a = NULL;

        if (!s)
                return 0;
        /* the input as a configured hash: refused unless bcrypt-shaped */
        users[1].name = "other";
        users[1].hash = s;
        if (tw_http_auth_new(users, 2, &a) == 0)
                tw_http_auth_free(a);
        a = NULL;
        if (tw_http_auth_new(users, 1, &a) < 0)
                abort();
        /* the input as an Authorization header value */
        {
                char *user = NULL, *password = NULL;

                if (tw_http_basic_auth_parse(s, &user, &password) == 0) {
                        if (!user || !password)
                                abort();
                        if (tw_http_auth_check(a, NULL, user, password, 0, NULL) ==
                                    TW_HTTP_AUTH_OK &&
                            !(strcmp(user, "prometheus") == 0 &&
                              strcmp(password, "scrape-pw") == 0))
                                abort(); /* only the right pair logs in */
                }
                free(user);
                free(password);
        }
        /* the input as "user:password" */
        colon = strchr(s, ':');
        if (colon)
                *colon = '\0';
        if (tw_http_auth_check(a, NULL, s, colon ? colon + 1 : NULL, 0, NULL) == TW_HTTP_AUTH_OK &&
            !(strcmp(s, "prometheus") == 0 && colon && strcmp(colon + 1, "scrape-pw") == 0))
                abort(); /* only the right pair logs in */
        tw_http_auth_free(a);
        free(s);
        return 0;
}
