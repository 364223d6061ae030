#include "exporters/http/tls_internal.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/readfile.h"
#include "lib/secret.h"

/* Reads a whole file (at most TW_TLS_FILE_MAX bytes) as a C string; a
 * private key may be among them, so nothing is left behind unwiped. */
static int read_pem(const char *what, const char *path, char **ret, struct tw_buf *err)
{
        char *data = NULL;
        size_t len = 0;
        int r = tw_read_file(path, TW_TLS_FILE_MAX, TW_READ_SECRET, &data, &len);

        if (r == 0 && len == 0) {
                free(data);
                r = -ENODATA;
        }
        if (r < 0) {
                if (err)
                        tw_buf_printf(err, "[web] %s %s: %s\n", what, path,
                                      r == -E2BIG ? "larger than 1 MiB" : strerror(-r));
                return r;
        }
        *ret = data;
        return 0;
}

int tw_tls_files_load(struct tw_tls_files *t, const char *cert_file, const char *key_file,
                      const char *ca_file, struct tw_buf *err)
{
        int r = 0;

        memset(t, 0, sizeof(*t));
        if (cert_file)
                r = read_pem("tls_cert_file", cert_file, &t->cert, err);
        if (r == 0 && key_file)
                r = read_pem("tls_key_file", key_file, &t->key, err);
        if (r == 0 && ca_file)
                r = read_pem("client_ca_file", ca_file, &t->trust, err);
        if (r < 0)
                tw_tls_files_done(t);
        return r;
}

void tw_tls_files_done(struct tw_tls_files *t)
{
        if (t->key)
                tw_wipe(t->key, strlen(t->key));
        free(t->cert);
        free(t->key);
        free(t->trust);
        memset(t, 0, sizeof(*t));
}

bool tw_tls_client_verified(struct MHD_Connection *c)
{
        const union MHD_ConnectionInfo *ci;
        gnutls_session_t session;
        unsigned int status = 0, n = 0;

        ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        if (!ci || !ci->tls_session)
                return false;
        session = (gnutls_session_t)ci->tls_session;
        /* MHD only requests a certificate: the client may send none. */
        if (!gnutls_certificate_get_peers(session, &n) || n == 0)
                return false;
        if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS)
                return false;
        return status == 0;
}
