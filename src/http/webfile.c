/* Files from the web root as responses: only files directly in the
 * directory, named plainly, with a known type; each HTML page under a
 * Content-Security-Policy that allows scripts, styles and requests from
 * this origin only - no inline code anywhere. A helper of every door that
 * answers with a page (the static pages, the status page), not a handler. */
#include "http/request.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WEB_FILE_MAX (4u << 20)

static const char page_csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                               "img-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'";

static const struct {
        const char *ext, *type;
} types[] = {
        { ".html", "text/html; charset=utf-8" },      { ".js", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" },        { ".svg", "image/svg+xml" },
        { ".png", "image/png" },                      { ".ico", "image/x-icon" },
        { ".json", "application/json; charset=utf-8" },
};

static const char *type_of(const char *name)
{
        const char *dot = strrchr(name, '.');
        for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
                if (strcmp(dot, types[i].ext) == 0)
                        return types[i].type;
        return NULL;
}

/* [A-Za-z0-9_-] then more of those or dots; no "..", nothing hidden. */
static bool plain_name(const char *s)
{
        if (!*s || *s == '.' || strstr(s, ".."))
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
                      *s == '-' || *s == '.'))
                        return false;
        return true;
}

int response_web_file(struct request *req, struct response *resp, const char *name)
{
        const char *type = plain_name(name) ? type_of(name) : NULL;
        if (!type) {
                request_detail(req, "no page %s", name);
                return -VG_ENOTFOUND;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", req->cfg->web_root, name);
        FILE *f = fopen(path, "rb");
        struct stat st;
        if (!f || fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > WEB_FILE_MAX) {
                if (f)
                        fclose(f);
                request_detail(req, "no page %s", name);
                return -VG_ENOTFOUND;
        }
        char *body = malloc((size_t)st.st_size + 1);
        size_t n = body ? fread(body, 1, (size_t)st.st_size, f) : 0;
        fclose(f);
        if (!body || n != (size_t)st.st_size) {
                free(body);
                return body ? -VG_ESTORE : -ENOMEM;
        }
        body[n] = '\0';
        if (strncmp(type, "text/html", 9) == 0)
                response_header_add(resp, "Content-Security-Policy", page_csp);
        return response_text(resp, 200, type, body, n);
}

/* Does the client want a page rather than JSON (a browser's Accept)? */
bool request_wants_html(const struct request *req)
{
        const char *accept = request_header(req, "Accept");
        return accept && strstr(accept, "text/html") && !strstr(accept, "application/json");
}
