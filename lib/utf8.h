#ifndef TW_LIB_UTF8_H
#define TW_LIB_UTF8_H

/*
 * UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF.  The one decoder and the one
 * "cut at a character boundary" of the tree; what a caller does with a
 * control character or a bad byte (drop it, replace it, refuse the string)
 * stays the caller's.  Pure and thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the sequence at s, of which n bytes may be read.  Returns its
 * length (1 to 4) and, when ret_cp is not NULL, its code point; 0 (ret_cp
 * untouched) when s does not start a well-formed sequence or the sequence
 * is cut short by n.  A NUL byte is never a continuation byte, so for a
 * NUL-terminated string n may be SIZE_MAX: decoding stops at the NUL, which
 * itself decodes as U+0000 of length 1. */
size_t tw_utf8_decode(const char *s, size_t n, uint32_t *ret_cp);

/* What tw_utf8_next() gives for a byte that starts no well-formed
 * sequence: no code point is this. */
#define TW_UTF8_INVALID 0xFFFFFFFFu

/* For a walk over the NUL-terminated string s, bad bytes included: the
 * length of the sequence at s and its code point (tw_utf8_decode()), or 1
 * and TW_UTF8_INVALID for a byte that starts no well-formed sequence. */
size_t tw_utf8_next(const char *s, uint32_t *ret_cp);

/* Whether the n bytes at s are well-formed UTF-8 (NUL bytes included). */
bool tw_utf8_valid(const char *s, size_t n);

/* Whether code point cp is a control character: C0 (below U+0020), DEL
 * or C1 (U+0080..U+009F). */
bool tw_utf8_is_control(uint32_t cp);

/* Whether code point cp is a bidirectional formatting character
 * (Unicode's Bidi_Control property: the marks U+061C, U+200E, U+200F, the
 * embeddings and overrides U+202A..U+202E, the isolates U+2066..U+2069),
 * which reorder the text around them on screen ("Trojan Source"). */
bool tw_utf8_is_bidi(uint32_t cp);

/* The length of the longest prefix of s (len bytes) that is at most max
 * bytes and does not end inside a multi-byte sequence: len when len <= max,
 * else max backed up over continuation bytes.  For valid UTF-8 the prefix
 * is valid UTF-8. */
size_t tw_utf8_cut(const char *s, size_t len, size_t max);

#endif
