/* vigil oncall: who is on call, a schedule's shifts, overrides, and the
 * coverage check (exit 6 when any schedule has a gap or a service is not
 * covered around the clock, for cron and CI). */
#include "cli/cli.h"
#include "cli/client.h"

#include "cases/obligations.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
        "usage: vigil oncall now (--service NAME | --schedule NAME) [--at RFC3339]\n"
        "       vigil oncall schedule NAME [--from RFC3339] [--to RFC3339 | --days N]\n"
        "       vigil oncall override NAME --user USER --from RFC3339 --to RFC3339 [--reason TEXT]\n"
        "       vigil oncall check [--days N]\n"
        "\n"
        "check exits 6 when a schedule has a gap or a service is not covered around\n"
        "the clock in the next N days (default 90), listing each; 0 when all are.\n";

static const char *str(json_t *o, const char *k)
{
        const char *s = json_string_value(json_object_get(o, k));
        return s ? s : "-";
}

static int print_check(json_t *a)
{
        json_t *v, *g;
        size_t i, j;
        int bad = 0;
        json_array_foreach(json_object_get(a, "schedules"), i, v)
        {
                json_t *gaps = json_object_get(v, "gaps");
                if (!json_array_size(gaps)) {
                        printf("ok    schedule %s\n", str(v, "name"));
                        continue;
                }
                bad = 1;
                printf("GAP   schedule %s: %zu gaps, %lld s uncovered\n", str(v, "name"), json_array_size(gaps),
                       (long long)json_integer_value(json_object_get(v, "gap_seconds")));
                json_array_foreach(gaps, j, g)
                {
                        if (j == 10) {
                                printf("        ...\n");
                                break;
                        }
                        printf("        %s .. %s\n", str(g, "from"), str(g, "to"));
                }
        }
        json_array_foreach(json_object_get(a, "services"), i, v)
        {
                bool covered = json_is_true(json_object_get(v, "covered"));
                bad |= !covered;
                printf("%-5s service %s%s%s\n", covered ? "ok" : "GAP", str(v, "name"), covered ? "" : ": ",
                       covered ? "" : str(v, "why"));
        }
        printf("coverage %s to %s: %s\n", str(a, "from"), str(a, "to"), bad ? "GAPS" : "complete");
        return bad ? EXIT_GAPS : EXIT_OK;
}

int cmd_oncall(struct cli *cli, int argc, char **argv)
{
        char path[1024] = "";
        const char *method = "GET", *verb = argc >= 2 ? argv[1] : "";
        json_t *body = NULL;

        if (wants_help(argc, argv)) {
                fputs(usage, stdout);
                return EXIT_OK;
        }
        if (strcmp(verb, "now") == 0) {
                snprintf(path, sizeof path, "/api/v1/oncall");
                for (int i = 2; i + 1 < argc; i += 2) {
                        if (strcmp(argv[i], "--service") != 0 && strcmp(argv[i], "--schedule") != 0 &&
                            strcmp(argv[i], "--at") != 0)
                                goto bad;
                        if (!client_query_add(path, sizeof path, argv[i] + 2, argv[i + 1]))
                                goto bad;
                }
                if (argc % 2 != 0 || !strchr(path, '?'))
                        goto bad;
        } else if (strcmp(verb, "schedule") == 0 && argc >= 3 && argc % 2 == 1 && strlen(argv[2]) <= 64) {
                snprintf(path, sizeof path, "/api/v1/schedules/%s/final", argv[2]);
                for (int i = 3; i + 1 < argc; i += 2) {
                        if (strcmp(argv[i], "--from") != 0 && strcmp(argv[i], "--to") != 0 &&
                            strcmp(argv[i], "--days") != 0)
                                goto bad;
                        if (!client_query_add(path, sizeof path, argv[i] + 2, argv[i + 1]))
                                goto bad;
                }
        } else if (strcmp(verb, "override") == 0 && argc >= 3 && argc % 2 == 1 && strlen(argv[2]) <= 64) {
                method = "POST";
                snprintf(path, sizeof path, "/api/v1/schedules/%s/overrides", argv[2]);
                body = json_object();
                for (int i = 3; i + 1 < argc; i += 2) {
                        if (strcmp(argv[i], "--user") != 0 && strcmp(argv[i], "--from") != 0 &&
                            strcmp(argv[i], "--to") != 0 && strcmp(argv[i], "--reason") != 0)
                                goto bad;
                        json_object_set_new(body, argv[i] + 2, json_string(argv[i + 1]));
                }
        } else if (strcmp(verb, "check") == 0 && (argc == 2 || (argc == 4 && strcmp(argv[2], "--days") == 0))) {
                snprintf(path, sizeof path, "/api/v1/oncall/coverage");
                if (argc == 4 && !client_query_add(path, sizeof path, "days", argv[3]))
                        goto bad;
        } else {
                goto bad;
        }

        json_t *a = NULL;
        int rc = client_request("oncall", method, path, body, &a);
        json_decref(body);
        if (rc)
                return rc;
        if (cli->json_output) {
                client_print_json(a);
                rc = strcmp(verb, "check") == 0 && !json_is_true(json_object_get(a, "ok")) ? EXIT_GAPS : EXIT_OK;
        } else if (strcmp(verb, "check") == 0) {
                rc = print_check(a);
        } else if (strcmp(verb, "schedule") == 0) {
                json_t *v;
                size_t i;
                printf("%-21s %-21s %-16s %s\n", "FROM", "TO", "USER", "LAYER");
                json_array_foreach(json_object_get(a, "shifts"), i, v)
                        printf("%-21s %-21s %-16s %s\n", str(v, "from"), str(v, "to"),
                               json_is_null(json_object_get(v, "user")) ? "(nobody)" : str(v, "user"), str(v, "layer"));
        } else if (strcmp(verb, "override") == 0) {
                printf("override %lld: %s on %s from %s to %s\n", (long long)json_integer_value(json_object_get(a, "id")),
                       str(a, "user"), str(a, "schedule"), str(a, "from"), str(a, "to"));
        } else if (json_object_get(a, "levels")) {
                json_t *lv, *p;
                size_t i, j;
                printf("%s at %s (policy %s)\n", str(a, "service"), str(a, "at"), str(a, "escalation_policy"));
                json_array_foreach(json_object_get(a, "levels"), i, lv)
                {
                        long long d = (long long)json_integer_value(json_object_get(lv, "delay_seconds"));
                        printf("  level %lld (escalates after %lld %s):",
                               (long long)json_integer_value(json_object_get(lv, "level")), d % 60 ? d : d / 60,
                               d % 60 ? "s" : "min");
                        json_t *people = json_object_get(lv, "oncall");
                        if (!json_array_size(people))
                                printf(" nobody");
                        json_array_foreach(people, j, p)
                                printf(" %s (%s)", str(p, "user"), str(p, "via"));
                        printf("\n");
                }
        } else {
                printf("%s at %s: %s (%s)\n", str(a, "schedule"), str(a, "at"),
                       json_is_null(json_object_get(a, "user")) ? "nobody" : str(a, "user"), str(a, "layer"));
        }
        json_decref(a);
        return rc;
bad:
        json_decref(body);
        fputs(usage, stderr);
        return EXIT_USAGE;
}

static const char page_usage[] =
        "usage: vigil page list [--incident KEY]\n"
        "       vigil page ack ID [--reason TEXT]\n"
        "\n"
        "ack acknowledges page ID: its escalation stops and the incident counts as acknowledged.\n"
        "Your own page needs no reason; an incident manager or admin acknowledging someone\n"
        "else's page gives --reason (kept in the audit record).\n";

int cmd_page(struct cli *cli, int argc, char **argv)
{
        char path[256];
        const char *method = "GET", *verb = argc >= 2 ? argv[1] : "";
        if (wants_help(argc, argv)) {
                fputs(page_usage, stdout);
                return EXIT_OK;
        }
        if (strcmp(verb, "list") == 0 && (argc == 2 || (argc == 4 && strcmp(argv[2], "--incident") == 0))) {
                snprintf(path, sizeof path, "/api/v1/pages");
                if (argc == 4 && !client_query_add(path, sizeof path, "incident", argv[3]))
                        goto bad;
        } else if (strcmp(verb, "ack") == 0 &&
                   (argc == 3 || (argc == 5 && strcmp(argv[3], "--reason") == 0)) &&
                   strspn(argv[2], "0123456789") == strlen(argv[2]) && strlen(argv[2]) < 19) {
                method = "POST";
                snprintf(path, sizeof path, "/api/v1/pages/%s/ack", argv[2]);
        } else {
                goto bad;
        }
        json_t *a = NULL;
        json_t *body = strcmp(method, "POST") == 0 ? json_object() : NULL;
        if (body && argc == 5)
                json_object_set_new(body, "reason", json_string(argv[4]));
        int rc = client_request("page", method, path, body, &a);
        json_decref(body);
        if (rc)
                return rc;
        if (cli->json_output) {
                client_print_json(a);
        } else if (strcmp(verb, "ack") == 0) {
                printf("page %s acknowledged\n", argv[2]);
        } else {
                json_t *v;
                size_t i;
                printf("%-6s %-16s %-5s %-22s %-21s %s\n", "ID", "USER", "LEVEL", "VIA", "SENT", "ACKNOWLEDGED");
                json_array_foreach(json_object_get(a, "items"), i, v)
                        printf("%-6lld %-16s %-5lld %-22s %-21s %s\n", (long long)json_integer_value(json_object_get(v, "id")),
                               str(v, "user"), (long long)json_integer_value(json_object_get(v, "level")), str(v, "via"),
                               str(v, "created_at"), str(v, "acked_at"));
        }
        json_decref(a);
        return EXIT_OK;
bad:
        fputs(page_usage, stderr);
        return EXIT_USAGE;
}

static const char obligations_usage[] =
        "usage: vigil obligations KEY [--tenant ID] [--rule RULE] [--status STATUS] [--limit N] "
        "[--cursor C]\n"
        "       vigil obligations sent KEY ID [--at RFC3339] [--channel "
        "portal|email|letter|phone|other]\n"
        "                              [--reference REF] [--note TEXT] [--attach FILE --type "
        "MEDIA-TYPE]\n"
        "       vigil obligations correct KEY ID --at RFC3339 --reason TEXT\n"
        "       vigil obligations why KEY ID\n"
        "\n"
        "Lists incident KEY's notification obligations by due time with the time left,\n"
        "a page at a time (500 by default; --cursor C goes on where a page ended), with\n"
        "the counts by rule and status of all that pass the filters (--tenant \"\" the\n"
        "provider's own; --status open, sent, waived, withdrawn, cannot_compute) and\n"
        "each listed tenant's effective deadline (a duty \"without undue delay\" is never\n"
        "late: its LEFT counts to its internal target); `sent` records that one went\n"
        "out (when, through which channel, the recipient's reference, a note, a file of\n"
        "at most 512 KiB kept with its SHA-256); `correct` moves a wrong sent time,\n"
        "saying why (the first record stays; later stages count from the corrected\n"
        "time); `why` says why one applies and by when: each condition of its rule with the fact\n"
        "that met it, the deadline with its times, the contents, confidence and note.\n";

/* Obligation id's explanation, as `obligations why` prints it. */
static int print_why(json_t *o)
{
        json_t *v, *e = json_object_get(o, "explanation");
        size_t i;
        if (!json_is_object(e)) {
                fprintf(stderr, "vigil: its rule is not the one in force: no explanation\n");
                return EXIT_FAIL;
        }
        const char *tenant = str(o, "tenant");
        printf("%s for %s (%s)\n%s\n", str(o, "rule"), *tenant ? tenant : "the provider", str(o, "status"),
               str(e, "citation"));
        if (!json_array_size(json_object_get(e, "conditions")))
                printf("applies: to every tenant in scope\n");
        json_array_foreach(json_object_get(e, "conditions"), i, v)
                printf("%s %s: %s\n", json_is_true(json_object_get(v, "met")) ? "met" : "NOT met", str(v, "condition"),
                       str(v, "text"));
        printf("term: %s\n", str(e, "term"));
        json_array_foreach(json_object_get(e, "contents"), i, v)
                printf("contents: %s\n", json_string_value(v));
        printf("confidence: %s\n", str(e, "confidence"));
        if (json_is_string(json_object_get(e, "note")))
                printf("note: %s\n", str(e, "note"));
        return EXIT_OK;
}

/* FILE's bytes in base64 (yours), at most FILING_ATTACHMENT_MAX bytes of it;
 * NULL with a message on stderr. */
static char *file_base64(const char *path)
{
        FILE *f = fopen(path, "rb");
        if (!f) {
                fprintf(stderr, "vigil: %s: cannot read it\n", path);
                return NULL;
        }
        unsigned char *data = malloc(FILING_ATTACHMENT_MAX + 1);
        size_t n = data ? fread(data, 1, FILING_ATTACHMENT_MAX + 1, f) : 0;
        bool bad = ferror(f);
        fclose(f);
        char *out = NULL;
        if (!data || bad)
                fprintf(stderr, "vigil: %s: cannot read it\n", path);
        else if (n > FILING_ATTACHMENT_MAX)
                fprintf(stderr, "vigil: %s: larger than 512 KiB\n", path);
        else if ((out = malloc(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL))))
                sodium_bin2base64(out, sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), data, n,
                                  sodium_base64_VARIANT_ORIGINAL);
        free(data);
        return out;
}

/* The body of `obligations sent|correct KEY ID OPTIONS...` from its options
 * (argv from the first option); NULL on a usage error. */
static json_t *filing_body(bool correct, int argc, char **argv)
{
        static const char *const sent_opts[] = { "--at", "--channel", "--reference", "--note", "--attach", "--type", NULL };
        static const char *const correct_opts[] = { "--at", "--reason", NULL };
        const char *const *opts = correct ? correct_opts : sent_opts;
        const char *attach = NULL, *type = NULL;
        json_t *body = json_object();
        for (int i = 0; body && i < argc; i += 2) {
                size_t k = 0;
                while (opts[k] && strcmp(opts[k], argv[i]) != 0)
                        k++;
                if (!opts[k] || i + 1 >= argc)
                        goto bad;
                if (strcmp(argv[i], "--attach") == 0)
                        attach = argv[i + 1];
                else if (strcmp(argv[i], "--type") == 0)
                        type = argv[i + 1];
                else
                        json_object_set_new(body, argv[i] + 2, json_string(argv[i + 1]));
        }
        if (!body || (correct && (!json_object_get(body, "at") || !json_object_get(body, "reason"))) || !attach != !type)
                goto bad;
        if (attach) {
                char *b64 = file_base64(attach);
                if (!b64) {
                        json_decref(body);
                        return NULL;
                }
                const char *name = strrchr(attach, '/') ? strrchr(attach, '/') + 1 : attach;
                json_object_set_new(body, "attachment",
                                    json_pack("{s:s, s:s, s:s}", "name", name, "media_type", type, "content", b64));
                free(b64);
        }
        return body;
bad:
        json_decref(body);
        fputs(obligations_usage, stderr);
        return NULL;
}

/* "3d 4h", "2h 05m", "-1h 10m" (late). */
static void left(long long s, char *buf, size_t size)
{
        const char *sign = s < 0 ? "-" : "";
        long long a = s < 0 ? -s : s;
        if (a >= 86400)
                snprintf(buf, size, "%s%lldd %lldh", sign, a / 86400, a % 86400 / 3600);
        else
                snprintf(buf, size, "%s%lldh %02lldm", sign, a / 3600, a % 3600 / 60);
}

int cmd_obligations(struct cli *cli, int argc, char **argv)
{
        char path[2048];
        const char *method = "GET";
        json_t *body = NULL;
        if (wants_help(argc, argv)) {
                fputs(obligations_usage, stdout);
                return EXIT_OK;
        }
        const char *why = NULL;
        if (argc >= 2 && argc % 2 == 0 && strlen(argv[1]) <= 32 && strcmp(argv[1], "why") != 0 &&
            strcmp(argv[1], "sent") != 0 && strcmp(argv[1], "correct") != 0) {
                static const char *const opts[] = {"--tenant", "tenant", "--rule",  "rule",
                                                   "--status", "status", "--limit", "limit",
                                                   "--cursor", "cursor", NULL};
                snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations", argv[1]);
                for (int i = 2; i < argc; i += 2) {
                        size_t k;
                        for (k = 0; opts[k] && strcmp(opts[k], argv[i]) != 0; k += 2)
                                ;
                        if (!opts[k] || strlen(argv[i + 1]) > 512 ||
                            !client_query_add(path, sizeof path, opts[k + 1], argv[i + 1])) {
                                fprintf(stderr, "vigil obligations: %s: %s\n", argv[i],
                                        opts[k] ? "too long" : "not an option of the list");
                                return EXIT_USAGE;
                        }
                }
        } else if (argc == 4 && strcmp(argv[1], "why") == 0 && strlen(argv[2]) <= 32 &&
                   strlen(argv[3]) <= 19) {
                snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations/%s", argv[2], argv[3]);
                why = argv[3];
        } else if (argc >= 4 && (strcmp(argv[1], "sent") == 0 || strcmp(argv[1], "correct") == 0) &&
                   strlen(argv[2]) <= 32 && strlen(argv[3]) <= 19) {
                bool correct = strcmp(argv[1], "correct") == 0;
                method = "POST";
                snprintf(path, sizeof path, "/api/v1/incidents/%s/obligations/%s/%s", argv[2], argv[3],
                         correct ? "correction" : "sent");
                if (!(body = filing_body(correct, argc - 4, argv + 4)))
                        return EXIT_USAGE;
        } else {
                fputs(obligations_usage, stderr);
                return EXIT_USAGE;
        }
        json_t *a = NULL;
        int rc = client_request("obligations", method, path, body, &a);
        json_decref(body);
        if (rc)
                return rc;
        if (why && !cli->json_output) {
                rc = print_why(a);
                json_decref(a);
                return rc;
        }
        if (cli->json_output) {
                client_print_json(a);
                json_decref(a);
                return EXIT_OK;
        }
        json_t *v;
        size_t i;
        printf("%-5s %-21s %-9s %-14s %-20s %-9s %s\n", "ID", "DUE", "LEFT", "TENANT", "RULE", "STATUS", "RECIPIENT");
        json_array_foreach(json_object_get(a, "items"), i, v)
        {
                char l[32] = "-";
                bool asap = strcmp(str(v, "deadline_kind"), "asap") == 0;
                json_t *sl = json_object_get(v, asap ? "seconds_to_target" : "seconds_left");
                if (sl)
                        left((long long)json_integer_value(sl), l, sizeof l);
                const char *tenant = str(v, "tenant");
                printf("%-5lld %-21s %-9s %-14s %-20s %-9s %s\n", (long long)json_integer_value(json_object_get(v, "id")),
                       json_is_null(json_object_get(v, "due_at")) ? "(not started)"
                       : asap                                      ? "without undue delay"
                                                                   : str(v, "due_at"),
                       l, *tenant ? tenant : "(provider)", str(v, "rule"), str(v, "status"), str(v, "recipient"));
        }
        json_array_foreach(json_object_get(a, "tenants"), i, v)
        {
                if (strcmp(str(v, "deadline_kind"), "asap") == 0)
                        printf("tenant %s: notify without undue delay (%s; internal target %s)\n", str(v, "tenant"),
                               str(v, "rule"), json_is_string(json_object_get(v, "target_at")) ? str(v, "target_at") : "not set");
                else
                        printf("tenant %s: notify by %s (%s)\n", str(v, "tenant"), str(v, "due_at"), str(v, "rule"));
        }
        /* What passes the filters, counted by rule and status. */
        const char *rule, *st;
        json_t *counts, *n;
        json_object_foreach(json_object_get(json_object_get(a, "summary"), "by_rule"), rule, counts)
        {
                printf("%s:", rule);
                json_object_foreach(counts, st, n)
                        printf(" %lld %s", (long long)json_integer_value(n), st);
                putchar('\n');
        }
        printf("%zu of %lld listed\n", json_array_size(json_object_get(a, "items")),
               (long long)json_integer_value(json_object_get(a, "total")));
        if (json_is_string(json_object_get(a, "next_cursor")))
                printf("more: vigil obligations %s ... --cursor %s\n", argv[1],
                       str(a, "next_cursor"));
        json_decref(a);
        return EXIT_OK;
}
