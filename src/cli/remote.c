/* Client verbs: login, whoami, token, api. */
#include "cli/cli.h"
#include "cli/client.h"

#include "base/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static const char login_usage[] =
        "usage: vigil login --url URL --user NAME [--password-stdin]\n"
        "\n"
        "Sign in, create an API token named cli@HOST, and save URL and token to\n"
        "~/.config/vigil/config (mode 0600) for the other client verbs.\n";
static const char token_usage[] =
        "usage: vigil token create NAME [--expires-in SECONDS]\n"
        "       vigil token list\n"
        "       vigil token revoke ID\n"
        "\n"
        "Manage your API tokens. The secret is printed once, by create.\n";
static const char api_usage[] =
        "usage: vigil api METHOD PATH [--data JSON | --data -]\n"
        "\n"
        "Call any route and print the JSON answer; --data - reads the body from\n"
        "standard input. Exit 1 when the server answers 4xx or 5xx.\n";

/* Print the answer (pretty JSON) or the problem; map the status to an exit code. */
static int finish(struct cli *cli, const char *verb, long status, json_t *answer, bool print)
{
        (void)cli;
        if (status >= 400) {
                client_print_problem(verb, status, answer);
                json_decref(answer);
                return status == 401 ? EXIT_CONNECT : EXIT_FAIL;
        }
        if (print && answer) {
                char *s = json_dumps(answer, JSON_INDENT(2));
                if (s)
                        puts(s);
                free(s);
        }
        json_decref(answer);
        return EXIT_OK;
}

static int read_password(bool from_stdin, char *buf, size_t size)
{
        struct termios old, quiet;
        bool tty = !from_stdin && isatty(STDIN_FILENO);
        if (tty) {
                fprintf(stderr, "password: ");
                tcgetattr(STDIN_FILENO, &old);
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t)ECHO;
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
        char *ok = fgets(buf, (int)size, stdin);
        if (tty) {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
                fputc('\n', stderr);
        }
        if (!ok)
                return -EIO;
        buf[strcspn(buf, "\r\n")] = '\0';
        return 0;
}

static int save_config(const char *url, const char *token)
{
        char path[1024];
        if (client_config_path(path, sizeof path) < 0)
                return -ENOENT;
        /* mkdir -p of every directory above the file. */
        for (char *p = path + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(path, 0700) < 0 && errno != EEXIST) {
                        int e = errno;
                        *p = '/';
                        return -e;
                }
                *p = '/';
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
                return -errno;
        FILE *f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                return -errno;
        }
        fprintf(f, "# written by vigil login\nurl: \"%s\"\ntoken: \"%s\"\n", url, token);
        return fclose(f) == 0 ? 0 : -errno;
}

int cmd_login(struct cli *cli, int argc, char **argv)
{
        const char *url = NULL, *user = NULL;
        bool from_stdin = false;
        char password[1100];
        struct client c;
        long status = 0;
        json_t *answer = NULL;
        int rc;

        if (wants_help(argc, argv)) {
                fputs(login_usage, stdout);
                return EXIT_OK;
        }
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
                        url = argv[++i];
                else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
                        user = argv[++i];
                else if (strcmp(argv[i], "--password-stdin") == 0)
                        from_stdin = true;
                else {
                        fprintf(stderr, "vigil login: unexpected '%s'\n%s", argv[i], login_usage);
                        return EXIT_USAGE;
                }
        }
        if (!user) {
                fputs(login_usage, stderr);
                return EXIT_USAGE;
        }
        if (url)
                setenv("VIGIL_URL", url, 1);
        unsetenv("VIGIL_TOKEN");
        rc = client_open(&c, false);
        if (rc)
                return rc;
        c.token[0] = '\0';
        if (read_password(from_stdin, password, sizeof password) < 0) {
                fprintf(stderr, "vigil login: no password given\n");
                client_close(&c);
                return EXIT_FAIL;
        }
        json_t *body = json_pack("{s:s, s:s}", "username", user, "password", password);
        secret_wipe(password, sizeof password);
        rc = client_call(&c, "POST", "/api/v1/session", body, &status, &answer);
        json_t *pw = json_object_get(body, "password");
        secret_wipe((char *)json_string_value(pw), json_string_length(pw));
        json_decref(body);
        if (rc)
                goto out;
        if (status != 201) {
                rc = finish(cli, "login", status, answer, false);
                answer = NULL;
                goto out;
        }
        snprintf(c.csrf, sizeof c.csrf, "%s", json_string_value(json_object_get(answer, "csrf_token")));
        json_decref(answer);
        answer = NULL;

        char host[128] = "host", name[200];
        gethostname(host, sizeof host - 1);
        snprintf(name, sizeof name, "cli@%.60s", host);
        body = json_pack("{s:s}", "name", name);
        rc = client_call(&c, "POST", "/api/v1/tokens", body, &status, &answer);
        json_decref(body);
        if (rc)
                goto out;
        if (status != 201) {
                rc = finish(cli, "login", status, answer, false);
                answer = NULL;
                goto out;
        }
        const char *token = json_string_value(json_object_get(answer, "token"));
        json_t *ignored = NULL;
        client_call(&c, "DELETE", "/api/v1/session", NULL, &status, &ignored);
        json_decref(ignored);
        int r = save_config(c.url, token ? token : "");
        if (r < 0) {
                fprintf(stderr, "vigil login: cannot save the token: %s\n", strerror(-r));
                rc = EXIT_FAIL;
                goto out;
        }
        printf("signed in to %s as %s; token saved\n", c.url, user);
        rc = EXIT_OK;
out:
        json_decref(answer);
        client_close(&c);
        return rc;
}

int cmd_whoami(struct cli *cli, int argc, char **argv)
{
        struct client c;
        long status = 0;
        json_t *answer = NULL;
        int rc;

        if (wants_help(argc, argv)) {
                puts("usage: vigil whoami\n\nShow the user and role the API token acts as.");
                return EXIT_OK;
        }
        rc = client_open(&c, true);
        if (rc)
                return rc;
        rc = client_call(&c, "GET", "/api/v1/session", NULL, &status, &answer);
        if (!rc && status == 200 && !cli->json_output) {
                json_t *u = json_object_get(answer, "user");
                const char *tenant = json_string_value(json_object_get(u, "tenant"));
                printf("%s (%s%s%s)\n", json_string_value(json_object_get(u, "name")),
                       json_string_value(json_object_get(u, "role")), tenant ? ", tenant " : "",
                       tenant ? tenant : "");
                json_decref(answer);
        } else if (!rc) {
                rc = finish(cli, "whoami", status, answer, true);
        }
        client_close(&c);
        return rc;
}

int cmd_token(struct cli *cli, int argc, char **argv)
{
        struct client c;
        long status = 0;
        json_t *answer = NULL, *body = NULL;
        char path[128];
        const char *method;
        int rc;

        if (wants_help(argc, argv)) {
                fputs(token_usage, stdout);
                return EXIT_OK;
        }
        if (argc >= 3 && strcmp(argv[1], "create") == 0) {
                body = json_pack("{s:s}", "name", argv[2]);
                for (int i = 3; i < argc; i++) {
                        char *end;
                        long long v = 0;
                        if (strcmp(argv[i], "--expires-in") == 0 && i + 1 < argc)
                                v = strtoll(argv[++i], &end, 10);
                        if (v <= 0) {
                                json_decref(body);
                                fputs(token_usage, stderr);
                                return EXIT_USAGE;
                        }
                        json_object_set_new(body, "expires_in", json_integer(v));
                }
                method = "POST";
                snprintf(path, sizeof path, "/api/v1/tokens");
        } else if (argc == 2 && strcmp(argv[1], "list") == 0) {
                method = "GET";
                snprintf(path, sizeof path, "/api/v1/tokens?limit=500");
        } else if (argc == 3 && strcmp(argv[1], "revoke") == 0) {
                method = "DELETE";
                snprintf(path, sizeof path, "/api/v1/tokens/%.40s", argv[2]);
        } else {
                fputs(token_usage, stderr);
                return EXIT_USAGE;
        }
        rc = client_open(&c, true);
        if (rc) {
                json_decref(body);
                return rc;
        }
        rc = client_call(&c, method, path, body, &status, &answer);
        json_decref(body);
        if (rc)
                goto out;
        if (status >= 400 || cli->json_output) {
                rc = finish(cli, "token", status, answer, true);
                goto out;
        }
        if (strcmp(method, "POST") == 0) {
                printf("token %lld created; secret, shown once:\n%s\n",
                       (long long)json_integer_value(json_object_get(answer, "id")),
                       json_string_value(json_object_get(answer, "token")));
        } else if (strcmp(method, "GET") == 0) {
                json_t *t;
                size_t i;
                printf("%-6s %-24s %-12s %-22s %s\n", "ID", "NAME", "PREFIX", "CREATED", "STATE");
                json_array_foreach(json_object_get(answer, "items"), i, t) {
                        printf("%-6lld %-24s %-12s %-22s %s\n",
                               (long long)json_integer_value(json_object_get(t, "id")),
                               json_string_value(json_object_get(t, "name")),
                               json_string_value(json_object_get(t, "prefix")),
                               json_string_value(json_object_get(t, "created_at")),
                               json_is_null(json_object_get(t, "revoked_at")) ? "live" : "revoked");
                }
        } else {
                printf("token %s revoked\n", argv[2]);
        }
        json_decref(answer);
out:
        client_close(&c);
        return rc;
}

int cmd_api(struct cli *cli, int argc, char **argv)
{
        struct client c;
        long status = 0;
        json_t *answer = NULL, *body = NULL;
        int rc;

        if (wants_help(argc, argv)) {
                fputs(api_usage, stdout);
                return EXIT_OK;
        }
        if (argc != 3 && !(argc == 5 && strcmp(argv[3], "--data") == 0)) {
                fputs(api_usage, stderr);
                return EXIT_USAGE;
        }
        if (argc == 5) {
                json_error_t jerr;
                body = strcmp(argv[4], "-") == 0 ? json_loadf(stdin, 0, &jerr)
                                                 : json_loads(argv[4], 0, &jerr);
                if (!body) {
                        fprintf(stderr, "vigil api: --data is not JSON: %s\n", jerr.text);
                        return EXIT_USAGE;
                }
        }
        rc = client_open(&c, true);
        if (!rc)
                rc = client_call(&c, argv[1], argv[2], body, &status, &answer);
        json_decref(body);
        if (!rc)
                rc = finish(cli, "api", status, answer, true);
        client_close(&c);
        return rc;
}
