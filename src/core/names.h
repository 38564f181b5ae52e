/* Rules for the names people type: user names, tenant ids, token names. */
#pragma once

#include <stdbool.h>

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
