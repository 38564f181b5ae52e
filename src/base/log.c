#include "base/log.h"

#include "base/clock.h"
#include "core/vtime.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static _Atomic int current_level = LOG_LVL_INFO;
static const char *const level_names[LOG_LVL__COUNT] = { "error", "warn", "info", "debug" };

int log_level_from_string(const char *s)
{
        for (int i = 0; s && i < LOG_LVL__COUNT; i++)
                if (strcmp(s, level_names[i]) == 0)
                        return i;
        return -1;
}

const char *log_level_to_string(enum log_level l)
{
        return (unsigned)l < LOG_LVL__COUNT ? level_names[l] : "info";
}

void log_set_level(enum log_level l)
{
        atomic_store(&current_level, (int)l);
}

static char node[64];
static _Atomic bool have_node;

void log_set_node(const char *name)
{
        /* Set once at start-up, before the threads that log. */
        snprintf(node, sizeof node, "%s", name ? name : "");
        atomic_store(&have_node, node[0] != '\0');
}

enum log_level log_get_level(void)
{
        return (enum log_level)atomic_load(&current_level);
}

void log_event(enum log_level l, const char *msg, const char *fmt, ...)
{
        char line[4096], ts[VG_RFC3339_MAX];
        va_list ap;
        int n;

        if ((int)l > atomic_load(&current_level))
                return;
        if (vg_time_format(clock_now(), ts) < 0)
                ts[0] = '\0';
        n = snprintf(line, sizeof line, "ts=%s level=%s msg=\"%s\"", ts, level_names[l], msg);
        if (fmt && fmt[0] && n > 0 && (size_t)n < sizeof line - 1) {
                line[n++] = ' ';
                va_start(ap, fmt);
                vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
                va_end(ap);
        }
        n = (int)strlen(line);
        if (atomic_load(&have_node) && (size_t)n < sizeof line - 2)
                snprintf(line + n, sizeof line - (size_t)n, " node=%s", node);
        /* One fputs per line keeps lines whole between threads (stdio locks
         * the stream for the call). */
        n = (int)strlen(line);
        if ((size_t)n >= sizeof line - 1)
                n = (int)sizeof line - 2;
        line[n] = '\n';
        line[n + 1] = '\0';
        fputs(line, stderr);
}

const char *log_quote(const char *v, char *buf, unsigned size)
{
        bool plain = v && *v;
        unsigned o = 0;

        if (size == 0)
                return buf;
        for (const char *p = v; plain && *p; p++)
                if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || (unsigned char)*p == 0x7f)
                        plain = false;
        if (plain) {
                snprintf(buf, size, "%s", v);
                return buf;
        }
        if (o + 1 < size)
                buf[o++] = '"';
        for (const char *p = v ? v : ""; *p && o + 3 < size; p++) {
                unsigned char c = (unsigned char)*p;
                if (c == '"' || c == '\\') {
                        buf[o++] = '\\';
                        buf[o++] = (char)c;
                } else if (c == '\n') {
                        buf[o++] = '\\';
                        buf[o++] = 'n';
                } else if (c < 0x20 || c == 0x7f) {
                        buf[o++] = '?';
                } else {
                        buf[o++] = (char)c;
                }
        }
        if (o + 1 < size)
                buf[o++] = '"';
        buf[o] = '\0';
        return buf;
}
