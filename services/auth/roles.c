/* roles.c - the role rules of an organisation (see roles.h). */
#include "roles.h"

#include <string.h>

bool auth_role_is_manager(svc_role_t role)
{
    return role == SVC_ROLE_ADMIN || role == SVC_ROLE_OWNER;
}

status_t auth_roles_can_invite(svc_role_t actor, svc_role_t role, const char **why)
{
    if (!auth_role_is_manager(actor)) {
        *why = "only owners and admins can invite members";
        return ST_FORBIDDEN;
    }
    if (role == SVC_ROLE_OWNER && actor != SVC_ROLE_OWNER) {
        *why = "role: only an owner can invite an owner";
        return ST_FORBIDDEN;
    }
    return ST_OK;
}

status_t auth_roles_can_change(svc_role_t actor, bool self, svc_role_t target, svc_role_t new_role,
                               long owners, const char **why)
{
    (void)self; /* changing one's own role follows the same rules */
    if (!auth_role_is_manager(actor)) {
        *why = "only owners and admins can change roles";
        return ST_FORBIDDEN;
    }
    if (actor != SVC_ROLE_OWNER && target == SVC_ROLE_OWNER) {
        *why = "only an owner can change an owner's role";
        return ST_FORBIDDEN;
    }
    if (actor != SVC_ROLE_OWNER && new_role == SVC_ROLE_OWNER) {
        *why = "role: only an owner can make someone an owner";
        return ST_FORBIDDEN;
    }
    if (target == SVC_ROLE_OWNER && new_role != SVC_ROLE_OWNER && owners <= 1) {
        *why = "role: the organization must keep at least one owner";
        return ST_CONFLICT;
    }
    return ST_OK;
}

status_t auth_roles_can_remove(svc_role_t actor, bool self, svc_role_t target, long owners,
                               const char **why)
{
    if (!self && !auth_role_is_manager(actor)) {
        *why = "only owners and admins can remove members";
        return ST_FORBIDDEN;
    }
    if (!self && actor != SVC_ROLE_OWNER && target == SVC_ROLE_OWNER) {
        *why = "only an owner can remove an owner";
        return ST_FORBIDDEN;
    }
    if (target == SVC_ROLE_OWNER && owners <= 1) {
        *why = "the organization must keep at least one owner";
        return ST_CONFLICT;
    }
    return ST_OK;
}
