/* roles.c - the role rules of an organisation (see roles.h). */
#include "roles.h"

#include <string.h>

static const char *const names[] = {"", "member", "admin", "owner"};

auth_role_t auth_role_parse(const char *s)
{
    for (int r = AUTH_ROLE_MEMBER; s && r <= AUTH_ROLE_OWNER; r++)
        if (strcmp(s, names[r]) == 0)
            return (auth_role_t)r;
    return AUTH_ROLE_NONE;
}

const char *auth_role_name(auth_role_t role)
{
    return (unsigned)role <= AUTH_ROLE_OWNER ? names[role] : "";
}

bool auth_role_is_manager(auth_role_t role)
{
    return role == AUTH_ROLE_ADMIN || role == AUTH_ROLE_OWNER;
}

status_t auth_roles_can_invite(auth_role_t actor, auth_role_t role, const char **why)
{
    if (!auth_role_is_manager(actor)) {
        *why = "only owners and admins can invite members";
        return ST_FORBIDDEN;
    }
    if (role == AUTH_ROLE_OWNER && actor != AUTH_ROLE_OWNER) {
        *why = "role: only an owner can invite an owner";
        return ST_FORBIDDEN;
    }
    return ST_OK;
}

status_t auth_roles_can_change(auth_role_t actor, bool self, auth_role_t target,
                               auth_role_t new_role, long owners, const char **why)
{
    (void)self; /* changing one's own role follows the same rules */
    if (!auth_role_is_manager(actor)) {
        *why = "only owners and admins can change roles";
        return ST_FORBIDDEN;
    }
    if (actor != AUTH_ROLE_OWNER && target == AUTH_ROLE_OWNER) {
        *why = "only an owner can change an owner's role";
        return ST_FORBIDDEN;
    }
    if (actor != AUTH_ROLE_OWNER && new_role == AUTH_ROLE_OWNER) {
        *why = "role: only an owner can make someone an owner";
        return ST_FORBIDDEN;
    }
    if (target == AUTH_ROLE_OWNER && new_role != AUTH_ROLE_OWNER && owners <= 1) {
        *why = "role: the organization must keep at least one owner";
        return ST_CONFLICT;
    }
    return ST_OK;
}

status_t auth_roles_can_remove(auth_role_t actor, bool self, auth_role_t target, long owners,
                               const char **why)
{
    if (!self && !auth_role_is_manager(actor)) {
        *why = "only owners and admins can remove members";
        return ST_FORBIDDEN;
    }
    if (!self && actor != AUTH_ROLE_OWNER && target == AUTH_ROLE_OWNER) {
        *why = "only an owner can remove an owner";
        return ST_FORBIDDEN;
    }
    if (target == AUTH_ROLE_OWNER && owners <= 1) {
        *why = "the organization must keep at least one owner";
        return ST_CONFLICT;
    }
    return ST_OK;
}
