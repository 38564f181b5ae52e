/* The vigil command's verbs. Each returns the process exit code. */
#pragma once

#include "base/config.h"
#include "store/store.h"

#include <stdbool.h>

enum exit_code {
        EXIT_OK = 0,
        EXIT_FAIL = 1,     /* the operation failed, or the server refused it */
        EXIT_USAGE = 2,    /* wrong command line */
        EXIT_CONFIG = 3,   /* configuration invalid or unreadable */
        EXIT_CONNECT = 4,  /* server unreachable, or no credentials for it */
        EXIT_BROKEN = 5,   /* the audit chain is broken, or a released notice lacks a message */
        EXIT_GAPS = 6,     /* on-call coverage has gaps (vigil oncall check) */
};

struct cli {
        const char *config_path; /* borrows: -c FILE, or VIGIL_CONFIG */
        bool json_output;        /* -o json */
};

int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_user(struct cli *cli, int argc, char **argv);
int cmd_audit(struct cli *cli, int argc, char **argv);
int cmd_migrate_store(struct cli *cli, int argc, char **argv);
int cmd_login(struct cli *cli, int argc, char **argv);
int cmd_whoami(struct cli *cli, int argc, char **argv);
int cmd_token(struct cli *cli, int argc, char **argv);
int cmd_api(struct cli *cli, int argc, char **argv);
int cmd_incident(struct cli *cli, int argc, char **argv);
int cmd_oncall(struct cli *cli, int argc, char **argv);
int cmd_page(struct cli *cli, int argc, char **argv);
int cmd_apply(struct cli *cli, int argc, char **argv);
int cmd_obligations(struct cli *cli, int argc, char **argv);
int cmd_notices(struct cli *cli, int argc, char **argv);
int cmd_evidence(struct cli *cli, int argc, char **argv);

/* Helpers shared by the verbs. */
/* True when argv[i] is --help or -h anywhere in argv. */
bool wants_help(int argc, char **argv);
/* Load the configuration named by -c or VIGIL_CONFIG; prints why not. */
int cli_config(struct cli *cli, struct config **ret);
/* Open the configuration's store; prints why not. */
int cli_store(const struct config *cfg, struct store **ret);
