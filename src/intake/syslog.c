/* Syslog messages (RFC 5424, and the older BSD format of RFC 3164) and
 * the CEF events they often carry, turned into one alert each.
 *
 * Labels (what identifies an alert, so repeats deduplicate):
 *   plain: alertname (SD param "alertname", else APP-NAME or TAG, else
 *          "syslog"), host, severity, facility; service and tenant when an
 *          SD element carries them.
 *   CEF:   alertname (Name), severity (from CEF severity), cef_vendor,
 *          cef_product, signature_id, host; src, dst, suser, duser when
 *          present; service and tenant from csN/csNLabel pairs.
 * Annotations: summary (the message, one line), description, and a
 * "syslog" object (facility, severity, format, timestamp, app, procid,
 * msgid, peer, structured data) or a "cef" object (version, device
 * version, every extension field).
 *
 * No library in Debian parses these, so this file does; fuzz/ holds its
 * harness. Malformed input is refused with a reason; nothing is guessed
 * beyond RFC 3164's "anything after PRI is the message". */
#include "intake/intake.h"

#include "core/error.h"
#include "core/names.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const severity_names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };
static const char *const facility_names[] = { "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",
                                              "news",   "uucp",   "cron",   "authpriv", "ftp",  "ntp",    "audit",
                                              "alert",  "clock",  "local0", "local1", "local2", "local3", "local4",
                                              "local5", "local6", "local7" };

/* Syslog severity as an alert severity label. */
static const char *alert_severity(int sev)
{
        return sev <= 2 ? "critical" : sev == 3 ? "error" : sev == 4 ? "warning" : "info";
}

/* Copy len bytes as valid UTF-8 (bad bytes become '?'); one_line also
 * turns control characters into spaces. Returns a malloc'd string. */
static char *clean(const char *s, size_t len, bool one_line)
{
        char *out = malloc(len + 1);
        if (!out)
                return NULL;
        size_t o = 0;
        for (size_t i = 0; i < len;) {
                unsigned char c = (unsigned char)s[i];
                size_t n = utf8_sequence(s + i, len - i);
                if (!n) {
                        out[o++] = '?';
                        i++;
                        continue;
                }
                if (n == 1 && (c == 0 || (one_line && (c < 0x20 || c == 0x7f))))
                        out[o++] = c == 0 && !one_line ? '?' : ' ';
                else if (n == 1 && c < 0x20 && c != '\n' && c != '\t')
                        out[o++] = ' ';
                else
                        for (size_t k = 0; k < n; k++)
                                out[o++] = s[i + k];
                i += n;
        }
        /* Trim trailing spaces and newlines. */
        while (o && (out[o - 1] == ' ' || out[o - 1] == '\n' || out[o - 1] == '\r'))
                o--;
        out[o] = '\0';
        return out;
}

static int set_clean(json_t *obj, const char *key, const char *s, size_t len, bool one_line)
{
        char *c = clean(s, len, one_line);
        if (!c)
                return -ENOMEM;
        int r = *c ? json_object_set_new(obj, key, json_string(c)) : 0;
        free(c);
        return r < 0 ? -ENOMEM : 0;
}

struct cursor {
        const char *p, *end;
};

/* A header field up to the next space: "-" is nil (returns 0 length). */
static bool field(struct cursor *c, size_t max, const char **ret, size_t *len)
{
        const char *s = c->p;
        while (c->p < c->end && *c->p != ' ') {
                if ((unsigned char)*c->p < 33 || (unsigned char)*c->p > 126)
                        return false;
                c->p++;
        }
        size_t n = (size_t)(c->p - s);
        if (n == 0 || n > max)
                return false;
        if (c->p < c->end)
                c->p++; /* the space */
        *ret = s;
        *len = n == 1 && *s == '-' ? 0 : n;
        return true;
}

/* <PRI>: 1-3 digits, 0..191, no leading zeros but "<0>". */
static bool pri(struct cursor *c, int *ret)
{
        if (c->p >= c->end || *c->p != '<')
                return false;
        int v = 0, n = 0;
        for (c->p++; c->p < c->end && isdigit((unsigned char)*c->p) && n < 4; c->p++, n++)
                v = v * 10 + (*c->p - '0');
        if (n == 0 || n > 3 || c->p >= c->end || *c->p != '>' || v > 191 || (n > 1 && c->p[-n] == '0'))
                return false;
        c->p++;
        *ret = v;
        return true;
}

/* RFC 5424 STRUCTURED-DATA into sd ({"id": {"name": "value"}}). */
static bool structured_data(struct cursor *c, json_t *sd)
{
        if (c->p < c->end && *c->p == '-') {
                c->p++;
                return true;
        }
        if (c->p >= c->end || *c->p != '[')
                return false;
        while (c->p < c->end && *c->p == '[') {
                c->p++;
                const char *id = c->p;
                while (c->p < c->end && *c->p != ' ' && *c->p != ']' && *c->p != '=' && *c->p != '"' &&
                       (unsigned char)*c->p > 32 && (unsigned char)*c->p < 127)
                        c->p++;
                size_t idlen = (size_t)(c->p - id);
                if (idlen == 0 || idlen > 32)
                        return false;
                char idbuf[33];
                memcpy(idbuf, id, idlen);
                idbuf[idlen] = '\0';
                json_t *params = json_object();
                if (!params || json_object_set_new(sd, idbuf, params) < 0)
                        return false;
                while (c->p < c->end && *c->p == ' ') {
                        c->p++;
                        const char *name = c->p;
                        while (c->p < c->end && *c->p != '=' && *c->p != ' ' && *c->p != ']' && *c->p != '"' &&
                               (unsigned char)*c->p > 32 && (unsigned char)*c->p < 127)
                                c->p++;
                        size_t nlen = (size_t)(c->p - name);
                        if (nlen == 0 || nlen > 32 || c->end - c->p < 2 || c->p[0] != '=' || c->p[1] != '"')
                                return false;
                        char nbuf[33];
                        memcpy(nbuf, name, nlen);
                        nbuf[nlen] = '\0';
                        c->p += 2;
                        /* The value: \" \\ \] are escapes; it ends at an unescaped quote. */
                        size_t cap = (size_t)(c->end - c->p), n = 0;
                        char *v = malloc(cap + 1);
                        if (!v)
                                return false;
                        bool closed = false;
                        while (c->p < c->end) {
                                char ch = *c->p++;
                                if (ch == '\\' && c->p < c->end && (*c->p == '"' || *c->p == '\\' || *c->p == ']'))
                                        ch = *c->p++;
                                else if (ch == '"') {
                                        closed = true;
                                        break;
                                }
                                v[n++] = ch;
                        }
                        int r = closed ? set_clean(params, nbuf, v, n, true) : -EINVAL;
                        free(v);
                        if (r < 0)
                                return false;
                }
                if (c->p >= c->end || *c->p != ']')
                        return false;
                c->p++;
        }
        return true;
}

/* RFC 3164 "Mmm dd hh:mm:ss " (day space-padded). */
static bool bsd_timestamp(struct cursor *c, vg_usec_t now, vg_usec_t *ret)
{
        static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        if (c->end - c->p < 16 || c->p[3] != ' ' || c->p[6] != ' ' || c->p[9] != ':' || c->p[12] != ':' ||
            c->p[15] != ' ')
                return false;
        const char *m = NULL;
        for (int i = 0; i < 12 && !m; i++)
                if (strncmp(c->p, months + 3 * i, 3) == 0)
                        m = months + 3 * i;
        if (!m)
                return false;
        int day = (c->p[4] == ' ' ? 0 : (c->p[4] - '0') * 10) + (c->p[5] - '0');
        int hh = (c->p[7] - '0') * 10 + (c->p[8] - '0');
        int mi = (c->p[10] - '0') * 10 + (c->p[11] - '0');
        int ss = (c->p[13] - '0') * 10 + (c->p[14] - '0');
        for (int i = 4; i < 15; i++)
                if (i != 6 && i != 9 && i != 12 && !(i == 4 && c->p[4] == ' ') && !isdigit((unsigned char)c->p[i]))
                        return false;
        if (day < 1 || day > 31 || hh > 23 || mi > 59 || ss > 60)
                return false;
        /* No year and no zone: the year that puts it nearest before now, UTC. */
        struct tm tm = { .tm_year = vg_time_year(now) - 1900, .tm_mon = (int)(m - months) / 3, .tm_mday = day,
                         .tm_hour = hh, .tm_min = mi, .tm_sec = ss };
        time_t t = timegm(&tm);
        if ((vg_usec_t)t * VG_USEC_PER_SEC > now + 86400 * VG_USEC_PER_SEC) {
                tm.tm_year--;
                t = timegm(&tm);
        }
        *ret = (vg_usec_t)t * VG_USEC_PER_SEC;
        c->p += 16;
        return true;
}

/* ---- CEF ---- */

/* Split the CEF header's 7 pipe-separated fields (\| and \\ escaped). */
static int cef_header(const char *s, size_t len, char *fields[7], size_t *used)
{
        size_t i = 0;
        for (int f = 0; f < 7; f++) {
                char *out = malloc(len + 1);
                if (!out)
                        return -ENOMEM;
                size_t n = 0;
                bool closed = false;
                while (i < len) {
                        char ch = s[i++];
                        if (ch == '\\' && i < len && (s[i] == '|' || s[i] == '\\'))
                                ch = s[i++];
                        else if (ch == '|') {
                                closed = true;
                                break;
                        }
                        out[n++] = ch;
                }
                out[n] = '\0';
                fields[f] = out;
                if (!closed)
                        return -EINVAL;
        }
        *used = i;
        return 0;
}

static bool cef_key_char(char c)
{
        return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '[' || c == ']';
}

/* Does " key=" start at s[i] (i at the space)? */
static bool cef_next_key(const char *s, size_t len, size_t i)
{
        if (s[i] != ' ')
                return false;
        size_t k = i + 1;
        while (k < len && cef_key_char(s[k]))
                k++;
        return k > i + 1 && k < len && s[k] == '=';
}

/* Extension "k1=v1 k2=v with spaces k3=..." into ext. */
static int cef_extension(const char *s, size_t len, json_t *ext)
{
        size_t i = 0;
        while (i < len) {
                while (i < len && s[i] == ' ')
                        i++;
                if (i >= len)
                        break;
                size_t k = i;
                while (k < len && cef_key_char(s[k]))
                        k++;
                if (k == i || k >= len || s[k] != '=' || k - i > 63)
                        return -EINVAL;
                char key[64];
                memcpy(key, s + i, k - i);
                key[k - i] = '\0';
                char *v = malloc(len - k + 1);
                if (!v)
                        return -ENOMEM;
                size_t n = 0;
                for (i = k + 1; i < len && !cef_next_key(s, len, i); i++) {
                        char ch = s[i];
                        if (ch == '\\' && i + 1 < len) {
                                char e = s[i + 1];
                                if (e == '=' || e == '\\' || e == '|')
                                        ch = e, i++;
                                else if (e == 'n')
                                        ch = '\n', i++;
                                else if (e == 'r')
                                        ch = '\r', i++;
                        }
                        v[n++] = ch;
                }
                int r = set_clean(ext, key, v, n, false);
                free(v);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const char *cef_severity(const char *s)
{
        char *end;
        long v = strtol(s, &end, 10);
        if (*s && !*end && v >= 0 && v <= 10)
                return v >= 9 ? "critical" : v >= 7 ? "high" : v >= 4 ? "warning" : "info";
        if (strcasecmp(s, "very-high") == 0)
                return "critical";
        if (strcasecmp(s, "high") == 0)
                return "high";
        if (strcasecmp(s, "medium") == 0)
                return "warning";
        return "info"; /* Low, Unknown */
}

/* Turn the labels object into the alert's label set (borrowing its strings). */
static int labels_into(json_t *labels, struct intake_alert *x, struct field_errors *fe)
{
        const char *k;
        json_t *v;
        json_object_foreach(labels, k, v)
        {
                if (labelset_add(&x->labels, k, json_string_value(v), fe, "labels") < 0)
                        return -VG_EVALIDATION;
        }
        return labelset_sort(&x->labels, fe, "labels") < 0 ? -VG_EVALIDATION : 0;
}

static int label(json_t *labels, const char *name, const char *value, size_t len)
{
        if (!value || !len)
                return 0;
        if (len >= LABEL_VALUE_MAX)
                len = LABEL_VALUE_MAX - 1;
        return set_clean(labels, name, value, len, true);
}

static int cef_alert(const char *msg, size_t len, json_t *labels, json_t *ann, const char *host, size_t hostlen,
                     char *why, size_t whylen)
{
        char *f[7] = { 0 };
        size_t used = 0;
        int r = cef_header(msg + 4, len - 4, f, &used);
        json_t *cef = json_object(), *ext = json_object();
        if (!cef || !ext || json_object_set_new(ann, "cef", cef) < 0 || json_object_set(cef, "extension", ext) < 0) {
                r = -ENOMEM;
                goto out;
        }
        if (r == -EINVAL) {
                snprintf(why, whylen, "CEF header needs 7 fields separated by |");
                r = -VG_EVALIDATION;
                goto out;
        }
        if (r < 0)
                goto out;
        r = cef_extension(msg + 4 + used, len - 4 - used, ext);
        if (r == -EINVAL) {
                snprintf(why, whylen, "CEF extension is not key=value pairs");
                r = -VG_EVALIDATION;
                goto out;
        }
        const char *name = *f[5] ? f[5] : *f[4] ? f[4] : "cef";
        if (r >= 0)
                r = label(labels, "alertname", name, strlen(name));
        if (r >= 0)
                r = json_object_set_new(labels, "severity", json_string(cef_severity(f[6]))) < 0 ? -ENOMEM : 0;
        if (r >= 0)
                r = label(labels, "cef_vendor", f[1], strlen(f[1]));
        if (r >= 0)
                r = label(labels, "cef_product", f[2], strlen(f[2]));
        if (r >= 0)
                r = label(labels, "signature_id", f[4], strlen(f[4]));
        if (r >= 0)
                r = label(labels, "host", host, hostlen);
        static const char *const keep[] = { "src", "dst", "suser", "duser" };
        for (size_t i = 0; r >= 0 && i < sizeof keep / sizeof keep[0]; i++) {
                const char *v = json_string_value(json_object_get(ext, keep[i]));
                r = label(labels, keep[i], v, v ? strlen(v) : 0);
        }
        /* csNLabel=service csN=web names the service (and tenant). */
        for (int i = 1; r >= 0 && i <= 6; i++) {
                char lk[16], vk[8];
                snprintf(lk, sizeof lk, "cs%dLabel", i);
                snprintf(vk, sizeof vk, "cs%d", i);
                const char *l = json_string_value(json_object_get(ext, lk));
                const char *v = json_string_value(json_object_get(ext, vk));
                if (l && v && (strcmp(l, "service") == 0 || strcmp(l, "tenant") == 0))
                        r = label(labels, l, v, strlen(v));
        }
        if (r >= 0)
                r = set_clean(ann, "summary", name, strlen(name), true);
        if (r >= 0)
                r = set_clean(cef, "version", f[0], strlen(f[0]), true);
        if (r >= 0)
                r = set_clean(cef, "device_version", f[3], strlen(f[3]), true);
        if (r >= 0)
                r = set_clean(cef, "severity", f[6], strlen(f[6]), true);
        if (r >= 0 && json_object_get(ext, "msg"))
                r = json_object_set(ann, "description", json_object_get(ext, "msg")) < 0 ? -ENOMEM : 0;
out:
        json_decref(ext);
        for (int i = 0; i < 7; i++)
                free(f[i]);
        return r;
}

int intake_syslog_parse(const char *buf, size_t len, const struct syslog_opts *o, vg_usec_t now,
                        struct intake_batch *ret, char *why, size_t whylen)
{
        struct cursor c = { buf, buf + len };
        const char *host = NULL, *app = NULL, *procid = NULL, *msgid = NULL;
        size_t hostlen = 0, applen = 0, procidlen = 0, msgidlen = 0;
        vg_usec_t ts = 0;
        int prival, r = -VG_EVALIDATION;
        bool rfc5424 = false;
        json_t *labels = json_object(), *ann = json_object(), *sl = json_object(), *sd = json_object();

        memset(ret, 0, sizeof *ret);
        why[0] = '\0';
        if (!labels || !ann || !sl || !sd) {
                r = -ENOMEM;
                goto fail;
        }
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == '\0'))
                c.end = buf + --len;
        if (!pri(&c, &prival)) {
                snprintf(why, whylen, "no <PRI> (a number 0-191 in angle brackets) at the start");
                goto fail;
        }
        int facility = prival / 8, severity = prival % 8;

        if (c.end - c.p >= 2 && c.p[0] == '1' && c.p[1] == ' ') {
                /* RFC 5424: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG] */
                rfc5424 = true;
                c.p += 2;
                const char *t;
                size_t tlen;
                if (!field(&c, 64, &t, &tlen)) {
                        snprintf(why, whylen, "RFC 5424 timestamp missing");
                        goto fail;
                }
                if (tlen) {
                        char tb[65];
                        memcpy(tb, t, tlen);
                        tb[tlen] = '\0';
                        if (vg_time_parse_sent(tb, &ts) < 0) {
                                snprintf(why, whylen, "RFC 5424 timestamp '%.40s' is not RFC 3339", tb);
                                goto fail;
                        }
                        json_object_set_new(sl, "timestamp", json_string(tb));
                }
                if (!field(&c, 255, &host, &hostlen) || !field(&c, 48, &app, &applen) ||
                    !field(&c, 128, &procid, &procidlen) || !field(&c, 32, &msgid, &msgidlen)) {
                        snprintf(why, whylen, "RFC 5424 header fields (hostname, app-name, procid, msgid) malformed");
                        goto fail;
                }
                if (!structured_data(&c, sd)) {
                        snprintf(why, whylen, "RFC 5424 structured data malformed");
                        goto fail;
                }
                if (c.p < c.end) {
                        if (*c.p != ' ') {
                                snprintf(why, whylen, "RFC 5424 structured data not followed by a space");
                                goto fail;
                        }
                        c.p++;
                }
                if (c.end - c.p >= 3 && memcmp(c.p, "\xEF\xBB\xBF", 3) == 0)
                        c.p += 3; /* BOM */
        } else {
                /* RFC 3164: TIMESTAMP SP HOSTNAME SP TAG[pid]: MSG, each part optional in practice. */
                const char *save = c.p;
                if (bsd_timestamp(&c, now, &ts)) {
                        json_object_set_new(sl, "timestamp", json_stringn(save, 15));
                        const char *h = c.p;
                        while (c.p < c.end && *c.p != ' ' && (unsigned char)*c.p > 32 && (unsigned char)*c.p < 127)
                                c.p++;
                        if (c.p < c.end && *c.p == ' ' && c.p > h) {
                                host = h;
                                hostlen = (size_t)(c.p - h);
                                c.p++;
                        } else {
                                c.p = h;
                        }
                }
                /* TAG: up to 48 of [A-Za-z0-9_.-/], then [pid] and/or ':'. A
                 * CEF payload ("CEF:0|...") is not a tag. */
                const char *t = c.p;
                while (c.p < c.end && c.p - t < 48 &&
                       (isalnum((unsigned char)*c.p) || *c.p == '_' || *c.p == '-' || *c.p == '.' || *c.p == '/'))
                        c.p++;
                bool is_cef = c.end - t >= 4 && memcmp(t, "CEF:", 4) == 0;
                if (!is_cef && c.p > t && c.p < c.end && (*c.p == '[' || *c.p == ':')) {
                        app = t;
                        applen = (size_t)(c.p - t);
                        if (*c.p == '[') {
                                const char *pid = ++c.p;
                                while (c.p < c.end && *c.p != ']' && c.p - pid < 128)
                                        c.p++;
                                if (c.p < c.end && *c.p == ']') {
                                        procid = pid;
                                        procidlen = (size_t)(c.p - pid);
                                        c.p++;
                                }
                        }
                        if (c.p < c.end && *c.p == ':')
                                c.p++;
                        if (c.p < c.end && *c.p == ' ')
                                c.p++;
                } else {
                        c.p = t;
                }
        }
        if (severity > o->min_severity && !(c.end - c.p >= 4 && memcmp(c.p, "CEF:", 4) == 0)) {
                snprintf(why, whylen, "severity %s is below syslog.min_severity", severity_names[severity]);
                r = 1;
                goto fail;
        }

        const char *msg = c.p;
        size_t msglen = (size_t)(c.end - c.p);
        json_object_set_new(sl, "facility", json_string(facility < 24 ? facility_names[facility] : "unknown"));
        json_object_set_new(sl, "severity", json_string(severity_names[severity]));
        json_object_set_new(sl, "format", json_string(rfc5424 ? "rfc5424" : "rfc3164"));
        if (applen)
                set_clean(sl, "app", app, applen, true);
        if (procidlen)
                set_clean(sl, "procid", procid, procidlen, true);
        if (msgidlen)
                set_clean(sl, "msgid", msgid, msgidlen, true);
        if (o->peer)
                json_object_set_new(sl, "peer", json_string(o->peer));
        if (json_object_size(sd))
                json_object_set(sl, "structured_data", sd);
        if (json_object_set(ann, "syslog", sl) < 0) {
                r = -ENOMEM;
                goto fail;
        }

        if (msglen >= 4 && memcmp(msg, "CEF:", 4) == 0) {
                r = cef_alert(msg, msglen, labels, ann, host, hostlen, why, whylen);
                if (r < 0)
                        goto fail;
        } else {
                /* SD params anywhere may name the alert, its service and tenant. */
                const char *alertname = NULL, *id;
                json_t *params;
                r = 0;
                json_object_foreach(sd, id, params)
                {
                        static const char *const keys[] = { "service", "tenant" };
                        for (size_t i = 0; r >= 0 && i < 2; i++) {
                                const char *v = json_string_value(json_object_get(params, keys[i]));
                                if (v && !json_object_get(labels, keys[i]))
                                        r = label(labels, keys[i], v, strlen(v));
                        }
                        if (!alertname)
                                alertname = json_string_value(json_object_get(params, "alertname"));
                }
                if (r >= 0)
                        r = alertname ? label(labels, "alertname", alertname, strlen(alertname))
                            : applen  ? label(labels, "alertname", app, applen)
                                      : label(labels, "alertname", "syslog", 6);
                if (r >= 0)
                        r = label(labels, "host", host, hostlen);
                if (r >= 0)
                        r = json_object_set_new(labels, "severity", json_string(alert_severity(severity))) < 0 ||
                                            json_object_set_new(labels, "facility",
                                                                json_string(facility_names[facility])) < 0
                                    ? -ENOMEM
                                    : 0;
                if (r >= 0)
                        r = set_clean(ann, "summary", msg, msglen < 1024 ? msglen : 1024, true);
                if (r >= 0)
                        r = set_clean(ann, "description", msg, msglen, false);
                if (r < 0)
                        goto fail;
        }

        struct field_errors fe;
        fielderr_init(&fe);
        ret->source = "syslog";
        ret->owned = json_pack("[oo]", labels, ann);
        labels = ann = NULL;
        ret->alerts = calloc(1, sizeof *ret->alerts);
        if (!ret->owned || !ret->alerts) {
                r = -ENOMEM;
                goto fail;
        }
        struct intake_alert *x = &ret->alerts[0];
        x->labels_json = json_array_get(ret->owned, 0);
        x->annotations = json_array_get(ret->owned, 1);
        r = labels_into(x->labels_json, x, &fe);
        if (r < 0) {
                snprintf(why, whylen, "%s: %s", fe.n ? fe.e[0].field : "labels", fe.n ? fe.e[0].message : "invalid");
                goto fail;
        }
        x->starts_at = ts && ts < now && rfc5424 ? ts : now;
        x->ends_at = now + o->resolve_timeout;
        ret->n = 1;
        json_decref(sl);
        json_decref(sd);
        return 0;
fail:
        json_decref(labels);
        json_decref(ann);
        json_decref(sl);
        json_decref(sd);
        intake_batch_fini(ret);
        return r;
}
