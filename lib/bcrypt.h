#ifndef TW_LIB_BCRYPT_H
#define TW_LIB_BCRYPT_H

/*
 * What tokenwatch accepts as a basic-auth password hash: bcrypt as
 * htpasswd -B and Prometheus' exporter-toolkit write it ($2y$, $2b$ or $2a$,
 * a two-digit cost, 53 characters of salt and hash), with a cost of at most
 * TW_BCRYPT_COST_MAX.  Each failed login runs one bcrypt; at cost 12 that is
 * about a quarter of a second of CPU, and every step above doubles it, so a
 * higher cost hands anyone who can reach the port a cheap way to burn CPU.
 * Pure; thread-safe.
 */

#define TW_BCRYPT_COST_MIN 4
#define TW_BCRYPT_COST_MAX 12

/* NULL if hash starts as an acceptable bcrypt hash ("$2y$NN$" with NN
 * between TW_BCRYPT_COST_MIN and TW_BCRYPT_COST_MAX), else why not (a static
 * string).  Salt and digest are checked where they are used (crypt_r). */
const char *tw_bcrypt_hash_problem(const char *hash);

#endif
