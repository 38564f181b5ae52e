/* vigil incident: the incident verbs over the API. Human-readable output by
 * default; -o json prints the API's answer for scripts. */
#include "cli/cli.h"
#include "cli/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
        "usage: vigil incident create --title T --severity sev1..sev4 --source S [--service NAME]...\n"
        "                             [--description TEXT] [--detected-at RFC3339]\n"
        "       vigil incident list [--phase P] [--classification C] [--severity S] [--service NAME]\n"
        "                           [--text Q] [--tenant ID] [--declared-from T] [--declared-to T]\n"
        "                           [--limit N]\n"
        "       vigil incident show KEY\n"
        "       vigil incident classify KEY CLASSIFICATION [--confidentiality] [--integrity]\n"
        "                               [--availability] [--data CATEGORY]... [--reason TEXT]\n"
        "       vigil incident declare KEY --criteria TEXT [--trigger REF]...\n"
        "       vigil incident advance KEY PHASE [--reason TEXT]\n"
        "       vigil incident scope KEY [--service NAME]... [--tenant ID:STATUS]... [--indicator KIND:VALUE]...\n"
        "                                [--residents CODE=COUNT]... (affected residents per jurisdiction)\n"
        "       vigil incident note KEY TEXT\n"
        "       vigil incident duplicate KEY --of SURVIVOR --reason TEXT\n"
        "                               (closes KEY as a duplicate; its alerts and notes go to SURVIVOR)\n"
        "       vigil incident task add KEY --phase P --title T [--owner USER] [--due RFC3339]\n"
        "                               [--business-impact]\n"
        "       vigil incident task set KEY ID [--status open|in_progress|done|cancelled] [--owner USER]\n"
        "       vigil incident task list KEY\n"
        "       vigil incident approve KEY TASK (--grant | --reject) --comment TEXT [--title T] [--owner USER]\n"
        "                               (--title/--owner: the step as you read it; refused if it changed)\n"
        "       vigil incident timeline KEY\n"
        "\n"
        "Sources: monitoring, employee, customer, third_party. Classifications: suspected,\n"
        "security_incident, compliance_event, false_positive (and duplicate, set only by the\n"
        "duplicate verb). Phases: analysis, containment, eradication, recovery, post_incident,\n"
        "closed. Tenant status: confirmed, suspected,\n"
        "ruled_out. Indicator kinds: ip, cidr, account, hash, domain, url.\n"
        "A refused phase change lists every unmet criterion. Exit 1 when the server refuses.\n";

/* "--name value" into obj[key] (string), or into an array when repeat. */
static bool opt(int *i, int argc, char **argv, const char *name, json_t *obj, const char *key,
                bool repeat)
{
        if (strcmp(argv[*i], name) != 0 || *i + 1 >= argc)
                return false;
        const char *v = argv[++*i];
        if (repeat) {
                json_t *arr = json_object_get(obj, key);
                if (!arr) {
                        arr = json_array();
                        json_object_set_new(obj, key, arr);
                }
                json_array_append_new(arr, json_string(v));
        } else {
                json_object_set_new(obj, key, json_string(v));
        }
        return true;
}

static void print_incident(json_t *j)
{
        json_t *v;
        size_t i;
        printf("%s  %s\n", json_string_value(json_object_get(j, "key")),
               json_string_value(json_object_get(j, "title")));
        printf("  phase %s, %s, %s, reported by %s from %s\n",
               json_string_value(json_object_get(j, "phase")),
               json_string_value(json_object_get(j, "classification")),
               json_string_value(json_object_get(j, "severity")),
               json_string_value(json_object_get(j, "reporter")),
               json_string_value(json_object_get(j, "source")));
        printf("  detected %s", json_string_value(json_object_get(j, "detected_at")));
        const char *declared = json_string_value(json_object_get(j, "declared_at"));
        if (declared)
                printf(", declared %s", declared);
        printf("\n");
        json_t *services = json_object_get(j, "services");
        if (json_array_size(services)) {
                printf("  services:");
                json_array_foreach(services, i, v)
                        printf(" %s", json_string_value(v));
                printf("\n");
        }
        json_array_foreach(json_object_get(j, "tenants"), i, v)
                printf("  tenant %s: %s, ~%lld users\n", json_string_value(json_object_get(v, "id")),
                       json_string_value(json_object_get(v, "status")),
                       (long long)json_integer_value(json_object_get(v, "affected_users")));
        json_array_foreach(json_object_get(j, "indicators"), i, v)
                printf("  indicator %s %s\n", json_string_value(json_object_get(v, "kind")),
                       json_string_value(json_object_get(v, "value")));
}

/* Split "a:b" at the first colon into obj {ka: a, kb: b}. */
static json_t *pair(const char *s, const char *ka, const char *kb)
{
        const char *c = strchr(s, ':');
        if (!c || c == s || !c[1])
                return NULL;
        json_t *o = json_object();
        json_object_set_new(o, ka, json_stringn(s, (size_t)(c - s)));
        json_object_set_new(o, kb, json_string(c + 1));
        return o;
}

int cmd_incident(struct cli *cli, int argc, char **argv)
{
        char path[512];
        const char *method = "GET";
        json_t *body = NULL;
        const char *verb = argc >= 2 ? argv[1] : "";
        const char *key = argc >= 3 ? argv[2] : NULL;

        if (wants_help(argc, argv)) {
                fputs(usage, stdout);
                return EXIT_OK;
        }
        if (key && strlen(key) > 32)
                key = NULL;

        if (strcmp(verb, "create") == 0) {
                method = "POST";
                snprintf(path, sizeof path, "/api/v1/incidents");
                body = json_object();
                for (int i = 2; i < argc; i++)
                        if (!opt(&i, argc, argv, "--title", body, "title", false) &&
                            !opt(&i, argc, argv, "--severity", body, "severity", false) &&
                            !opt(&i, argc, argv, "--source", body, "source", false) &&
                            !opt(&i, argc, argv, "--description", body, "description", false) &&
                            !opt(&i, argc, argv, "--detected-at", body, "detected_at", false) &&
                            !opt(&i, argc, argv, "--service", body, "services", true))
                                goto bad;
        } else if (strcmp(verb, "list") == 0) {
                json_t *q = json_object();
                static const char *const names[][2] = { { "--phase", "phase" }, { "--classification", "classification" },
                                                        { "--severity", "severity" }, { "--service", "service" },
                                                        { "--text", "q" }, { "--limit", "limit" },
                                                        { "--tenant", "tenant" }, { "--declared-from", "declared_from" },
                                                        { "--declared-to", "declared_to" } };
                for (int i = 2; i < argc; i++) {
                        bool ok = false;
                        for (size_t k = 0; k < sizeof names / sizeof names[0] && !ok; k++)
                                ok = opt(&i, argc, argv, names[k][0], q, names[k][1], false);
                        if (!ok) {
                                json_decref(q);
                                goto bad;
                        }
                }
                snprintf(path, sizeof path, "/api/v1/incidents");
                const char *k;
                json_t *v;
                bool fits = true;
                json_object_foreach(q, k, v)
                        fits = fits && client_query_add(path, sizeof path, k, json_string_value(v));
                json_decref(q);
                if (!fits)
                        goto bad;
        } else if ((strcmp(verb, "show") == 0 || strcmp(verb, "timeline") == 0) && key && argc == 3) {
                snprintf(path, sizeof path, "/api/v1/incidents/%s%s", key,
                         strcmp(verb, "timeline") == 0 ? "/timeline?limit=500" : "");
        } else if (strcmp(verb, "classify") == 0 && key && argc >= 4) {
                method = "POST";
                snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key);
                body = json_pack("{s:s}", "classification", argv[3]);
                json_t *impact = json_object();
                for (int i = 4; i < argc; i++) {
                        if (strcmp(argv[i], "--confidentiality") == 0 || strcmp(argv[i], "--integrity") == 0 ||
                            strcmp(argv[i], "--availability") == 0)
                                json_object_set_new(impact, argv[i] + 2, json_true());
                        else if (!opt(&i, argc, argv, "--data", body, "data_categories", true) &&
                                 !opt(&i, argc, argv, "--reason", body, "reason", false)) {
                                json_decref(impact);
                                goto bad;
                        }
                }
                if (json_object_size(impact))
                        json_object_set_new(body, "impact", impact);
                else
                        json_decref(impact);
        } else if (strcmp(verb, "declare") == 0 && key) {
                method = "POST";
                snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", key);
                body = json_object();
                for (int i = 3; i < argc; i++)
                        if (!opt(&i, argc, argv, "--criteria", body, "criteria", false) &&
                            !opt(&i, argc, argv, "--trigger", body, "triggers", true))
                                goto bad;
        } else if (strcmp(verb, "advance") == 0 && key && argc >= 4) {
                method = "POST";
                snprintf(path, sizeof path, "/api/v1/incidents/%s/advance", key);
                body = json_pack("{s:s}", "phase", argv[3]);
                for (int i = 4; i < argc; i++)
                        if (!opt(&i, argc, argv, "--reason", body, "reason", false))
                                goto bad;
        } else if (strcmp(verb, "scope") == 0 && key) {
                method = "PUT";
                snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", key);
                body = json_object();
                for (int i = 3; i < argc; i++) {
                        if (opt(&i, argc, argv, "--service", body, "services", true))
                                continue;
                        if (strcmp(argv[i], "--residents") == 0) {
                                /* CODE=COUNT; the server checks the code and the bounds. */
                                const char *arg = i + 1 < argc ? argv[++i] : "", *eq = strchr(arg, '=');
                                char code[16], *end = NULL;
                                long long n = eq ? strtoll(eq + 1, &end, 10) : -1;
                                if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof code || !eq[1] || *end)
                                        goto bad;
                                snprintf(code, sizeof code, "%.*s", (int)(eq - arg), arg);
                                if (!json_object_get(body, "affected_residents"))
                                        json_object_set_new(body, "affected_residents", json_object());
                                json_object_set_new(json_object_get(body, "affected_residents"), code, json_integer(n));
                                continue;
                        }
                        bool tenant = strcmp(argv[i], "--tenant") == 0, ind = strcmp(argv[i], "--indicator") == 0;
                        json_t *p = (tenant || ind) && i + 1 < argc
                                            ? pair(argv[++i], tenant ? "id" : "kind", tenant ? "status" : "value")
                                            : NULL;
                        if (!p)
                                goto bad;
                        const char *list = tenant ? "tenants" : "indicators";
                        if (!json_object_get(body, list))
                                json_object_set_new(body, list, json_array());
                        json_array_append_new(json_object_get(body, list), p);
                }
        } else if (strcmp(verb, "task") == 0 && argc >= 4 && strlen(argv[3]) <= 32) {
                const char *sub = argv[2];
                key = argv[3];
                if (strcmp(sub, "list") == 0 && argc == 4) {
                        snprintf(path, sizeof path, "/api/v1/incidents/%s/tasks", key);
                        verb = "task-list";
                } else if (strcmp(sub, "add") == 0) {
                        method = "POST";
                        snprintf(path, sizeof path, "/api/v1/incidents/%s/tasks", key);
                        body = json_object();
                        for (int i = 4; i < argc; i++) {
                                if (strcmp(argv[i], "--business-impact") == 0)
                                        json_object_set_new(body, "business_impact", json_true());
                                else if (!opt(&i, argc, argv, "--phase", body, "phase", false) &&
                                         !opt(&i, argc, argv, "--title", body, "title", false) &&
                                         !opt(&i, argc, argv, "--owner", body, "owner", false) &&
                                         !opt(&i, argc, argv, "--due", body, "due_at", false))
                                        goto bad;
                        }
                        verb = "task";
                } else if (strcmp(sub, "set") == 0 && argc >= 5 && strlen(argv[4]) <= 20) {
                        method = "PATCH";
                        snprintf(path, sizeof path, "/api/v1/incidents/%s/tasks/%s", key, argv[4]);
                        body = json_object();
                        for (int i = 5; i < argc; i++)
                                if (!opt(&i, argc, argv, "--status", body, "status", false) &&
                                    !opt(&i, argc, argv, "--owner", body, "owner", false) &&
                                    !opt(&i, argc, argv, "--title", body, "title", false))
                                        goto bad;
                        verb = "task";
                } else {
                        goto bad;
                }
        } else if (strcmp(verb, "approve") == 0 && key && argc >= 4) {
                method = "POST";
                snprintf(path, sizeof path, "/api/v1/incidents/%s/approvals", key);
                char *end;
                long long task = strtoll(argv[3], &end, 10);
                if (*end || task <= 0)
                        goto bad;
                body = json_pack("{s:I}", "task", (json_int_t)task);
                for (int i = 4; i < argc; i++) {
                        if (strcmp(argv[i], "--grant") == 0)
                                json_object_set_new(body, "decision", json_string("granted"));
                        else if (strcmp(argv[i], "--reject") == 0)
                                json_object_set_new(body, "decision", json_string("rejected"));
                        else if (!opt(&i, argc, argv, "--comment", body, "comment", false) &&
                                 !opt(&i, argc, argv, "--title", body, "title", false) &&
                                 !opt(&i, argc, argv, "--owner", body, "owner", false))
                                goto bad;
                }
                verb = "task";
        } else if (strcmp(verb, "duplicate") == 0 && key) {
                method = "POST";
                snprintf(path, sizeof path, "/api/v1/incidents/%s/duplicate", key);
                body = json_object();
                for (int i = 3; i < argc; i++)
                        if (!opt(&i, argc, argv, "--of", body, "of", false) &&
                            !opt(&i, argc, argv, "--reason", body, "reason", false))
                                goto bad;
        } else if (strcmp(verb, "note") == 0 && key && argc == 4) {
                method = "POST";
                snprintf(path, sizeof path, "/api/v1/incidents/%s/notes", key);
                body = json_pack("{s:s}", "text", argv[3]);
        } else {
                goto bad;
        }

        json_t *answer = NULL;
        int rc = client_request("incident", method, path, body, &answer);
        json_decref(body);
        if (rc)
                return rc;
        if (cli->json_output) {
                client_print_json(answer);
        } else if (strcmp(verb, "list") == 0) {
                json_t *v;
                size_t i;
                printf("%-15s %-14s %-18s %-5s %s\n", "KEY", "PHASE", "CLASSIFICATION", "SEV", "TITLE");
                json_array_foreach(json_object_get(answer, "items"), i, v)
                        printf("%-15s %-14s %-18s %-5s %s\n", json_string_value(json_object_get(v, "key")),
                               json_string_value(json_object_get(v, "phase")),
                               json_string_value(json_object_get(v, "classification")),
                               json_string_value(json_object_get(v, "severity")),
                               json_string_value(json_object_get(v, "title")));
        } else if (strcmp(verb, "timeline") == 0) {
                json_t *v;
                size_t i;
                json_array_foreach(json_object_get(answer, "items"), i, v) {
                        const char *action = json_string_value(json_object_get(v, "action"));
                        const char *text = json_string_value(json_object_get(json_object_get(v, "change"), "text"));
                        printf("%s  %-20s %-18s%s%s\n", json_string_value(json_object_get(v, "at")),
                               json_string_value(json_object_get(v, "actor")), action, text ? "  " : "",
                               text ? text : "");
                }
        } else if (strcmp(verb, "note") == 0) {
                printf("note added to %s\n", key);
        } else if (strcmp(verb, "duplicate") == 0) {
                printf("%s closed as a duplicate of %s\n", json_string_value(json_object_get(answer, "key")),
                       json_string_value(json_object_get(answer, "duplicate_of")));
        } else if (strcmp(verb, "task") == 0 || strcmp(verb, "task-list") == 0) {
                json_t *items = strcmp(verb, "task") == 0 ? NULL : json_object_get(answer, "items");
                json_t *one = items ? NULL : answer, *v;
                size_t i;
                printf("%-6s %-14s %-12s %-10s %s\n", "ID", "PHASE", "STATUS", "APPROVAL", "TITLE");
                for (i = 0; items ? i < json_array_size(items) : i < 1; i++) {
                        v = items ? json_array_get(items, i) : one;
                        const char *ap = json_string_value(json_object_get(json_object_get(v, "approval"), "status"));
                        printf("%-6lld %-14s %-12s %-10s %s\n", (long long)json_integer_value(json_object_get(v, "id")),
                               json_string_value(json_object_get(v, "phase")),
                               json_string_value(json_object_get(v, "status")), ap ? ap : "-",
                               json_string_value(json_object_get(v, "title")));
                }
        } else {
                print_incident(answer);
        }
        json_decref(answer);
        return EXIT_OK;
bad:
        json_decref(body);
        fputs(usage, stderr);
        return EXIT_USAGE;
}
