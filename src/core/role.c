#include "core/role.h"

#include <string.h>

static const char *const role_names[ROLE__COUNT] = {
        [ROLE_RESPONDER] = "responder",
        [ROLE_INCIDENT_MANAGER] = "incident_manager",
        [ROLE_EXECUTIVE_INCIDENT_MANAGER] = "executive_incident_manager",
        [ROLE_COMMUNICATIONS] = "communications",
        [ROLE_AUDITOR] = "auditor",
        [ROLE_ADMIN] = "admin",
        [ROLE_TENANT_ADMIN] = "tenant_admin",
};

enum role role_from_string(const char *s)
{
        if (!s)
                return ROLE__INVALID;
        for (int i = 0; i < ROLE__COUNT; i++)
                if (strcmp(s, role_names[i]) == 0)
                        return (enum role)i;
        return ROLE__INVALID;
}

const char *role_to_string(enum role r)
{
        if ((int)r < 0 || r >= ROLE__COUNT)
                return NULL;
        return role_names[r];
}

bool role_in(enum role r, role_mask_t mask)
{
        return (int)r >= 0 && r < ROLE__COUNT && (mask & ROLE_BIT(r));
}

bool role_sees_change(enum role r, const char *object)
{
        static const char *const staff_kinds[] = {
                "incident", "tenant",  "tenants",  "service",  "team",     "schedule",
                "escalation_policy", "silence", "advisory", "override", "plan", "training",
        };
        if (!role_in(r, ROLES_STAFF) || !object)
                return false;
        if (r == ROLE_ADMIN || r == ROLE_AUDITOR)
                return true;
        const char *colon = strchr(object, ':');
        size_t n = colon ? (size_t)(colon - object) : strlen(object);
        for (size_t i = 0; i < sizeof staff_kinds / sizeof staff_kinds[0]; i++)
                if (strlen(staff_kinds[i]) == n && memcmp(staff_kinds[i], object, n) == 0)
                        return true;
        return false;
}
