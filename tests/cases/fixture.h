/* What the use-case tests share: a throw-away SQLite store in a temporary
 * directory holding one incident, figures read from the committed file
 * beside the store, users, and the door's transaction around a use case.
 * Every helper fails the test (cmocka) rather than return an error. */
#pragma once

#include "cases/cases.h"

#include <stdint.h>

#define FX_T0 INT64_C(1780000000000000) /* 2026-05-28 */
#define FX_S  VG_USEC_PER_SEC

struct case_fixture {
        char dir[64];
        char path[96];
        struct store *s;
        char key[INCIDENT_KEY_MAX]; /* the incident, opened at FX_T0 in analysis */
};

/* A new store under /tmp (name names the directory) with one incident,
 * opened by case_incident_open as "test" at FX_T0; NULL on failure (for a
 * cmocka setup to return -1). */
struct case_fixture *case_fixture_new(const char *name);
/* Close the store and remove the directory. */
int case_fixture_free(struct case_fixture *f);

/* One number from the committed database (the first column of the first
 * row of sql, -1 when there is none), read with its own connection. */
long long fx_count(struct case_fixture *f, const char *sql);

/* Figures a refusal must leave as they were. */
#define FX_SNAP_MAX 12
struct fx_snapshot {
        long long n[FX_SNAP_MAX];
};
/* Each of sql (up to FX_SNAP_MAX, NULL-terminated) into s. */
void fx_snap(struct case_fixture *f, const char *const *sql, struct fx_snapshot *s);
/* The figures of sql are those of before. */
void fx_assert_unchanged(struct case_fixture *f, const char *const *sql, const struct fx_snapshot *before);

/* Add a user (enabled unless disabled) with role; its id. */
int64_t fx_user(struct case_fixture *f, const char *name, enum role role, bool disabled);
/* Add tenant's administrator name; its id. */
int64_t fx_tenant_admin(struct case_fixture *f, const char *name, const char *tenant);

/* The incident read from the committed store (incident_fini it). */
void fx_incident(struct case_fixture *f, struct incident *inc);

/* Close the incident (classified false_positive, closed from analysis with
 * a justification) at now. */
void fx_close(struct case_fixture *f, vg_usec_t now);

/* The actor a test runs a use case as. */
struct actor fx_actor(const char *name);
