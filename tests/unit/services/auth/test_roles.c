/* test_roles.c - who may invite, change and remove whom (services/auth/roles.c). */
#include <criterion/criterion.h>

#include "services/auth/roles.h"

#define OWNER  SVC_ROLE_OWNER
#define ADMIN  SVC_ROLE_ADMIN
#define MEMBER SVC_ROLE_MEMBER

Test(roles, parse_and_name)
{
    cr_assert_eq(svc_role_parse("owner"), OWNER);
    cr_assert_eq(svc_role_parse("admin"), ADMIN);
    cr_assert_eq(svc_role_parse("member"), MEMBER);
    cr_assert_eq(svc_role_parse("Owner"), SVC_ROLE_NONE);
    cr_assert_eq(svc_role_parse("root"), SVC_ROLE_NONE);
    cr_assert_eq(svc_role_parse(NULL), SVC_ROLE_NONE);
    cr_assert_str_eq(svc_role_name(ADMIN), "admin");
    cr_assert_str_eq(svc_role_name(SVC_ROLE_NONE), "");
}

Test(roles, invite)
{
    const char *why = NULL;
    cr_assert_eq(auth_roles_can_invite(OWNER, OWNER, &why), ST_OK);
    cr_assert_eq(auth_roles_can_invite(ADMIN, ADMIN, &why), ST_OK);
    cr_assert_eq(auth_roles_can_invite(ADMIN, MEMBER, &why), ST_OK);
    cr_assert_eq(auth_roles_can_invite(ADMIN, OWNER, &why), ST_FORBIDDEN);
    cr_assert_str_eq(why, "role: only an owner can invite an owner");
    cr_assert_eq(auth_roles_can_invite(MEMBER, MEMBER, &why), ST_FORBIDDEN);
}

Test(roles, change)
{
    const char *why = NULL;
    cr_assert_eq(auth_roles_can_change(OWNER, false, MEMBER, ADMIN, 1, &why), ST_OK);
    cr_assert_eq(auth_roles_can_change(OWNER, false, MEMBER, OWNER, 1, &why), ST_OK);
    cr_assert_eq(auth_roles_can_change(OWNER, false, OWNER, ADMIN, 2, &why), ST_OK);
    cr_assert_eq(auth_roles_can_change(ADMIN, false, MEMBER, ADMIN, 1, &why), ST_OK);
    cr_assert_eq(auth_roles_can_change(ADMIN, false, ADMIN, MEMBER, 1, &why), ST_OK);
    cr_assert_eq(auth_roles_can_change(ADMIN, true, ADMIN, MEMBER, 1, &why), ST_OK);
    cr_assert_eq(auth_roles_can_change(MEMBER, true, MEMBER, ADMIN, 1, &why), ST_FORBIDDEN);
    cr_assert_eq(auth_roles_can_change(ADMIN, false, OWNER, MEMBER, 2, &why), ST_FORBIDDEN);
    cr_assert_eq(auth_roles_can_change(ADMIN, false, MEMBER, OWNER, 1, &why), ST_FORBIDDEN);
    cr_assert_str_eq(why, "role: only an owner can make someone an owner");
}

Test(roles, last_owner_stays)
{
    const char *why = NULL;
    cr_assert_eq(auth_roles_can_change(OWNER, true, OWNER, ADMIN, 1, &why), ST_CONFLICT);
    cr_assert_str_eq(why, "role: the organization must keep at least one owner");
    cr_assert_eq(auth_roles_can_change(OWNER, true, OWNER, ADMIN, 2, &why), ST_OK);
    cr_assert_eq(auth_roles_can_change(OWNER, true, OWNER, OWNER, 1, &why), ST_OK); /* no-op */
    cr_assert_eq(auth_roles_can_remove(OWNER, true, OWNER, 1, &why), ST_CONFLICT);
    cr_assert_eq(auth_roles_can_remove(OWNER, true, OWNER, 2, &why), ST_OK);
}

Test(roles, remove)
{
    const char *why = NULL;
    cr_assert_eq(auth_roles_can_remove(OWNER, false, ADMIN, 1, &why), ST_OK);
    cr_assert_eq(auth_roles_can_remove(OWNER, false, OWNER, 2, &why), ST_OK);
    cr_assert_eq(auth_roles_can_remove(ADMIN, false, MEMBER, 1, &why), ST_OK);
    cr_assert_eq(auth_roles_can_remove(ADMIN, false, ADMIN, 1, &why), ST_OK);
    cr_assert_eq(auth_roles_can_remove(ADMIN, false, OWNER, 2, &why), ST_FORBIDDEN);
    cr_assert_eq(auth_roles_can_remove(MEMBER, false, MEMBER, 1, &why), ST_FORBIDDEN);
    cr_assert_eq(auth_roles_can_remove(MEMBER, true, MEMBER, 1, &why), ST_OK); /* leaving */
    cr_assert_eq(auth_roles_can_remove(ADMIN, true, ADMIN, 1, &why), ST_OK);
}

Test(roles, managers)
{
    cr_assert(auth_role_is_manager(OWNER));
    cr_assert(auth_role_is_manager(ADMIN));
    cr_assert_not(auth_role_is_manager(MEMBER));
    cr_assert_not(auth_role_is_manager(SVC_ROLE_NONE));
}
