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

static bool ascii_alnum(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* s[0..n) is a dot-atom (RFC 5322 3.2.3) of atext and UTF-8 bytes. */
static bool dot_atom(const char *s, size_t n)
{
        bool after_dot = true; /* no leading dot, no two in a row */
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == '.') {
                        if (after_dot)
                                return false;
                        after_dot = true;
                } else if (ascii_alnum(c) || c >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~", c)) {
                        after_dot = false;
                } else {
                        return false;
                }
        }
        return n > 0 && !after_dot;
}

/* s[0..n) is a domain name of two or more labels (RFC 5321 4.1.2). */
static bool domain_name(const char *s, size_t n)
{
        size_t labels = 0, len = 0;
        for (size_t i = 0; i <= n; i++) {
                unsigned char c = i < n ? (unsigned char)s[i] : '.';
                if (c == '.') {
                        if (len == 0 || len > 63 || s[i - 1] == '-')
                                return false;
                        labels++;
                        len = 0;
                } else if (ascii_alnum(c) || c >= 0x80 || (c == '-' && len > 0)) {
                        len++;
                } else {
                        return false;
                }
        }
        return labels >= 2;
}

bool email_valid(const char *s)
{
        size_t n = s ? strlen(s) : 0;
        const char *at = n ? strrchr(s, '@') : NULL;
        if (!at || n > EMAIL_MAX || !utf8_valid(s))
                return false;
        size_t local = (size_t)(at - s);
        return local <= 64 && dot_atom(s, local) && domain_name(at + 1, n - local - 1);
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
