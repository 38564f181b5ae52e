/* Roles, as DESIGN.md §6 names them. A route admits a set of roles, kept as
 * a bit mask (1u << role). */
#pragma once

#include <stdbool.h>

enum role {
        ROLE_RESPONDER,
        ROLE_INCIDENT_MANAGER,
        ROLE_EXECUTIVE_INCIDENT_MANAGER,
        ROLE_COMMUNICATIONS,
        ROLE_AUDITOR,
        ROLE_ADMIN,
        ROLE_TENANT_ADMIN,
        ROLE__COUNT,
        ROLE__INVALID = -1,
};

typedef unsigned role_mask_t;

#define ROLE_BIT(r) ((role_mask_t)1u << (r))
#define ROLES_ALL ((role_mask_t)((1u << ROLE__COUNT) - 1))
/* Everyone employed by the provider: all roles but tenant_admin. */
#define ROLES_STAFF (ROLES_ALL & ~ROLE_BIT(ROLE_TENANT_ADMIN))

/* "incident_manager" -> ROLE_INCIDENT_MANAGER; ROLE__INVALID if unknown. */
enum role role_from_string(const char *s);
/* The role's name; NULL for an out-of-range value. */
const char *role_to_string(enum role r);
bool role_in(enum role r, role_mask_t mask);

/* May role r learn that object ("incident:INC-1", "user:3": an audit
 * record's object) changed? The change stream tells each console only of
 * changes to what its role can read: staff see the response's objects
 * (incidents, tenants, the organisation, on-call, silences, advisories,
 * preparation); accounts, tokens, keys and feeds only admins and auditors;
 * a tenant administrator nothing (its portal does not stream). */
bool role_sees_change(enum role r, const char *object);
