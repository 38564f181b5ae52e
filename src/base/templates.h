/* The customer notice templates: one file per kind of notice in a
 * directory (initial.txt, update.txt, final.txt), each "Subject: ..." on
 * its first line, a blank line, then the body. Checked when loaded: only
 * fields of a notice, and every required field stated. */
#pragma once

#include <stddef.h>

enum { NOTICE_KIND_INITIAL, NOTICE_KIND_UPDATE, NOTICE_KIND_FINAL, NOTICE_KIND__COUNT };

struct notice_templates {
        char *dir;                          /* owns */
        char *subject[NOTICE_KIND__COUNT];  /* owns */
        char *body[NOTICE_KIND__COUNT];     /* owns */
};

/* The names a template may use. */
extern const char *const notice_template_fields[];

/* Load and check dir. On error returns -1 with "FILE: line N: what" in err. */
int notice_templates_load(const char *dir, struct notice_templates *t, char *err, size_t errlen);
void notice_templates_fini(struct notice_templates *t);
/* NOTICE_KIND_* of "initial", "update" or "final"; -1 for others. */
int notice_kind_index(const char *kind);
