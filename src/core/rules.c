#include "core/rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rule_set_fini(struct rule_set *s)
{
        for (size_t i = 0; i < s->n; i++) {
                struct rule *r = &s->rules[i];
                free(r->regulation);
                free(r->citation);
                free(r->recipient);
                for (size_t k = 0; k < r->n_contents; k++)
                        free(r->contents[k]);
                free(r->contents);
        }
        free(s->rules);
        for (size_t i = 0; i < s->n_cals; i++) {
                free((char *)s->cals[i].name);
                free((int64_t *)s->cals[i].days);
        }
        free(s->cals);
        free(s->groups);
        memset(s, 0, sizeof *s);
}

int rule_find(const struct rule_set *s, const char *id)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->rules[i].id, id) == 0)
                        return (int)i;
        return -1;
}

static bool covers(const struct rule_set *s, const char *rule_code, const char *code, int depth)
{
        size_t n = strlen(rule_code);
        if (strcmp(rule_code, code) == 0 || (strncmp(rule_code, code, n) == 0 && code[n] == '-'))
                return true;
        if (depth > 4)
                return false;
        for (size_t g = 0; g < s->n_groups; g++)
                if (strcmp(s->groups[g].name, rule_code) == 0)
                        for (size_t i = 0; i < s->groups[g].n; i++)
                                if (covers(s, s->groups[g].codes[i], code, depth + 1))
                                        return true;
        return false;
}

bool rule_jurisdiction_covers(const struct rule_set *s, const char *rule_code, const char *code)
{
        return covers(s, rule_code, code, 0);
}

bool rule_applies(const struct rule_set *s, const struct rule *r, const struct party_facts *p,
                  const struct obligation_facts *inc)
{
        if (r->data && !(r->data & inc->hit))
                return false;
        if (r->n_jur) {
                bool any = false;
                for (size_t i = 0; i < r->n_jur && !any; i++)
                        for (size_t k = 0; k < p->n_jur && !any; k++)
                                any = covers(s, r->jur[i], p->jur[k], 0);
                if (!any)
                        return false;
        }
        if (r->n_sectors) {
                bool any = false;
                for (size_t i = 0; i < r->n_sectors && !any; i++)
                        for (size_t k = 0; k < p->n_sectors && !any; k++)
                                any = strcmp(r->sectors[i], p->sectors[k]) == 0;
                if (!any)
                        return false;
        }
        return true;
}

int rule_due(const struct rule_set *s, const struct rule *r, const struct party_facts *p,
             const struct obligation_facts *inc, vg_usec_t after_sent, vg_usec_t *anchor_at, vg_usec_t *due)
{
        vg_usec_t from;
        if (r->after >= 0) {
                from = after_sent;
        } else if (r->anchor >= 0 && r->anchor < ANCHOR__COUNT) {
                from = inc->anchors[r->anchor];
                if (!from && r->anchor == ANCHOR_AWARE)
                        from = inc->anchors[ANCHOR_FIRST_DETECTED];
        } else {
                return -EINVAL;
        }
        if (!from)
                return 1;
        struct deadline_rule d = r->deadline;
        if (r->contract) {
                d.unit = DEADLINE_HOURS;
                d.value = p && p->notification_hours > 0 ? p->notification_hours : 72;
        }
        const struct holiday_calendar *h = r->holidays >= 0 && (size_t)r->holidays < s->n_cals ? &s->cals[r->holidays]
                                                                                                : NULL;
        *anchor_at = from;
        return deadline_due(&d, from, r->zone ? r->zone : &vg_zone_utc, h, due);
}
