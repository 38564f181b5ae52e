/* Notice templates: the engine (values, sections, malformed text) and the
 * loader (the shipped etc/notices render a notice that states every
 * required field; a template that leaves one out, names an unknown field or
 * leaves a section open is refused with its file and line). */
#include "base/templates.h"
#include "core/template.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static const char *kv(const char *name, void *userdata)
{
        const char *const *pairs = userdata;
        for (; pairs[0]; pairs += 2)
                if (strcmp(pairs[0], name) == 0)
                        return pairs[1];
        return NULL;
}

static void renders_values_and_sections(void **state)
{
        (void)state;
        const char *vals[] = { "a", "1 & <2>", "empty", "", "b", "B", NULL };
        char *out = template_render("x={{a}};{{#a}}has a{{/a}}{{#empty}}never{{/empty}}{{^empty}}none{{/empty}}"
                                    "{{#a}}[{{#b}}{{b}}{{/b}}{{#empty}}no{{/empty}}]{{/a}} {single { brace }",
                                    kv, vals);
        assert_non_null(out);
        assert_string_equal(out, "x=1 & <2>;has anone[B] {single { brace }");
        free(out);
        /* A value is inserted as it is, never read as a tag. */
        const char *tricky[] = { "a", "{{b}}", "b", "no", NULL };
        out = template_render("{{a}}", kv, tricky);
        assert_string_equal(out, "{{b}}");
        free(out);
        /* Unknown names and bad nesting give nothing rather than half a text. */
        assert_null(template_render("{{zzz}}", kv, vals));
        assert_null(template_render("{{#a}}open", kv, vals));
        assert_null(template_render("{{#a}}{{/b}}", kv, vals));
        assert_null(template_render("{{a", kv, vals));
}

static void check_names_the_line(void **state)
{
        (void)state;
        const char *known[] = { "a", "b", "c", NULL }, *required[] = { "a", "b", NULL };
        char err[200];
        assert_int_equal(template_check("{{a}}\n{{#c}}{{b}}{{/c}}", known, required, err, sizeof err), 0);
        assert_int_equal(template_check("{{a}}\n\n{{d}}", known, required, err, sizeof err), -1);
        assert_string_equal(err, "line 3: 'd' is not a field of a notice");
        assert_int_equal(template_check("{{a}}\n{{#b}}", known, required, err, sizeof err), -1);
        assert_string_equal(err, "line 2: section 'b' is not closed");
        assert_int_equal(template_check("{{a}}{{/b}}", known, required, err, sizeof err), -1);
        assert_string_equal(err, "line 1: {{/b}} closes no open section");
        assert_int_equal(template_check("{{a}}\n{{ b }}", known, required, err, sizeof err), -1);
        assert_string_equal(err, "line 2: a tag is {{name}}, {{#name}}, {{^name}} or {{/name}}");
        /* Required means stated: inside {{^b}} it would show only when empty. */
        assert_int_equal(template_check("{{a}}{{^c}}{{b}}{{/c}}", known, required, err, sizeof err), -1);
        assert_string_equal(err, "the notice must state {{b}}");
}

static const char *fields(const char *name, void *userdata)
{
        (void)userdata;
        static const char *const vals[][2] = {
                { "tenant", "acme" },
                { "tenant_name", "Acme Corp." },
                { "incident", "INC-2026-0042" },
                { "kind", "initial" },
                { "version", "1" },
                { "nature", "NATURE-TEXT" },
                { "user_impact", "IMPACT-TEXT" },
                { "mitigation", "MITIGATION-TEXT" },
                { "next_steps", "NEXT-TEXT" },
                { "next_update_at", "2026-11-25T12:00:00Z" },
        };
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
                if (strcmp(vals[i][0], name) == 0)
                        return vals[i][1];
        return NULL;
}

static void shipped_templates_state_everything(void **state)
{
        (void)state;
        char dir[512], err[512];
        struct notice_templates t;
        snprintf(dir, sizeof dir, "%s/etc/notices", getenv("VIGIL_SOURCE_ROOT"));
        if (notice_templates_load(dir, &t, err, sizeof err) < 0)
                fail_msg("%s", err);
        for (int k = 0; k < NOTICE_KIND__COUNT; k++) {
                char *subject = template_render(t.subject[k], fields, NULL);
                char *body = template_render(t.body[k], fields, NULL);
                assert_non_null(subject);
                assert_non_null(body);
                assert_non_null(strstr(subject, "INC-2026-0042"));
                const char *must[] = { "Acme Corp.", "NATURE-TEXT", "IMPACT-TEXT", "MITIGATION-TEXT", "INC-2026-0042" };
                for (size_t i = 0; i < 5; i++)
                        if (!strstr(body, must[i]))
                                fail_msg("kind %d: '%s' missing from\n%s", k, must[i], body);
                if (k != NOTICE_KIND_FINAL) {
                        assert_non_null(strstr(body, "NEXT-TEXT"));
                        assert_non_null(strstr(body, "Next update by: 2026-11-25T12:00:00Z"));
                }
                free(subject);
                free(body);
        }
        notice_templates_fini(&t);
        assert_int_equal(notice_kind_index("update"), NOTICE_KIND_UPDATE);
        assert_int_equal(notice_kind_index("draft"), -1);
}

static void write_file(const char *dir, const char *name, const char *text)
{
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void bad_templates_are_refused(void **state)
{
        (void)state;
        char dir[] = "/tmp/vigil-templates-XXXXXX", err[512], expect[600];
        struct notice_templates t;
        assert_non_null(mkdtemp(dir));
        const char *good = "Subject: {{incident}}\n\n{{tenant_name}} {{incident}} {{nature}} {{user_impact}} "
                           "{{mitigation}} {{next_steps}} {{next_update_at}}\n";
        write_file(dir, "initial.txt", good);
        write_file(dir, "update.txt", good);
        write_file(dir, "final.txt", good);
        assert_int_equal(notice_templates_load(dir, &t, err, sizeof err), 0);
        notice_templates_fini(&t);

        struct {
                const char *file, *text, *why;
        } cases[] = {
                { "update.txt", "Subject: {{incident}}\n\n{{tenant_name}} {{incident}} {{nature}}\n{{mitigation}}\n",
                  "the notice must state {{user_impact}}" },
                { "initial.txt", "{{incident}}\n\n{{nature}}\n", "line 1: start with 'Subject: ...' and a blank line" },
                { "final.txt", "Subject: {{incident}}\n\nDear {{customer}}\n", "line 3: 'customer' is not a field of a notice" },
                { "final.txt", "Subject: {{tenant_name}}\n\n{{tenant_name}} {{incident}} {{nature}} {{user_impact}} "
                               "{{mitigation}}",
                  "line 1: subject: the notice must state {{incident}}" },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                write_file(dir, cases[i].file, cases[i].text);
                assert_int_equal(notice_templates_load(dir, &t, err, sizeof err), -1);
                snprintf(expect, sizeof expect, "%s/%s: %s", dir, cases[i].file, cases[i].why);
                assert_string_equal(err, expect);
                write_file(dir, cases[i].file, good);
        }
        char path[300];
        snprintf(path, sizeof path, "%s/final.txt", dir);
        unlink(path);
        assert_int_equal(notice_templates_load(dir, &t, err, sizeof err), -1);
        snprintf(expect, sizeof expect, "%s: No such file or directory", path);
        assert_string_equal(err, expect);
        const char *names[] = { "initial.txt", "update.txt" };
        for (size_t i = 0; i < 2; i++) {
                snprintf(path, sizeof path, "%s/%s", dir, names[i]);
                unlink(path);
        }
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(renders_values_and_sections),
                cmocka_unit_test(check_names_the_line),
                cmocka_unit_test(shipped_templates_state_everything),
                cmocka_unit_test(bad_templates_are_refused),
        };
        return cmocka_run_group_tests_name("templates", tests, NULL, NULL);
}
