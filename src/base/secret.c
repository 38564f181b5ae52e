#include "base/secret.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

int secret_init(void)
{
        return sodium_init() < 0 ? -EIO : 0;
}

int secret_token_new(const char *prefix, char *buf, size_t size)
{
        unsigned char raw[32];
        size_t pl = strlen(prefix);
        size_t need = pl + sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        if (size < need)
                return -ENOBUFS;
        randombytes_buf(raw, sizeof raw);
        memcpy(buf, prefix, pl);
        sodium_bin2base64(buf + pl, size - pl, raw, sizeof raw,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        sodium_memzero(raw, sizeof raw);
        return 0;
}

void secret_digest(const void *data, size_t len, const uint8_t *key, size_t keylen,
                   uint8_t out[SECRET_DIGEST_BYTES])
{
        crypto_generichash(out, SECRET_DIGEST_BYTES, data, len, key, key ? keylen : 0);
}

void secret_token_digest(const char *token, uint8_t out[SECRET_DIGEST_BYTES])
{
        secret_digest(token, strlen(token), NULL, 0, out);
}

int secret_password_hash(const char *password, char out[SECRET_PWHASH_MAX])
{
        if (crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                  crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
                return -ENOMEM;
        return 0;
}

bool secret_password_verify(const char *hash, const char *password)
{
        return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

static void make_dummy(void)
{
        if (secret_password_hash("vigil-dummy-password", dummy_hash) < 0)
                dummy_hash[0] = '\0';
}

void secret_password_dummy_verify(const char *password)
{
        pthread_once(&dummy_once, make_dummy);
        if (dummy_hash[0])
                (void)secret_password_verify(dummy_hash, password);
}

void secret_hex(const uint8_t *bytes, size_t n, char *out)
{
        sodium_bin2hex(out, n * 2 + 1, bytes, n);
}

bool secret_streq(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        if (la != lb)
                return false;
        return sodium_memcmp(a, b, la) == 0;
}

void secret_wipe(void *p, size_t n)
{
        sodium_memzero(p, n);
}
