#define _GNU_SOURCE
#include "base/templates.h"

#include "core/template.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEMPLATE_MAX (64 * 1024)

const char *const notice_template_fields[] = { "tenant",     "tenant_name", "incident",   "kind",
                                               "version",    "nature",      "user_impact", "mitigation",
                                               "next_steps", "next_update_at", NULL };

static const char *const kind_names[NOTICE_KIND__COUNT] = { "initial", "update", "final" };

/* What every notice must say (DESIGN.md 1.6); while the investigation is
 * open (initial, update) also what comes next and when. */
static const char *const required_final[] = { "tenant_name", "incident", "nature", "user_impact", "mitigation", NULL };
static const char *const required_open[] = { "tenant_name", "incident",   "nature",         "user_impact",
                                             "mitigation",  "next_steps", "next_update_at", NULL };
static const char *const required_subject[] = { "incident", NULL };

int notice_kind_index(const char *kind)
{
        for (int i = 0; i < NOTICE_KIND__COUNT; i++)
                if (kind && strcmp(kind, kind_names[i]) == 0)
                        return i;
        return -1;
}

static char *read_all(const char *path, char *err, size_t errlen)
{
        FILE *f = fopen(path, "r");
        if (!f) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return NULL;
        }
        char *text = malloc(TEMPLATE_MAX + 1);
        size_t n = text ? fread(text, 1, TEMPLATE_MAX + 1, f) : 0;
        bool bad = ferror(f);
        fclose(f);
        if (!text || bad || n > TEMPLATE_MAX) {
                snprintf(err, errlen, "%s: %s", path, !text ? "out of memory" : bad ? "cannot be read" : "larger than 64 KiB");
                free(text);
                return NULL;
        }
        text[n] = '\0';
        if (strlen(text) != n) {
                snprintf(err, errlen, "%s: contains a NUL byte", path);
                free(text);
                return NULL;
        }
        return text;
}

int notice_templates_load(const char *dir, struct notice_templates *t, char *err, size_t errlen)
{
        memset(t, 0, sizeof *t);
        t->dir = strdup(dir);
        if (!t->dir) {
                snprintf(err, errlen, "out of memory");
                return -1;
        }
        for (int k = 0; k < NOTICE_KIND__COUNT; k++) {
                char path[4096], why[256];
                snprintf(path, sizeof path, "%s/%s.txt", dir, kind_names[k]);
                char *text = read_all(path, err, errlen);
                if (!text)
                        goto fail;
                const char *nl = strchr(text, '\n');
                if (strncmp(text, "Subject: ", 9) != 0 || !nl || nl[1] != '\n') {
                        snprintf(err, errlen, "%s: line 1: start with 'Subject: ...' and a blank line", path);
                        free(text);
                        goto fail;
                }
                t->subject[k] = strndup(text + 9, (size_t)(nl - text - 9));
                t->body[k] = strdup(nl + 2);
                free(text);
                if (!t->subject[k] || !t->body[k]) {
                        snprintf(err, errlen, "out of memory");
                        goto fail;
                }
                if (template_check(t->subject[k], notice_template_fields, required_subject, why, sizeof why) < 0) {
                        snprintf(err, errlen, "%s: line 1: subject: %s", path, why + (strncmp(why, "line 1: ", 8) ? 0 : 8));
                        goto fail;
                }
                if (template_check(t->body[k], notice_template_fields,
                                   k == NOTICE_KIND_FINAL ? required_final : required_open, why, sizeof why) < 0) {
                        /* Body lines count from the file's third line. */
                        unsigned line;
                        const char *rest = why;
                        if (sscanf(why, "line %u: ", &line) == 1 && (rest = strchr(why, ':')))
                                snprintf(err, errlen, "%s: line %u%s", path, line + 2, rest);
                        else
                                snprintf(err, errlen, "%s: %s", path, why);
                        goto fail;
                }
        }
        return 0;
fail:
        notice_templates_fini(t);
        return -1;
}

void notice_templates_fini(struct notice_templates *t)
{
        free(t->dir);
        for (int k = 0; k < NOTICE_KIND__COUNT; k++) {
                free(t->subject[k]);
                free(t->body[k]);
        }
        memset(t, 0, sizeof *t);
}
