/* vigil: the server and its command-line client. */
#include "cli/cli.h"

#include "base/secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
        "usage: vigil [-c FILE] [-o json] COMMAND [ARGS]\n"
        "\n"
        "Security incident management: the server and its client.\n"
        "\n"
        "Server and offline commands (read the configuration given by -c or $VIGIL_CONFIG):\n"
        "  serve [--check-config]        run the server, or only validate the configuration\n"
        "  user add NAME --role ROLE [--tenant T] (--password-stdin | --generate-password)\n"
        "  user list                     list users\n"
        "  audit verify                  walk the audit chain and report the first broken link;\n"
        "                                check every released notice's messages in the outbox\n"
        "  migrate-store --from URL --to URL\n"
        "                                copy every table into an empty store (SQLite to\n"
        "                                PostgreSQL) and check the copy\n"
        "\n"
        "Client commands (talk to the API at $VIGIL_URL with $VIGIL_TOKEN, or the values saved\n"
        "in ~/.config/vigil/config by `vigil login`):\n"
        "  login --url URL --user NAME [--password-stdin]   sign in and save an API token\n"
        "  whoami                        show who the token acts as\n"
        "  token create NAME [--expires-in SECONDS] | token list | token revoke ID\n"
        "  api METHOD PATH [--data JSON | --data -]         call any route, print the answer\n"
        "  incident create|list|show|classify|declare|advance|scope|task|approve|note|timeline ...\n"
        "                                work incidents (`vigil incident --help`)\n"
        "  oncall now|schedule|override|check ...\n"
        "                                who is on call, shifts, overrides, coverage gaps\n"
        "  page list|ack ...             pages sent; acknowledge one\n"
        "  apply -f FILE                 users, teams, schedules, policies, services from YAML\n"
        "  obligations KEY | obligations sent|correct|why KEY ID\n"
        "                                notification obligations by due time; record one sent; why one applies\n"
        "  notices KEY | notices compose KEY ... | notices release KEY ID\n"
        "                                customer notices and their deliveries\n"
        "  evidence --from DATE --to DATE [--framework F] -o DIR|FILE.tar.gz\n"
        "                                an auditor's evidence pack mapped to controls\n"
        "\n"
        "Options:\n"
        "  -c, --config FILE   configuration file (YAML)\n"
        "  -o json             print JSON instead of text, for scripts\n"
        "  -h, --help          help; `vigil COMMAND --help` for a command\n"
        "  --version           print the version\n"
        "\n"
        "Exit codes: 0 success; 1 the operation failed or the server refused it; 2 usage;\n"
        "3 configuration invalid; 4 server unreachable or no credentials; 5 audit chain broken\n"
        "(or a released notice lacks a recipient's message).\n";

bool wants_help(int argc, char **argv)
{
        for (int i = 0; i < argc; i++)
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
                        return true;
        return false;
}

static const struct {
        const char *name;
        int (*fn)(struct cli *, int, char **);
} commands[] = {
        { "serve", cmd_serve }, { "user", cmd_user },     { "audit", cmd_audit }, { "migrate-store", cmd_migrate_store },
        { "login", cmd_login }, { "whoami", cmd_whoami }, { "token", cmd_token },
        { "api", cmd_api },       { "incident", cmd_incident }, { "oncall", cmd_oncall }, { "page", cmd_page }, { "apply", cmd_apply }, { "obligations", cmd_obligations }, { "notices", cmd_notices }, { "evidence", cmd_evidence },
};

int main(int argc, char **argv)
{
        struct cli cli = { .config_path = getenv("VIGIL_CONFIG") };
        int i = 1;

        for (; i < argc && argv[i][0] == '-'; i++) {
                const char *a = argv[i];
                if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
                        cli.config_path = argv[++i];
                } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
                        if (strcmp(argv[++i], "json") != 0) {
                                fprintf(stderr, "vigil: -o takes 'json'\n");
                                return EXIT_USAGE;
                        }
                        cli.json_output = true;
                } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        fputs(usage, stdout);
                        return EXIT_OK;
                } else if (strcmp(a, "--version") == 0) {
                        printf("vigil %s\n", VIGIL_VERSION);
                        return EXIT_OK;
                } else {
                        fprintf(stderr, "vigil: unknown option '%s'\n%s", a, usage);
                        return EXIT_USAGE;
                }
        }
        if (i >= argc) {
                fputs(usage, stderr);
                return EXIT_USAGE;
        }
        if (secret_init() < 0) {
                fprintf(stderr, "vigil: libsodium failed to initialise\n");
                return EXIT_FAIL;
        }
        for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
                if (strcmp(argv[i], commands[k].name) == 0)
                        return commands[k].fn(&cli, argc - i, argv + i);
        fprintf(stderr, "vigil: unknown command '%s'\n%s", argv[i], usage);
        return EXIT_USAGE;
}
