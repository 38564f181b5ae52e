/* One line per event, key=value, to stderr. Only the top of each call chain
 * logs (handlers, the server loop, the CLI); library code returns errors. */
#pragma once

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG, LOG_LVL__COUNT };

/* Parse "error|warn|info|debug"; -1 when unknown. */
int log_level_from_string(const char *s);
const char *log_level_to_string(enum log_level l);
void log_set_level(enum log_level l);
/* This node's name, ending every line as node=NAME from now on (a plain
 * name: config.c allows letters, digits, '.', '-' and '_'); NULL: none. */
void log_set_node(const char *name);
enum log_level log_get_level(void);

/* log_event(LOG_LVL_INFO, "request", "method=%s path=%s", ...) writes
 *   ts=2026-... level=info msg=request method=GET path=/x
 * The caller formats the key=value pairs; values that may hold spaces or
 * quotes must go through log_quote(). */
void log_event(enum log_level l, const char *msg, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Quote a value for a key=value line into buf (always NUL-terminated):
 * bare when it is a plain token, else "..." with \" \\ and \n escaped.
 * Returns buf. */
const char *log_quote(const char *v, char *buf, unsigned size);
