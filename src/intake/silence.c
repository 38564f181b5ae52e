#include "intake/silence.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int silence_matchers_parse(json_t *arr, struct matcher *out, size_t *n, struct field_errors *fe)
{
        size_t i;
        json_t *m;
        char field[32];
        *n = 0;
        if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > SILENCE_MATCHERS_MAX) {
                fielderr_add(fe, "matchers", "must be an array of 1 to %d matchers", SILENCE_MATCHERS_MAX);
                return -VG_EVALIDATION;
        }
        json_array_foreach(arr, i, m) {
                snprintf(field, sizeof field, "matchers[%zu]", i);
                const char *name = json_string_value(json_object_get(m, "name"));
                const char *value = json_string_value(json_object_get(m, "value"));
                json_t *re = json_object_get(m, "isRegex"), *eq = json_object_get(m, "isEqual");
                if (!json_is_object(m) || !name || !value || !json_is_boolean(re) || (eq && !json_is_boolean(eq))) {
                        fielderr_add(fe, field, "needs name, value (strings) and isRegex (boolean); isEqual is a boolean");
                        continue;
                }
                bool equal = !eq || json_is_true(eq);
                enum match_op op = json_is_true(re) ? (equal ? MATCH_RE : MATCH_NRE) : (equal ? MATCH_EQ : MATCH_NE);
                if (matcher_init(&out[*n], name, value, op, fe, field) == 0)
                        (*n)++;
        }
        if (fielderr_any(fe)) {
                for (size_t k = 0; k < *n; k++)
                        matcher_fini(&out[k]);
                *n = 0;
                return -VG_EVALIDATION;
        }
        return 0;
}

struct load_ctx {
        vg_usec_t now;
        struct silence_set *set;
        size_t cap;
};

static int load_one(const struct silence_row *s, void *userdata)
{
        struct load_ctx *c = userdata;
        if (s->starts_at > c->now || s->ends_at <= c->now)
                return 0;
        if (c->set->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 8;
                void *p = realloc(c->set->s, cap * sizeof *c->set->s);
                if (!p)
                        return -ENOMEM;
                c->set->s = p;
                c->cap = cap;
        }
        struct active_silence *a = &c->set->s[c->set->n];
        struct field_errors fe;
        fielderr_init(&fe);
        json_t *arr = json_loads(s->matchers, 0, NULL);
        int r = silence_matchers_parse(arr, a->m, &a->nm, &fe);
        json_decref(arr);
        if (r < 0)
                return 0; /* stored matchers were valid when stored; skip a bad one */
        snprintf(a->id, sizeof a->id, "%s", s->id);
        c->set->n++;
        return 0;
}

int silence_set_load(struct store_tx *tx, vg_usec_t now, struct silence_set *ret)
{
        struct load_ctx c = { .now = now, .set = ret };
        memset(ret, 0, sizeof *ret);
        int r = store_silence_list(tx, load_one, &c);
        if (r < 0)
                silence_set_fini(ret);
        return r;
}

const char *silence_set_match(const struct silence_set *set, const struct labelset *ls)
{
        for (size_t i = 0; i < set->n; i++)
                if (matchers_match(set->s[i].m, set->s[i].nm, ls))
                        return set->s[i].id;
        return NULL;
}

void silence_set_fini(struct silence_set *set)
{
        for (size_t i = 0; i < set->n; i++)
                for (size_t k = 0; k < set->s[i].nm; k++)
                        matcher_fini(&set->s[i].m[k]);
        free(set->s);
        set->s = NULL;
        set->n = 0;
}
