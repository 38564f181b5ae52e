/* Secrets: random tokens, their digests, password hashes. libsodium only.
 * Tokens are shown once and stored as a BLAKE2b digest; passwords as an
 * argon2id string. Callers wipe plaintext with secret_wipe(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SECRET_DIGEST_BYTES 32
#define SECRET_TOKEN_MAX 64          /* prefix + 43 base64url chars + NUL */
#define SECRET_PWHASH_MAX 128        /* crypto_pwhash_STRBYTES */
#define SECRET_HEX_MAX (SECRET_DIGEST_BYTES * 2 + 1)

/* Must be called once before any other function; -EIO if libsodium fails. */
int secret_init(void);
/* A new random token "PREFIX" + base64url(32 random bytes). */
int secret_token_new(const char *prefix, char *buf, size_t size);
/* BLAKE2b-256 of a token; what the store keeps. */
void secret_token_digest(const char *token, uint8_t out[SECRET_DIGEST_BYTES]);
/* BLAKE2b-256 of arbitrary bytes, optionally keyed (key may be NULL). */
void secret_digest(const void *data, size_t len, const uint8_t *key, size_t keylen,
                   uint8_t out[SECRET_DIGEST_BYTES]);
/* argon2id with libsodium's interactive limits. -ENOMEM when out of memory. */
int secret_password_hash(const char *password, char out[SECRET_PWHASH_MAX]);
/* true when password matches the stored hash. Constant time in the password. */
bool secret_password_verify(const char *hash, const char *password);
/* Burn the same time as a verify, for unknown users (no user enumeration). */
void secret_password_dummy_verify(const char *password);
/* Lowercase hex of n bytes into out (2n+1 bytes). */
void secret_hex(const uint8_t *bytes, size_t n, char *out);
/* Constant-time equality of two NUL-terminated strings. */
bool secret_streq(const char *a, const char *b);
void secret_wipe(void *p, size_t n);
