/* Alertmanager silences: matchers as the v2 API writes them
 * ([{"name", "value", "isRegex", "isEqual"}]) and the set in force. */
#pragma once

#include "core/alert.h"
#include "store/store.h"

#include <jansson.h>

#define SILENCE_MATCHERS_MAX 32

/* Compile a matchers array; errors go to fe under "matchers[i]". On
 * success *n matchers are initialised (matcher_fini each). */
int silence_matchers_parse(json_t *arr, struct matcher *out, size_t *n, struct field_errors *fe);

struct silence_set {
        size_t n;
        struct active_silence {
                char id[40];
                struct matcher m[SILENCE_MATCHERS_MAX];
                size_t nm;
        } *s; /* owns */
};

/* The silences in force at now. */
int silence_set_load(struct store_tx *tx, vg_usec_t now, struct silence_set *ret);
/* The id of the first silence covering ls, or NULL. */
const char *silence_set_match(const struct silence_set *set, const struct labelset *ls);
void silence_set_fini(struct silence_set *set);
