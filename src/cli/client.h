/* The API client behind the CLI's client verbs (libcurl). */
#pragma once

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>

struct client {
        char url[512];    /* base URL, no trailing slash */
        char token[128];  /* API token; "" when none */
        char csrf[80];    /* session CSRF token during `vigil login` */
        CURL *curl;       /* owns */
};

/* Find the API URL and token: $VIGIL_URL / $VIGIL_TOKEN first, then
 * ~/.config/vigil/config (YAML: url, token). Returns an exit code: 0, or
 * EXIT_CONNECT with a message printed. need_token: fail without a token. */
int client_open(struct client *c, bool need_token);
void client_close(struct client *c);
/* Send method path with an optional JSON body. Sets *status and *ret (the
 * parsed JSON answer, or NULL when it was not JSON; caller decrefs).
 * Returns 0, or EXIT_CONNECT (message printed) when the server is not
 * reachable. */
int client_call(struct client *c, const char *method, const char *path, json_t *body,
                long *status, json_t **ret);
/* Print a problem+json answer as "vigil: detail" lines to stderr. */
void client_print_problem(const char *verb, long status, json_t *answer);
/* Where `vigil login` saves the URL and token. */
int client_config_path(char *buf, size_t size);

/* One API call for a verb: open, call, close. A refusal is printed as
 * "vigil VERB: ..." and becomes the exit code (EXIT_CONNECT for 401,
 * EXIT_FAIL otherwise); on 0, *ret is the answer (the caller decrefs).
 * body (may be NULL) stays the caller's. */
int client_request(const char *verb, const char *method, const char *path, json_t *body, json_t **ret);
/* Print an answer as indented JSON (-o json). */
void client_print_json(json_t *answer);
/* Append ?name=value (&name=value once path has a query) to path, the
 * value percent-encoded; false when it does not fit in size. */
bool client_query_add(char *path, size_t size, const char *name, const char *value);
