/* vigil notices: compose, release and follow customer notices. */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "cli/client.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char notices_usage[] =
        "usage: vigil notices KEY\n"
        "       vigil notices compose KEY --kind initial|update|final --nature TEXT --impact TEXT\n"
        "                             --mitigation TEXT [--next-steps TEXT --next-update RFC3339]\n"
        "                             [--tenant ID]...\n"
        "       vigil notices preview KEY ID TENANT\n"
        "       vigil notices release KEY ID\n"
        "\n"
        "Lists incident KEY's notices with each delivery's state; composes one (all tenants\n"
        "in scope unless --tenant names some; TEXT '-' reads it from standard input);\n"
        "prints the e-mail notice ID sends TENANT, as the release renders it (To, Subject\n"
        "and its text; nothing is sent or changed); releases one to every tenant's\n"
        "designated contacts and webhook.\n";

static const char *s(json_t *o, const char *k)
{
        const char *v = json_string_value(json_object_get(o, k));
        return v ? v : "-";
}

/* TEXT, or standard input when TEXT is "-" (at most 64 KiB). */
static char *text_arg(const char *arg)
{
        if (strcmp(arg, "-") != 0)
                return strdup(arg);
        char *buf = malloc(65537);
        size_t n = buf ? fread(buf, 1, 65536, stdin) : 0;
        if (buf)
                buf[n] = '\0';
        return buf;
}

static int compose(int argc, char **argv, char *path, size_t size, json_t **body)
{
        static const struct {
                const char *flag, *field;
        } opts[] = { { "--kind", "kind" },
                     { "--nature", "nature" },
                     { "--impact", "user_impact" },
                     { "--mitigation", "mitigation" },
                     { "--next-steps", "next_steps" },
                     { "--next-update", "next_update_at" } };
        if (argc < 3 || strlen(argv[2]) > 32)
                return -1;
        snprintf(path, size, "/api/v1/incidents/%s/notices", argv[2]);
        json_t *b = json_object(), *tenants = json_array();
        for (int i = 3; i < argc; i += 2) {
                if (i + 1 >= argc)
                        goto bad;
                if (strcmp(argv[i], "--tenant") == 0) {
                        json_array_append_new(tenants, json_string(argv[i + 1]));
                        continue;
                }
                size_t k = 0;
                while (k < sizeof opts / sizeof opts[0] && strcmp(opts[k].flag, argv[i]) != 0)
                        k++;
                if (k == sizeof opts / sizeof opts[0])
                        goto bad;
                char *text = text_arg(argv[i + 1]);
                if (!text)
                        goto bad;
                json_object_set_new(b, opts[k].field, json_string(text));
                free(text);
        }
        if (json_array_size(tenants))
                json_object_set(b, "tenants", tenants);
        json_decref(tenants);
        *body = b;
        return 0;
bad:
        json_decref(b);
        json_decref(tenants);
        return -1;
}

int cmd_notices(struct cli *cli, int argc, char **argv)
{
        char path[256];
        const char *method = "GET";
        json_t *body = NULL;
        bool preview = false;
        if (wants_help(argc, argv)) {
                fputs(notices_usage, stdout);
                return EXIT_OK;
        }
        if (argc == 2 && strlen(argv[1]) <= 32) {
                snprintf(path, sizeof path, "/api/v1/incidents/%s/notices", argv[1]);
        } else if (argc >= 2 && strcmp(argv[1], "compose") == 0) {
                method = "POST";
                if (compose(argc, argv, path, sizeof path, &body) < 0) {
                        fputs(notices_usage, stderr);
                        return EXIT_USAGE;
                }
        } else if (argc == 5 && strcmp(argv[1], "preview") == 0 && strlen(argv[2]) <= 32 && strlen(argv[3]) <= 19 &&
                   strlen(argv[4]) <= 63) {
                snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%s/preview", argv[2], argv[3]);
                if (!client_query_add(path, sizeof path, "tenant", argv[4])) {
                        fputs(notices_usage, stderr);
                        return EXIT_USAGE;
                }
                preview = true;
        } else if (argc == 4 && strcmp(argv[1], "release") == 0 && strlen(argv[2]) <= 32 && strlen(argv[3]) <= 19) {
                method = "POST";
                snprintf(path, sizeof path, "/api/v1/incidents/%s/notices/%s/release", argv[2], argv[3]);
                body = json_object();
        } else {
                fputs(notices_usage, stderr);
                return EXIT_USAGE;
        }
        json_t *a = NULL;
        int rc = client_request("notices", method, path, body, &a);
        json_decref(body);
        if (rc)
                return rc;
        if (preview && !cli->json_output) {
                json_t *v;
                size_t i;
                printf("To: ");
                json_array_foreach(json_object_get(a, "to"), i, v)
                        printf("%s%s", i ? ", " : "", json_string_value(v));
                printf("%s\nSubject: %s\n\n%s", json_array_size(json_object_get(a, "to")) ? "" : "(no e-mail contact)",
                       s(a, "subject"), s(a, "body"));
                if (json_is_true(json_object_get(a, "webhook")))
                        printf("\n(and the notice as JSON to the tenant's webhook)\n");
                json_decref(a);
                return EXIT_OK;
        }
        if (cli->json_output || strcmp(method, "POST") == 0) {
                client_print_json(a);
                json_decref(a);
                return EXIT_OK;
        }
        json_t *n, *d;
        size_t i, j;
        json_array_foreach(json_object_get(a, "items"), i, n)
        {
                printf("notice %lld (%s %lld): composed by %s, %s%s\n", (long long)json_integer_value(json_object_get(n, "id")),
                       s(n, "kind"), (long long)json_integer_value(json_object_get(n, "version")), s(n, "composed_by"),
                       json_is_string(json_object_get(n, "released_at")) ? "released " : "not released",
                       json_is_string(json_object_get(n, "released_at")) ? s(n, "released_at") : "");
                unsigned counts[4] = { 0 };
                const char *names[4] = { "sent", "pending", "failed", "other" };
                json_array_foreach(json_object_get(n, "deliveries"), j, d)
                {
                        const char *st = s(d, "status");
                        unsigned k = strcmp(st, "sent") == 0 ? 0 : strcmp(st, "pending") == 0 ? 1 : strcmp(st, "failed") == 0 ? 2 : 3;
                        counts[k]++;
                        if (k >= 2)
                                printf("  %-8s %-14s %-8s %s %s\n", st, s(d, "tenant"), s(d, "channel"), s(d, "address"),
                                       s(d, "last_result"));
                }
                printf("  deliveries: %u %s, %u %s, %u %s, %u %s\n", counts[0], names[0], counts[1], names[1], counts[2],
                       names[2], counts[3], names[3]);
        }
        json_decref(a);
        return EXIT_OK;
}
