/* Alertmanager silences: matchers as the v2 API writes them
 * ([{"name", "value", "isRegex", "isEqual"}]) and the set in force. */
#pragma once

#include "core/alert.h"
#include "store/store.h"

#include <jansson.h>

#define SILENCE_MATCHERS_MAX 32

/* Compile a matchers array; errors go to fe under "matchers[i]"
 * (-VG_EVALIDATION), or -ENOMEM. On success *n matchers are initialised
 * (matcher_fini each); on failure none are. */
int silence_matchers_parse(json_t *arr, struct matcher *out, size_t *n, struct field_errors *fe);

struct active_silence {
        char id[40];
        char *matchers; /* owns: the stored JSON they were compiled from */
        struct matcher m[SILENCE_MATCHERS_MAX];
        size_t nm;
};

/* The silences in force, their matchers compiled. A set is loaded again
 * for every intake transaction; a silence whose stored matchers did not
 * change since the last load keeps its compiled ones, so a silence is
 * compiled once when it is created or changed, not for every batch. */
struct silence_set {
        size_t n;
        struct active_silence **s; /* owns: n of them */
        unsigned long
                compiled; /* silences compiled by the loads of this set (the others were reused) */
};

/* The silences in force at now, into set: a zeroed set, or one loaded
 * before, whose unchanged silences are reused (and the others freed).
 * On failure set is empty (still to be freed with silence_set_fini). */
int silence_set_load(struct store_tx *tx, vg_usec_t now, struct silence_set *set);
/* The id of the first silence covering ls, or NULL. */
const char *silence_set_match(const struct silence_set *set, const struct labelset *ls);
void silence_set_fini(struct silence_set *set);
