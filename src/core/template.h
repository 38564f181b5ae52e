/* Text templates for customer notices: {{name}} is replaced by a value,
 * {{#name}}...{{/name}} is kept only when name has a non-empty value and
 * {{^name}}...{{/name}} only when it has none. Values are inserted as they
 * are (the output is plain text, not HTML). Pure: no I/O. */
#pragma once

#include <stddef.h>

/* Gives the value of name, or NULL for an unknown name. "" is a known name
 * without a value. */
typedef const char *(*template_lookup_fn)(const char *name, void *userdata);

/* Check text against the names a template may use: every tag names one of
 * known (NULL-terminated), sections nest and close, and each of required
 * appears outside any {{^...}} section. On error returns -1 and writes
 * "line N: what is wrong" (or, for a missing name, "the notice must state
 * {{name}}") to err. */
int template_check(const char *text, const char *const *known, const char *const *required, char *err,
                   size_t errlen);

/* The most bytes a rendered text may have: far above any notice (each
 * field is at most 8000 bytes), so only a template repeating its fields
 * without end reaches it. */
#define TEMPLATE_RENDER_MAX (1024 * 1024)

/* Render text (checked) into a new string (caller frees); NULL when out of
 * memory, when text is malformed or when the result would exceed
 * TEMPLATE_RENDER_MAX. */
char *template_render(const char *text, template_lookup_fn lookup, void *userdata);
