#ifndef TW_EXPORTERS_HTTP_PAGE_INTERNAL_H
#define TW_EXPORTERS_HTTP_PAGE_INTERNAL_H

/* The metrics server's published page and its responses; internal to
 * exporters/http/server.c.  A page is immutable and refcounted: every
 * reference may be dropped from any thread. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct MHD_Response;

/* One published page, gzipped only (plain requests inflate it as they are
 * sent); immutable, freed with its last reference. */
struct tw_http_page {
        atomic_uint refs;
        char *gz;
        size_t gz_len;
        size_t plain_len; /* what gz inflates to */
};

/* Drops one reference to a struct tw_http_page (cls); frees it with the last.  NULL-safe. */
void tw_http_page_unref(void *cls);
/* A response for p, taking p's reference on every path: the gzip bytes as
 * they are (gz), or the plain text inflated block by block as it is sent,
 * with Content-Length: p->plain_len.  NULL on failure. */
struct MHD_Response *tw_http_page_response(struct tw_http_page *p, bool gz);

#endif
