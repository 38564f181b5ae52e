/* Rules for the names people type: user names, tenant ids, token names. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define USERNAME_MAX 64
#define PASSWORD_MIN 12
#define PASSWORD_MAX 1024

/* 1..64 of [a-z0-9._-] starting with a letter or digit. Lowercase only so
 * that "Alice" and "alice" are never two accounts. */
bool username_valid(const char *s);
/* A tenant id: 1..64 of [A-Za-z0-9._-]. */
bool tenant_id_valid(const char *s);
/* Printable UTF-8 text of 1..max bytes with no control characters. */
bool text_valid(const char *s, unsigned max);

#define EMAIL_MAX 254 /* RFC 5321 4.5.3.1.3: a path of 256 with its < > */
/* The one rule for an e-mail address Vigil will send to (users' contacts,
 * tenants' administrators, the mailer itself): local@domain as SMTP
 * carries it bare (RFC 5321 4.1.2). The local part is a dot-atom of 1..64
 * bytes (RFC 5322 atext: letters, digits and !#$%&'*+-/=?^_`{|}~, dots
 * only between atoms); the domain is two or more labels of 1..63 letters,
 * digits and inner hyphens; at most EMAIL_MAX bytes in all. UTF-8 counts
 * as a letter on both sides (RFC 6531) and must be well-formed. Quoted
 * local parts and address literals ("a@[192.0.2.1]") are refused: nobody
 * types them for a security contact, and each is a way to smuggle the
 * characters (spaces, <>, commas, brackets) that split a recipient list
 * or a header. */
bool email_valid(const char *s);

/* The length (1 to 4) of the well-formed UTF-8 sequence that starts at s
 * within len bytes (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF), or 0 when the bytes there are not one. */
size_t utf8_sequence(const char *s, size_t len);

/* How many bytes of the string s to keep so that at most max are kept and
 * no UTF-8 character is split: every cut of text people wrote goes through
 * this (a byte that is not part of a well-formed sequence counts as one). */
size_t utf8_prefix(const char *s, size_t max);
/* Copy the string src into dst (size > 0 bytes, always terminated) as
 * snprintf "%s" would, but cut by utf8_prefix when it does not fit.
 * Returns strlen(src), so a result >= size means it was cut. */
size_t utf8_copy(char *dst, size_t size, const char *src);
/* Whether the string s is well-formed UTF-8 throughout. */
bool utf8_valid(const char *s);
/* Replace each byte of the string s that is not part of a well-formed
 * UTF-8 sequence with '?', in place, so that s can be a JSON string.
 * Returns how many were replaced. */
size_t utf8_scrub(char *s);
