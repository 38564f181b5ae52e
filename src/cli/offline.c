/* Verbs that work on the database directly, without a running server:
 * bootstrap the first admin, list users, verify the audit chain and the
 * messages of released notices. */
#include "cli/cli.h"

#include "base/clock.h"
#include "base/secret.h"
#include "core/error.h"
#include "core/names.h"
#include "cases/account.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char user_usage[] =
        "usage: vigil -c FILE user add NAME --role ROLE [--tenant T] (--password-stdin | --generate-password)\n"
        "       vigil -c FILE user list\n"
        "\n"
        "Work on the configured database directly (no server needed), e.g. to create the\n"
        "first admin. ROLE is one of responder, incident_manager, executive_incident_manager,\n"
        "communications, auditor, admin, tenant_admin (which needs --tenant).\n"
        "--password-stdin reads the password from the first line of standard input;\n"
        "--generate-password makes a random one and prints it once.\n";

static const char migrate_usage[] =
        "usage: vigil migrate-store --from URL --to URL\n"
        "\n"
        "Copy every table of one store into another, empty, one - say an SQLite file\n"
        "into PostgreSQL: vigil migrate-store --from sqlite:var/vigil.db\n"
        "--to 'postgresql://vigil@db/vigil' - in one transaction of the target's, after\n"
        "bringing both to this vigil's schema. Then check the copy: each table's rows\n"
        "read alike on both, and the target's audit chain verifies with the source's\n"
        "head. Stop every vigil serve on the source first. The target's user must be\n"
        "a superuser (the copy fires no trigger, as a restore does). Exit 0 when the\n"
        "copy is made and checked, 1 when it is refused or fails (the target is left\n"
        "as it was), 5 when the check fails.\n";

static const char audit_usage[] =
        "usage: vigil -c FILE audit verify\n"
        "\n"
        "Walk the audit chain in the configured database, recomputing every digest and\n"
        "link, then check every released customer notice: each recipient's delivery has\n"
        "its own outbox message, and the notice has as many as its release counted.\n"
        "Exit 0 when both hold; exit 5 naming the first broken record and every notice\n"
        "problem when not.\n";

static int user_add(struct cli *cli, int argc, char **argv)
{
        const char *name = NULL, *role = NULL, *tenant = NULL;
        bool from_stdin = false, generate = false;
        char password[PASSWORD_MAX + 2] = "";
        struct field_errors fe;
        struct config *cfg = NULL;
        struct store *store = NULL;
        struct user u;
        int rc = EXIT_FAIL;

        for (int i = 2; i < argc; i++) {
                if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
                        role = argv[++i];
                else if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc)
                        tenant = argv[++i];
                else if (strcmp(argv[i], "--password-stdin") == 0)
                        from_stdin = true;
                else if (strcmp(argv[i], "--generate-password") == 0)
                        generate = true;
                else if (argv[i][0] != '-' && !name)
                        name = argv[i];
                else {
                        fprintf(stderr, "vigil user add: unexpected '%s'\n%s", argv[i], user_usage);
                        return EXIT_USAGE;
                }
        }
        if (!name || !role || from_stdin == generate) {
                fprintf(stderr, "vigil user add: NAME, --role and one of --password-stdin or "
                                "--generate-password are required\n%s", user_usage);
                return EXIT_USAGE;
        }
        if (from_stdin) {
                if (!fgets(password, sizeof password, stdin)) {
                        fprintf(stderr, "vigil user add: no password on standard input\n");
                        return EXIT_FAIL;
                }
                password[strcspn(password, "\r\n")] = '\0';
        } else if (secret_token_new("", password, sizeof password) < 0) {
                return EXIT_FAIL;
        }

        if (cli_config(cli, &cfg) < 0) {
                rc = EXIT_CONFIG;
                goto out;
        }
        if (cli_store(cfg, &store) < 0)
                goto out;
        fielderr_init(&fe);
        struct user_spec spec = { .name = name, .role = role, .tenant = tenant, .password = password };
        struct actor actor = { .user_id = 0, .name = "cli" };
        int r = account_user_create(store, &actor, clock_now(), &spec, &u, &fe);
        if (r < 0) {
                for (size_t k = 0; k < fe.n; k++)
                        fprintf(stderr, "vigil user add: %s: %s\n", fe.e[k].field, fe.e[k].message);
                if (fe.n == 0)
                        fprintf(stderr, "vigil user add: %s\n", vg_strerror(r));
                goto out;
        }
        if (generate)
                printf("created user %s (%s); password, shown once: %s\n", u.name,
                       role_to_string(u.role), password);
        else
                printf("created user %s (%s)\n", u.name, role_to_string(u.role));
        rc = EXIT_OK;
out:
        secret_wipe(password, sizeof password);
        store_close(store);
        config_free(cfg);
        return rc;
}

static int print_user(const struct user *u, void *userdata)
{
        (void)userdata;
        printf("%-24s %-28s %-16s %s\n", u->name, role_to_string(u->role), u->tenant[0] ? u->tenant : "-",
               u->disabled ? "disabled" : "active");
        return 0;
}

static int user_list(struct cli *cli)
{
        struct config *cfg = NULL;
        struct store *store = NULL;
        struct store_tx *tx;
        int rc = EXIT_FAIL;

        if (cli_config(cli, &cfg) < 0)
                return EXIT_CONFIG;
        if (cli_store(cfg, &store) < 0 || store_begin_read(store, &tx) < 0)
                goto out;
        printf("%-24s %-28s %-16s %s\n", "NAME", "ROLE", "TENANT", "STATE");
        if (store_user_list(tx, 0, 0, print_user, NULL) >= 0)
                rc = EXIT_OK;
        store_rollback(tx);
out:
        store_close(store);
        config_free(cfg);
        return rc;
}

int cmd_user(struct cli *cli, int argc, char **argv)
{
        if (wants_help(argc, argv)) {
                fputs(user_usage, stdout);
                return EXIT_OK;
        }
        if (argc >= 2 && strcmp(argv[1], "add") == 0)
                return user_add(cli, argc, argv);
        if (argc == 2 && strcmp(argv[1], "list") == 0)
                return user_list(cli);
        fputs(user_usage, stderr);
        return EXIT_USAGE;
}

/* One problem of a released notice, as a line or into a JSON array. */
static int print_notice_problem(const struct notice_problem *p, void *userdata)
{
        json_t *list = userdata;
        if (list)
                return json_array_append_new(
                        list,
                        json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "incident", p->incident,
                                  "version", (json_int_t)p->version, "tenant", p->tenant, "channel",
                                  p->channel, "address", p->address, "problem", p->what));
        if (*p->tenant)
                printf("notice %s v%lld to %s (%s %s): %s\n", p->incident, (long long)p->version,
                       p->tenant, p->channel, p->address, p->what);
        else
                printf("notice %s v%lld: %s\n", p->incident, (long long)p->version, p->what);
        return 0;
}

int cmd_audit(struct cli *cli, int argc, char **argv)
{
        struct config *cfg = NULL;
        struct store *store = NULL;
        struct audit_verify v;
        struct notice_verify nv;
        json_t *problems = NULL;
        int rc = EXIT_FAIL;

        if (wants_help(argc, argv)) {
                fputs(audit_usage, stdout);
                return EXIT_OK;
        }
        if (argc != 2 || strcmp(argv[1], "verify") != 0) {
                fputs(audit_usage, stderr);
                return EXIT_USAGE;
        }
        if (cli_config(cli, &cfg) < 0)
                return EXIT_CONFIG;
        if (cli_store(cfg, &store) < 0)
                goto out;
        int r = store_audit_verify(store, &v);
        if (r < 0) {
                fprintf(stderr, "vigil audit verify: %s\n", vg_strerror(r));
                goto out;
        }
        if (cli->json_output) {
                problems = json_array();
                if (!problems)
                        goto out;
        } else if (v.ok) {
                printf("audit chain intact: %lld records, head %s\n", (long long)v.records, v.head_hash);
        } else {
                printf("audit chain broken at record %lld: %s (%lld records before it are intact)\n",
                       (long long)v.first_bad_seq, v.reason, (long long)v.records);
        }
        r = store_notice_verify(store, print_notice_problem, problems, &nv);
        if (r < 0) {
                fprintf(stderr, "vigil audit verify: notices: %s\n", vg_strerror(r));
                goto out;
        }
        if (cli->json_output) {
                json_t *j = json_pack("{s:b, s:I, s:I, s:s, s:s, s:{s:b, s:I, s:I, s:O}}", "ok",
                                      v.ok && !nv.problems, "records", (json_int_t)v.records,
                                      "first_bad_seq", (json_int_t)v.first_bad_seq, "reason",
                                      v.reason, "head_hash", v.head_hash, "notices", "ok",
                                      !nv.problems, "released", (json_int_t)nv.notices, "messages",
                                      (json_int_t)nv.messages, "problems", problems);
                char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
                json_decref(j);
                if (!text)
                        goto out;
                puts(text);
                free(text);
        } else if (!nv.problems) {
                printf("notice deliveries complete: %lld released notices, %lld messages\n",
                       (long long)nv.notices, (long long)nv.messages);
        } else {
                printf("notice deliveries incomplete: %lld problems in %lld released notices\n",
                       (long long)nv.problems, (long long)nv.notices);
        }
        rc = v.ok && !nv.problems ? EXIT_OK : EXIT_BROKEN;
out:
        json_decref(problems);
        store_close(store);
        config_free(cfg);
        return rc;
}

static void copied(const char *table, int64_t rows, void *userdata)
{
        bool *quiet = userdata;
        if (!*quiet)
                printf("copied %-24s %lld rows\n", table, (long long)rows);
}

int cmd_migrate_store(struct cli *cli, int argc, char **argv)
{
        const char *from_url = NULL, *to_url = NULL;
        struct store *from = NULL, *to = NULL;
        char err[512] = "";
        int rc = EXIT_FAIL;
        if (wants_help(argc, argv)) {
                fputs(migrate_usage, stdout);
                return EXIT_OK;
        }
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
                        from_url = argv[++i];
                else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
                        to_url = argv[++i];
                else {
                        fprintf(stderr, "vigil migrate-store: unexpected '%s'\n%s", argv[i], migrate_usage);
                        return EXIT_USAGE;
                }
        }
        if (!from_url || !to_url) {
                fprintf(stderr, "vigil migrate-store: --from and --to are both needed\n%s", migrate_usage);
                return EXIT_USAGE;
        }
        if (strcmp(from_url, to_url) == 0) {
                fprintf(stderr, "vigil migrate-store: --from and --to name the same store\n");
                return EXIT_USAGE;
        }
        if (store_open(from_url, &from, err, sizeof err) < 0 || store_open(to_url, &to, err, sizeof err) < 0) {
                fprintf(stderr, "vigil migrate-store: %s\n", err);
                goto out;
        }
        bool quiet = cli->json_output;
        int r = store_copy(from, to, copied, &quiet, err, sizeof err);
        if (r < 0) {
                fprintf(stderr, "vigil migrate-store: %s\n", err[0] ? err : vg_strerror(r));
                rc = r == -VG_ECHAIN ? EXIT_BROKEN : EXIT_FAIL;
                goto out;
        }
        struct audit_verify a, b;
        r = store_audit_verify(from, &a);
        if (r >= 0)
                r = store_audit_verify(to, &b);
        if (r < 0) {
                fprintf(stderr, "vigil migrate-store: verifying: %s\n", vg_strerror(r));
                goto out;
        }
        bool ok = a.ok && b.ok && a.records == b.records && strcmp(a.head_hash, b.head_hash) == 0;
        if (cli->json_output) {
                json_t *j = json_pack("{s:b, s:I, s:s, s:s}", "verified", ok, "records", (json_int_t)b.records,
                                      "head_hash", b.head_hash, "to", store_backend(to));
                char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
                json_decref(j);
                if (text)
                        puts(text);
                free(text);
        } else if (ok)
                printf("verified: every table reads alike; audit chain intact in the copy, %lld records, head %s\n",
                       (long long)b.records, b.head_hash);
        else
                printf("the copy's audit chain does not match: %s (%lld records, head %s; source %lld, %s)\n",
                       b.ok ? "another head" : b.reason, (long long)b.records, b.head_hash,
                       (long long)a.records, a.head_hash);
        rc = ok ? EXIT_OK : EXIT_BROKEN;
out:
        store_close(from);
        store_close(to);
        return rc;
}
