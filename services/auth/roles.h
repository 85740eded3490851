/* roles.h - who may do what to whom inside an organisation. Pure: no I/O.
 *
 * Roles, strongest first: owner > admin > member.
 *   - Any member lists members, manages their own API keys, leaves the organisation (removes
 *     themselves) unless they are its last owner.
 *   - Owners and admins invite, change roles, remove members, see and revoke every API key and
 *     pending invitation of the organisation.
 *   - Admins cannot touch owners (change their role or remove them) and cannot make anyone an
 *     owner, by invitation or by role change. Owners can do everything, including to other
 *     owners and to themselves.
 *   - The last owner can be neither demoted nor removed (ST_CONFLICT), so an organisation is
 *     never left without one.
 * The checks run inside the transaction that applies the change, on roles read from the
 * database under a lock of the organisation's row, not on the (cached) Role header.
 */
#ifndef AUTH_ROLES_H
#define AUTH_ROLES_H

#include <stdbool.h>

#include "shared/status.h"
#include "shared/svc.h"

/* The roles are the kit's one vocabulary (shared/svc.h: svc_role_t, svc_role_parse,
 * svc_role_name). */
/* True for owners and admins: they manage members, invitations and everyone's API keys. */
bool auth_role_is_manager(svc_role_t role);

/* The decisions return ST_OK, or ST_FORBIDDEN / ST_CONFLICT with the reason in *why (a static
 * string naming the field when there is one). `owners` counts the organisation's owners. */
status_t auth_roles_can_invite(svc_role_t actor, svc_role_t role, const char **why);
status_t auth_roles_can_change(svc_role_t actor, bool self, svc_role_t target, svc_role_t new_role,
                               long owners, const char **why);
status_t auth_roles_can_remove(svc_role_t actor, bool self, svc_role_t target, long owners,
                               const char **why);

#endif
