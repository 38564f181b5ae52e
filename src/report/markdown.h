/* Markdown as Vigil renders it, in one place: GitHub Flavored Markdown
 * through cmark-gfm with its table, strike-through (double tildes only:
 * "~5 min" is prose), autolink and tag-filter extensions. Never raw HTML:
 * cmark's default (no CMARK_OPT_UNSAFE) writes a comment in its place and
 * drops javascript:, vbscript:, file: and most data: links. Every line
 * break the author typed is kept (CMARK_OPT_HARDBREAKS). The post-mortem
 * and plan pages and the incident report all go through here. */
#pragma once

#include <cmark-gfm.h>
#include <stddef.h>

/* The options every parse and render here uses. */
#define MARKDOWN_PARSE_OPTIONS CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
#define MARKDOWN_HTML_OPTIONS  CMARK_OPT_HARDBREAKS

/* text (len bytes) parsed with the extensions above, into *ret (the caller
 * frees it with cmark_node_free). -ENOMEM; -ENOENT when cmark-gfm lacks an
 * extension. Safe from any thread. */
int markdown_parse(const char *text, size_t len, cmark_node **ret);

/* text (len bytes) as an HTML fragment, into *ret (caller frees). The
 * errors of markdown_parse. */
int markdown_html(const char *text, size_t len, char **ret);
