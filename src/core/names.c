#include "core/names.h"

#include <string.h>

static bool ident_valid(const char *s, bool allow_upper)
{
        size_t n = s ? strlen(s) : 0;
        if (n == 0 || n > USERNAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                          (allow_upper && c >= 'A' && c <= 'Z') ||
                          (i > 0 && (c == '.' || c == '_' || c == '-'));
                if (!ok)
                        return false;
        }
        return true;
}

bool username_valid(const char *s)
{
        return ident_valid(s, false);
}

bool tenant_id_valid(const char *s)
{
        return ident_valid(s, true);
}

bool text_valid(const char *s, unsigned max)
{
        size_t n = s ? strlen(s) : 0;
        if (n == 0 || n > max)
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c < 0x20 || c == 0x7f)
                        return false;
        }
        return true;
}

size_t utf8_sequence(const char *s, size_t len)
{
        if (len == 0)
                return 0;
        unsigned char c = (unsigned char)s[0];
        size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0 || n > len)
                return 0;
        for (size_t k = 1; k < n; k++)
                if (((unsigned char)s[k] & 0xC0) != 0x80)
                        return 0;
        if (n == 2 && c < 0xC2)
                return 0;
        if (n == 3) {
                unsigned cp = ((c & 0x0Fu) << 12) | (((unsigned char)s[1] & 0x3Fu) << 6);
                if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
                        return 0;
        }
        if (n == 4) {
                unsigned cp = ((c & 0x07u) << 18) | (((unsigned char)s[1] & 0x3Fu) << 12);
                if (cp < 0x10000 || cp > 0x10FFFF)
                        return 0;
        }
        return n;
}

size_t utf8_prefix(const char *s, size_t max)
{
        /* A sequence starting before max ends at most 3 bytes after it. */
        size_t len = strnlen(s, max < (size_t)-4 ? max + 3 : max), i = 0;
        while (i < len) {
                size_t n = utf8_sequence(s + i, len - i);
                if (!n)
                        n = 1;
                if (i + n > max)
                        break;
                i += n;
        }
        return i;
}

size_t utf8_copy(char *dst, size_t size, const char *src)
{
        size_t n = utf8_prefix(src, size - 1);
        memmove(dst, src, n);
        dst[n] = '\0';
        return n + strlen(src + n);
}

bool utf8_valid(const char *s)
{
        for (size_t i = 0, n = strlen(s), k; i < n; i += k)
                if (!(k = utf8_sequence(s + i, n - i)))
                        return false;
        return true;
}

size_t utf8_scrub(char *s)
{
        size_t bad = 0;
        for (size_t i = 0, n = strlen(s); i < n;) {
                size_t k = utf8_sequence(s + i, n - i);
                if (!k) {
                        s[i] = '?';
                        k = 1;
                        bad++;
                }
                i += k;
        }
        return bad;
}
