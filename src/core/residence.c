/* Where affected people live, as the rules count them (src/core/residence.h). */
#include "core/residence.h"

#include <stdlib.h>
#include <string.h>

/* ISO 3166-1 alpha-2, every assigned code (Debian iso-codes 3166-1), sorted. */
static const char countries[][3] = {
        "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW",
        "AX", "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN",
        "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG",
        "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ",
        "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI",
        "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL",
        "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR",
        "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
        "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA",
        "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME",
        "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU",
        "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP",
        "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR",
        "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD",
        "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV",
        "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
        "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE",
        "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
};

/* ISO 3166-2:US, the states, the District and the outlying areas
 * (iso-codes 3166-2), sorted: the state laws' thresholds count residents
 * of one of these, so a typing slip (US-CAL) must not pass. */
static const char us_parts[][3] = {
        "AK", "AL", "AR", "AS", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "GU", "HI",
        "IA", "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MP",
        "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA",
        "PR", "RI", "SC", "SD", "TN", "TX", "UM", "UT", "VA", "VI", "VT", "WA", "WI", "WV",
        "WY",
};

static int cmp2(const void *a, const void *b)
{
        return strcmp(a, b);
}

static bool listed(const char (*v)[3], size_t n, const char *code)
{
        char key[3];
        if (strlen(code) != 2)
                return false;
        memcpy(key, code, 3);
        return bsearch(key, v, n, sizeof v[0], cmp2) != NULL;
}

bool residence_code_known(const char *code)
{
        if (!code)
                return false;
        size_t n = strlen(code);
        char country[3] = { 0 };
        if (n != 2 && (n < 4 || n > RESIDENCE_CODE_MAX - 1 || code[2] != '-'))
                return false;
        memcpy(country, code, 2);
        if (!listed(countries, sizeof countries / sizeof countries[0], country))
                return false;
        if (n == 2)
                return true;
        const char *part = code + 3;
        if (strcmp(country, "US") == 0)
                return listed(us_parts, sizeof us_parts / sizeof us_parts[0], part);
        /* Elsewhere the subdivision's form only (ISO 3166-2: 1 to 3 of A-Z, 0-9). */
        for (const char *p = part; *p; p++)
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
                        return false;
        return strlen(part) >= 1 && strlen(part) <= 3;
}
