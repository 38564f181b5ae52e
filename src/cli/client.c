#include "cli/client.h"

#include "cli/cli.h"
#include "core/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

int client_config_path(char *buf, size_t size)
{
        const char *xdg = getenv("XDG_CONFIG_HOME");
        const char *home = getenv("HOME");
        if (xdg && *xdg)
                snprintf(buf, size, "%s/vigil/config", xdg);
        else if (home && *home)
                snprintf(buf, size, "%s/.config/vigil/config", home);
        else
                return -ENOENT;
        return 0;
}

/* Read url and token from the saved client configuration, if any. */
static void read_saved(struct client *c)
{
        char path[1024];
        yaml_parser_t parser;
        yaml_document_t doc;

        if (client_config_path(path, sizeof path) < 0)
                return;
        FILE *f = fopen(path, "rb");
        if (!f)
                return;
        if (!yaml_parser_initialize(&parser)) {
                fclose(f);
                return;
        }
        yaml_parser_set_input_file(&parser, f);
        if (yaml_parser_load(&parser, &doc)) {
                yaml_node_t *root = yaml_document_get_root_node(&doc);
                if (root && root->type == YAML_MAPPING_NODE) {
                        for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
                             p < root->data.mapping.pairs.top; p++) {
                                yaml_node_t *k = yaml_document_get_node(&doc, p->key);
                                yaml_node_t *v = yaml_document_get_node(&doc, p->value);
                                if (!k || !v || k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE)
                                        continue;
                                const char *key = (const char *)k->data.scalar.value;
                                const char *val = (const char *)v->data.scalar.value;
                                if (strcmp(key, "url") == 0 && !c->url[0])
                                        snprintf(c->url, sizeof c->url, "%s", val);
                                else if (strcmp(key, "token") == 0 && !c->token[0])
                                        snprintf(c->token, sizeof c->token, "%s", val);
                        }
                }
                yaml_document_delete(&doc);
        } else {
                fprintf(stderr, "vigil: %s:%lu: %s (ignored)\n", path,
                        (unsigned long)parser.problem_mark.line + 1,
                        parser.problem ? parser.problem : "not valid YAML");
        }
        yaml_parser_delete(&parser);
        fclose(f);
}

int client_open(struct client *c, bool need_token)
{
        const char *url = getenv("VIGIL_URL"), *token = getenv("VIGIL_TOKEN");

        memset(c, 0, sizeof *c);
        if (url)
                snprintf(c->url, sizeof c->url, "%s", url);
        if (token)
                snprintf(c->token, sizeof c->token, "%s", token);
        if (!c->url[0] || !c->token[0])
                read_saved(c);
        size_t n = strlen(c->url);
        while (n && c->url[n - 1] == '/')
                c->url[--n] = '\0';
        if (!c->url[0]) {
                fprintf(stderr, "vigil: no server: set VIGIL_URL or run `vigil login --url URL --user NAME`\n");
                return EXIT_CONNECT;
        }
        if (need_token && !c->token[0]) {
                fprintf(stderr, "vigil: no API token: set VIGIL_TOKEN or run `vigil login`\n");
                return EXIT_CONNECT;
        }
        curl_global_init(CURL_GLOBAL_DEFAULT);
        c->curl = curl_easy_init();
        if (!c->curl)
                return EXIT_FAIL;
        curl_easy_setopt(c->curl, CURLOPT_COOKIEFILE, ""); /* in-memory cookies for login */
        curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "vigil-cli/" VIGIL_VERSION);
        curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 120L);
        curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
        return 0;
}

void client_close(struct client *c)
{
        if (c->curl) {
                curl_easy_cleanup(c->curl);
                curl_global_cleanup();
        }
        memset(c->token, 0, sizeof c->token);
        c->curl = NULL;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
        struct buf *b = userdata;
        return buf_append(b, data, size * n) < 0 ? 0 : size * n;
}

int client_call(struct client *c, const char *method, const char *path, json_t *body,
                long *status, json_t **ret)
{
        struct curl_slist *h = NULL;
        struct buf answer;
        char url[2048], line[256];
        char *text = NULL;

        buf_init(&answer, 64u << 20);
        snprintf(url, sizeof url, "%s%s", c->url, path);
        curl_easy_setopt(c->curl, CURLOPT_URL, url);
        curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c->curl, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
        h = curl_slist_append(h, "Accept: application/json");
        if (c->token[0]) {
                snprintf(line, sizeof line, "Authorization: Bearer %s", c->token);
                h = curl_slist_append(h, line);
        }
        if (c->csrf[0]) {
                snprintf(line, sizeof line, "X-CSRF-Token: %s", c->csrf);
                h = curl_slist_append(h, line);
        }
        if (body) {
                text = json_dumps(body, JSON_COMPACT);
                h = curl_slist_append(h, "Content-Type: application/json");
                curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, text ? text : "");
                /* Reset what an earlier call on this handle set. */
                curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)(text ? strlen(text) : 0));
        } else {
                curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
                curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, 0L);
        }
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &answer);
        CURLcode cc = curl_easy_perform(c->curl);
        curl_slist_free_all(h);
        free(text);
        if (cc != CURLE_OK) {
                fprintf(stderr, "vigil: %s: %s\n", c->url, curl_easy_strerror(cc));
                buf_release(&answer);
                return EXIT_CONNECT;
        }
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
        *ret = answer.len ? json_loadb(answer.p, answer.len, 0, NULL) : NULL;
        buf_release(&answer);
        return 0;
}

void client_print_problem(const char *verb, long status, json_t *answer)
{
        const char *title = json_string_value(json_object_get(answer, "title"));
        const char *detail = json_string_value(json_object_get(answer, "detail"));
        fprintf(stderr, "vigil %s: %ld %s%s%s\n", verb, status, title ? title : "error",
                detail ? ": " : "", detail ? detail : "");
        json_t *errs = json_object_get(answer, "errors"), *e;
        size_t i;
        json_array_foreach(errs, i, e) {
                fprintf(stderr, "  %s: %s\n", json_string_value(json_object_get(e, "field")),
                        json_string_value(json_object_get(e, "message")));
        }
}

int client_request(const char *verb, const char *method, const char *path, json_t *body, json_t **ret)
{
        struct client c;
        long status = 0;
        json_t *a = NULL;
        *ret = NULL;
        int rc = client_open(&c, true);
        if (!rc)
                rc = client_call(&c, method, path, body, &status, &a);
        client_close(&c);
        if (rc)
                return rc;
        if (status >= 400) {
                client_print_problem(verb, status, a);
                json_decref(a);
                return status == 401 ? EXIT_CONNECT : EXIT_FAIL;
        }
        *ret = a;
        return 0;
}

void client_print_json(json_t *answer)
{
        char *s = json_dumps(answer, JSON_INDENT(2) | JSON_ENCODE_ANY);
        if (s)
                puts(s);
        free(s);
}

bool client_query_add(char *path, size_t size, const char *name, const char *value)
{
        CURL *esc = curl_easy_init();
        char *e = esc ? curl_easy_escape(esc, value, 0) : NULL;
        size_t n = strlen(path);
        int w = e ? snprintf(path + n, size - n, "%s%s=%s", strchr(path, '?') ? "&" : "?", name, e) : -1;
        curl_free(e);
        curl_easy_cleanup(esc);
        return w > 0 && (size_t)w < size - n;
}
