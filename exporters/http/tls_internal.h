#ifndef TW_EXPORTERS_HTTP_TLS_INTERNAL_H
#define TW_EXPORTERS_HTTP_TLS_INTERNAL_H

/*
 * TLS material for the metrics server and the mutual-TLS check.
 * Internal to exporters/http/server*.c.
 */

#include <stdbool.h>

struct MHD_Connection;
struct tw_buf;

#define TW_TLS_FILE_MAX ((size_t)1 << 20)

struct tw_tls_files {
        char *cert;  /* PEM, NUL-terminated; NULL: no TLS */
        char *key;   /* PEM private key: wiped on done */
        char *trust; /* PEM client CAs; NULL: no mutual TLS */
};

/* Reads the files that are non-NULL.  On failure appends a message naming
 * the file (never its content) to err and returns -errno. */
int tw_tls_files_load(struct tw_tls_files *t, const char *cert_file, const char *key_file,
                      const char *ca_file, struct tw_buf *err);
void tw_tls_files_done(struct tw_tls_files *t);

/* Whether the connection's TLS peer sent a certificate that verifies
 * against the trusted CAs. */
bool tw_tls_client_verified(struct MHD_Connection *c);

#endif
