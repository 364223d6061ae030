#ifndef TW_LIB_URL_H
#define TW_LIB_URL_H

/*
 * http(s) URLs, read by libcurl's own URL parser (the CURLU API), so that
 * what the configuration accepts and logs is what libcurl will connect to.
 * Thread-safe.
 */

/* The host of an http or https URL: lowercased, an IPv6 address without
 * brackets (and without a zone id).  The caller frees *ret_host.
 * -EPROTONOSUPPORT when the scheme is not http or https, or there is none;
 * -EINVAL when libcurl refuses the URL (e.g. it has no host); -ENOMEM. */
int tw_url_host(const char *url, char **ret_host);

/* Checks a URL the configuration gives: http or https with a host, and
 * plain http only to a loopback host (127.0.0.0/8, ::1, or the name
 * localhost: "127.0.0.1.evil.example" is not one).  0, -EPROTONOSUPPORT, -EINVAL (as
 * tw_url_host()), -EPERM (plain http to another host), -ENOMEM. */
int tw_url_check(const char *url);

#endif
