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
