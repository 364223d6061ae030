#ifndef TW_EXPORTERS_DELIVER_KUBERNETES_INTERNAL_H
#define TW_EXPORTERS_DELIVER_KUBERNETES_INTERNAL_H

/*
 * Where a Kubernetes copy is, in-cluster defaults applied (internal to
 * exporters/deliver; exposed for its tests).
 */

#include "exporters/deliver/deliver.h"

#define TW_K8S_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

struct tw_k8s_where {
        char *api_url;       /* t's, else https://$KUBERNETES_SERVICE_HOST:$..._PORT, else
                                https://kubernetes.default.svc */
        char *token_file;    /* t's credential_file, else sa_dir/token */
        bool token_any_mode; /* the service account's (its mode is the platform's) */
        char *ca_file;       /* t's, else sa_dir/ca.crt when the API URL is the default
                                one and the file exists, else NULL (the system's) */
        char *namespace;     /* t's, else the first line of sa_dir/namespace */
};

/* Resolves t against the service-account directory and the environment's
 * host and port (either may be NULL).  0, -EINVAL (no namespace anywhere:
 * a message in err), -ENOMEM. */
int tw_k8s_where(const struct tw_deliver_target *t, const char *sa_dir, const char *host,
                 const char *port, struct tw_k8s_where *ret, struct tw_buf *err);
void tw_k8s_where_done(struct tw_k8s_where *w);

#endif
