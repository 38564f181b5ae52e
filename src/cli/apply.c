/* vigil apply -f org.yaml: users, teams, schedules, escalation policies
 * and services from one file, through the API, in the order they refer to
 * each other. Declarative and idempotent: an object that already matches
 * the file is left alone (the server does not even write an audit record),
 * so applying the same file twice changes nothing. Objects not in the file
 * are left as they are. */
#include "cli/cli.h"
#include "cli/client.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static const char usage[] =
        "usage: vigil apply -f FILE\n"
        "\n"
        "FILE (YAML) may hold, each a mapping of name to object as the API takes it:\n"
        "  users:               {role, email, phone, time_zone, contacts, tenant}\n"
        "  teams:               {description, members}\n"
        "  schedules:           {description, team, time_zone, layers}\n"
        "  escalation_policies: {description, repeat, levels}\n"
        "  services:            {description, team, escalation_policy}\n"
        "New users get a random password: sign-in needs a reset by an admin.\n"
        "Exit 0 when everything matches the file afterwards, 1 at the first refusal.\n";

/* YAML node -> JSON: plain scalars that read as numbers, booleans or null
 * become those; quoted ones stay strings. */
static json_t *to_json(yaml_document_t *doc, yaml_node_t *n, int depth)
{
        if (!n || depth > 32)
                return NULL;
        switch (n->type) {
        case YAML_SCALAR_NODE: {
                const char *v = (const char *)n->data.scalar.value;
                if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
                        char *end;
                        errno = 0;
                        long long i = strtoll(v, &end, 10);
                        if (*v && !*end && !errno)
                                return json_integer(i);
                        if (strcmp(v, "true") == 0)
                                return json_true();
                        if (strcmp(v, "false") == 0)
                                return json_false();
                        if (strcmp(v, "null") == 0 || strcmp(v, "~") == 0 || !*v)
                                return json_null();
                }
                return json_string(v);
        }
        case YAML_SEQUENCE_NODE: {
                json_t *a = json_array();
                for (yaml_node_item_t *it = n->data.sequence.items.start; a && it < n->data.sequence.items.top; it++) {
                        json_t *e = to_json(doc, yaml_document_get_node(doc, *it), depth + 1);
                        if (!e) {
                                json_decref(a);
                                return NULL;
                        }
                        json_array_append_new(a, e);
                }
                return a;
        }
        case YAML_MAPPING_NODE: {
                json_t *o = json_object();
                for (yaml_node_pair_t *p = n->data.mapping.pairs.start; o && p < n->data.mapping.pairs.top; p++) {
                        yaml_node_t *k = yaml_document_get_node(doc, p->key);
                        json_t *v = to_json(doc, yaml_document_get_node(doc, p->value), depth + 1);
                        if (!k || k->type != YAML_SCALAR_NODE || !v) {
                                json_decref(v);
                                json_decref(o);
                                return NULL;
                        }
                        json_object_set_new(o, (const char *)k->data.scalar.value, v);
                }
                return o;
        }
        default:
                return NULL;
        }
}

static json_t *load(const char *path, char *err, size_t errlen)
{
        FILE *f = fopen(path, "rb");
        yaml_parser_t parser;
        yaml_document_t doc;
        if (!f) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return NULL;
        }
        if (!yaml_parser_initialize(&parser)) {
                fclose(f);
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        yaml_parser_set_input_file(&parser, f);
        json_t *j = NULL;
        if (!yaml_parser_load(&parser, &doc)) {
                snprintf(err, errlen, "%s:%lu: %s", path, (unsigned long)parser.problem_mark.line + 1,
                         parser.problem ? parser.problem : "not valid YAML");
        } else {
                j = to_json(&doc, yaml_document_get_root_node(&doc), 0);
                if (!json_is_object(j)) {
                        snprintf(err, errlen, "%s: the top level must be a mapping (users, teams, ...)", path);
                        json_decref(j);
                        j = NULL;
                }
                yaml_document_delete(&doc);
        }
        yaml_parser_delete(&parser);
        fclose(f);
        return j;
}

struct tally {
        unsigned created, updated, unchanged;
};

static int call(struct client *c, const char *method, const char *path, json_t *body, long *status, json_t **ret)
{
        return client_call(c, method, path, body, status, ret);
}

static bool same(json_t *a, json_t *b)
{
        return json_equal(a ? a : json_null(), b ? b : json_null()) ||
               (json_is_string(a) && !json_string_length(a) && !b);
}

static int apply_user(struct client *c, const char *name, json_t *want, struct tally *t)
{
        static const char *const fields[] = { "role", "email", "phone", "time_zone", "contacts", "tenant" };
        char path[256];
        long status = 0;
        json_t *have = NULL, *ans = NULL;
        snprintf(path, sizeof path, "/api/v1/users/%s", name);
        int rc = call(c, "GET", path, NULL, &status, &have);
        if (rc)
                return rc;
        if (status == 404) {
                json_t *body = json_deep_copy(want);
                char pw[33];
                unsigned char raw[16];
                randombytes_buf(raw, sizeof raw);
                sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
                json_object_set_new(body, "name", json_string(name));
                json_object_set_new(body, "password", json_string(pw));
                rc = call(c, "POST", "/api/v1/users", body, &status, &ans);
                sodium_memzero(pw, sizeof pw);
                json_decref(body);
                if (!rc && status == 201) {
                        printf("created user %s\n", name);
                        t->created++;
                }
        } else if (status == 200) {
                json_t *patch = json_object();
                for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
                        json_t *w = json_object_get(want, fields[i]);
                        if (w && !same(w, json_object_get(have, fields[i])))
                                json_object_set(patch, fields[i], w);
                }
                if (json_object_size(patch)) {
                        rc = call(c, "PATCH", path, patch, &status, &ans);
                        if (!rc && status == 200) {
                                printf("updated user %s\n", name);
                                t->updated++;
                        }
                } else {
                        printf("unchanged user %s\n", name);
                        t->unchanged++;
                }
                json_decref(patch);
        }
        if (!rc && status >= 400) {
                client_print_problem("apply", status, ans ? ans : have);
                rc = EXIT_FAIL;
        }
        json_decref(have);
        json_decref(ans);
        return rc;
}

static int apply_doc(struct client *c, const char *plural, const char *kind, const char *name, json_t *want,
                     struct tally *t)
{
        char path[256];
        long status = 0;
        json_t *ans = NULL;
        snprintf(path, sizeof path, "/api/v1/%s/%s", plural, name);
        int rc = call(c, "PUT", path, want, &status, &ans);
        if (!rc && status >= 400) {
                fprintf(stderr, "vigil apply: %s %s refused\n", kind, name);
                client_print_problem("apply", status, ans);
                rc = EXIT_FAIL;
        } else if (!rc) {
                bool changed = json_is_true(json_object_get(ans, "changed"));
                printf("%s %s %s\n", status == 201 ? "created" : changed ? "updated" : "unchanged", kind, name);
                (*(status == 201 ? &t->created : changed ? &t->updated : &t->unchanged))++;
        }
        json_decref(ans);
        return rc;
}

int cmd_apply(struct cli *cli, int argc, char **argv)
{
        static const struct {
                const char *key, *plural, *kind;
        } order[] = { { "users", NULL, "user" },
                      { "teams", "teams", "team" },
                      { "schedules", "schedules", "schedule" },
                      { "escalation_policies", "escalation-policies", "escalation policy" },
                      { "services", "services", "service" } };
        char err[512];
        (void)cli;
        if (wants_help(argc, argv)) {
                fputs(usage, stdout);
                return EXIT_OK;
        }
        if (argc != 3 || strcmp(argv[1], "-f") != 0) {
                fputs(usage, stderr);
                return EXIT_USAGE;
        }
        json_t *file = load(argv[2], err, sizeof err);
        if (!file) {
                fprintf(stderr, "vigil apply: %s\n", err);
                return EXIT_USAGE;
        }
        const char *k;
        json_t *v;
        json_object_foreach(file, k, v)
        {
                bool known = false;
                for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
                        known |= strcmp(k, order[i].key) == 0;
                if (!known || !json_is_object(v)) {
                        fprintf(stderr, "vigil apply: %s: '%s' is not one of users, teams, schedules, "
                                        "escalation_policies, services (each a mapping of name to object)\n",
                                argv[2], k);
                        json_decref(file);
                        return EXIT_USAGE;
                }
        }
        struct client c;
        struct tally t = { 0 };
        int rc = client_open(&c, true);
        for (size_t i = 0; !rc && i < sizeof order / sizeof order[0]; i++) {
                const char *name;
                json_t *obj;
                json_object_foreach(json_object_get(file, order[i].key), name, obj)
                {
                        if (rc)
                                break;
                        if (!json_is_object(obj) || strlen(name) > 64 || strpbrk(name, "/?#%& ")) {
                                fprintf(stderr, "vigil apply: %s '%s': expected a mapping under a plain name\n",
                                        order[i].kind, name);
                                rc = EXIT_USAGE;
                                break;
                        }
                        rc = order[i].plural ? apply_doc(&c, order[i].plural, order[i].kind, name, obj, &t)
                                             : apply_user(&c, name, obj, &t);
                }
        }
        client_close(&c);
        json_decref(file);
        printf("%u created, %u updated, %u unchanged\n", t.created, t.updated, t.unchanged);
        return rc;
}
