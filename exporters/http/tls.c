#include "exporters/http/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/secret.h"

/* Reads a whole file (at most TW_TLS_FILE_MAX bytes) as a C string. */
static int read_pem(const char *what, const char *path, char **ret, struct tw_buf *err)
{
        struct tw_buf b;
        char chunk[4096];
        ssize_t n;
        int fd, r = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                if (err)
                        tw_buf_printf(err, "[web] %s %s: %s\n", what, path, strerror(-r));
                return r;
        }
        tw_buf_init(&b, TW_TLS_FILE_MAX);
        while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                r = n < 0 ? -errno : tw_buf_add(&b, chunk, (size_t)n);
                if (r < 0)
                        break;
        }
        tw_wipe(chunk, sizeof(chunk));
        close(fd);
        if (r == 0 && b.len == 0)
                r = -ENODATA;
        if (r < 0) {
                if (err)
                        tw_buf_printf(err, "[web] %s %s: %s\n", what, path,
                                      r == -E2BIG ? "larger than 1 MiB" : strerror(-r));
                if (b.ptr)
                        tw_wipe(b.ptr, b.alloc);
                tw_buf_done(&b);
                return r;
        }
        *ret = tw_buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
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
