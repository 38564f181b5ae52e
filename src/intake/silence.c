#include "intake/silence.h"

#include "core/array.h"
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
        int r = 0;
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
                int e = matcher_init(&out[*n], name, value, op, fe, field);
                if (e == 0)
                        (*n)++;
                else if (e == -ENOMEM)
                        r = e; /* a silence short of a matcher would silence too much */
        }
        if (r == 0 && fielderr_any(fe))
                r = -VG_EVALIDATION;
        if (r < 0) {
                for (size_t k = 0; k < *n; k++)
                        matcher_fini(&out[k]);
                *n = 0;
        }
        return r;
}

static struct active_silence *active_silence_free(struct active_silence *a)
{
        if (!a)
                return NULL;
        for (size_t k = 0; k < a->nm; k++)
                matcher_fini(&a->m[k]);
        free(a->matchers);
        free(a);
        return NULL;
}

struct load_ctx {
        vg_usec_t now;
        struct silence_set *old; /* the previous load: entries taken from it become NULL */
        struct silence_set *set;
        size_t cap;
};

/* The previous load's compiled silence for row s, taken out of old, or
 * NULL when s is new or its matchers changed. The store lists silences
 * in a stable order, so the same position is tried first. */
static struct active_silence *take_compiled(struct load_ctx *c, const struct silence_row *s,
                                            const char *matchers)
{
        struct silence_set *old = c->old;
        size_t at = c->set->n;
        for (size_t k = 0; k < old->n; k++) {
                size_t i = (at + k) % old->n;
                struct active_silence *a = old->s[i];
                if (a && strcmp(a->id, s->id) == 0) {
                        if (strcmp(a->matchers, matchers) != 0)
                                return NULL;
                        old->s[i] = NULL;
                        return a;
                }
        }
        return NULL;
}

/* Silences in force at once. Each is compiled and checked against every
 * new alert, so far fewer are workable; the bound only keeps a runaway
 * script from taking all memory. */
#define SILENCES_ACTIVE_MAX (1u << 20)

static int load_one(const struct silence_row *s, void *userdata)
{
        struct load_ctx *c = userdata;
        const char *matchers = s->matchers ? s->matchers : "";
        if (s->starts_at > c->now || s->ends_at <= c->now)
                return 0;
        int r = array_reserve(c->set->s, c->cap, c->set->n + 1, SILENCES_ACTIVE_MAX);
        if (r < 0)
                return r;
        struct active_silence *a = take_compiled(c, s, matchers);
        if (!a) {
                struct field_errors fe;
                a = calloc(1, sizeof *a);
                if (!a || !(a->matchers = strdup(matchers))) {
                        free(a);
                        return -ENOMEM;
                }
                fielderr_init(&fe);
                json_t *arr = json_loads(matchers, 0, NULL);
                r = silence_matchers_parse(arr, a->m, &a->nm, &fe);
                json_decref(arr);
                if (r < 0) {
                        active_silence_free(a);
                        /* Stored matchers were valid when stored (a limit
                         * lowered since may refuse one): skip it. */
                        return r == -ENOMEM ? r : 0;
                }
                snprintf(a->id, sizeof a->id, "%s", s->id);
                c->set->compiled++;
        }
        c->set->s[c->set->n++] = a;
        return 0;
}

int silence_set_load(struct store_tx *tx, vg_usec_t now, struct silence_set *set)
{
        struct silence_set old = *set;
        struct load_ctx c = {.now = now, .old = &old, .set = set};
        set->n = 0;
        set->s = NULL;
        int r = store_silence_list(tx, load_one, &c);
        silence_set_fini(&old); /* what was not taken: expired, deleted or changed */
        if (r < 0)
                silence_set_fini(set);
        return r;
}

const char *silence_set_match(const struct silence_set *set, const struct labelset *ls)
{
        for (size_t i = 0; i < set->n; i++)
                if (matchers_match(set->s[i]->m, set->s[i]->nm, ls))
                        return set->s[i]->id;
        return NULL;
}

void silence_set_fini(struct silence_set *set)
{
        for (size_t i = 0; i < set->n; i++)
                active_silence_free(set->s[i]);
        free(set->s);
        set->s = NULL;
        set->n = 0;
}
