/* Markdown to HTML with cmark-gfm (markdown.h). The extensions are
 * registered once per process: cmark-gfm's own guard is a plain static
 * flag, which two request threads could both pass. */
#include "report/markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

static const char *const extensions[] = {"table", "strikethrough", "autolink", "tagfilter"};
static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void register_extensions(void)
{
        cmark_gfm_core_extensions_ensure_registered();
}

/* A parser with every extension attached; NULL with *r set on failure. */
static cmark_parser *parser_new(int *r)
{
        pthread_once(&registered, register_extensions);
        cmark_parser *p = cmark_parser_new(MARKDOWN_PARSE_OPTIONS);
        *r = p ? 0 : -ENOMEM;
        for (size_t i = 0; p && i < sizeof extensions / sizeof extensions[0]; i++) {
                cmark_syntax_extension *e = cmark_find_syntax_extension(extensions[i]);
                if (!e || !cmark_parser_attach_syntax_extension(p, e)) {
                        cmark_parser_free(p);
                        p = NULL;
                        *r = -ENOENT;
                }
        }
        return p;
}

/* text parsed by p into *ret; p stays the caller's. */
static int parse(cmark_parser *p, const char *text, size_t len, cmark_node **ret)
{
        cmark_parser_feed(p, text, len);
        *ret = cmark_parser_finish(p);
        return *ret ? 0 : -ENOMEM;
}

int markdown_parse(const char *text, size_t len, cmark_node **ret)
{
        int r;
        cmark_parser *p = parser_new(&r);
        if (!p)
                return r;
        r = parse(p, text, len, ret);
        cmark_parser_free(p);
        return r;
}

int markdown_html(const char *text, size_t len, char **ret)
{
        int r;
        cmark_node *doc = NULL;
        cmark_parser *p = parser_new(&r);
        if (p)
                r = parse(p, text, len, &doc);
        if (r >= 0) {
                /* The parser's list: the HTML of a table comes from its extension. */
                *ret = cmark_render_html(doc, MARKDOWN_HTML_OPTIONS,
                                         cmark_parser_get_syntax_extensions(p));
                r = *ret ? 0 : -ENOMEM;
        }
        if (doc)
                cmark_node_free(doc); /* neither free takes NULL */
        if (p)
                cmark_parser_free(p);
        return r;
}
