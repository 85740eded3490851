/* handlers_members.c - the caller's organisation and its members: list_members, update_member,
 * remove_member, update_org (rename). Who may do what is in roles.h; the decision is taken by the
 * store on roles read under a lock, so the Role header (cached by the edge) is never what
 * authorises a change.
 */
#include <stdlib.h>

#include "auth.h"
#include "roles.h"
#include "shared/text.h"

/* svc.auth.list_members: everyone in the caller's organisation (any member may look). */
status_t auth_handle_list_members(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__MemberList *list = NULL;
    const char *org = auth_req_org(req);
    status_t st;

    if (!org) {
        st = svc_fail(req, ST_UNAUTHORIZED, SVC_UNAUTHORIZED_TEXT);
        goto done;
    }
    st = auth_store_list_members(svc->db, org, &list);
done:
    bus_reply(req, st, st == ST_OK ? &list->base : NULL);
    svc_msg_free(list);
    return st;
}

/* svc.auth.update_member: gives a member another role. Their cached credentials are dropped so
 * the new role applies at once. */
status_t auth_handle_update_member(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__UpdateMemberRequest *in = NULL;
    Auth__Member *member = NULL;
    const char *org = auth_req_org(req), *user = auth_req_user(req), *why = NULL;
    char target[37];
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if ((st = auth_signed_in(req, org, user)))
        goto done;
    if (!svc_uuid_parse(in->user_id, target)) {
        st = svc_fail(req, ST_INVALID, "user_id: must be a UUID");
        goto done;
    }
    if (svc_role_parse(in->role) == SVC_ROLE_NONE) {
        st = svc_fail(req, ST_INVALID, "role: must be one of owner, admin, member");
        goto done;
    }
    st = auth_store_update_member(svc->db, org, user, target, in->role, &member, &why);
    if (st && why)
        st = svc_fail(req, st, "%s", why);
    if (st)
        goto done;
    auth_revoke(svc, "user", target);
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s set the role of user %s to %s", user, target, in->role);
done:
    bus_reply(req, st, st == ST_OK ? &member->base : NULL);
    svc_msg_free(member);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.auth.remove_member: takes a member out of the organisation (or the caller leaves it);
 * their sessions and API keys in it go too. */
status_t auth_handle_remove_member(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__RemoveMemberRequest *in = NULL;
    const char *org = auth_req_org(req), *user = auth_req_user(req), *why = NULL;
    char target[37];
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if ((st = auth_signed_in(req, org, user)))
        goto done;
    if (!svc_uuid_parse(in->user_id, target)) {
        st = svc_fail(req, ST_INVALID, "user_id: must be a UUID");
        goto done;
    }
    st = auth_store_remove_member(svc->db, org, user, target, &why);
    if (st && why)
        st = svc_fail(req, st, "%s", why);
    if (st)
        goto done;
    auth_revoke(svc, "user", target);
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s removed user %s from the organization", user, target);
done:
    bus_reply(req, st, NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.auth.update_org: an owner or admin renames the organisation. Every member's cached `me`
 * answer is dropped on every replica ("org:<id>"). */
status_t auth_handle_update_org(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__UpdateOrgRequest *in = NULL;
    Auth__Organization *out = NULL;
    const char *org = auth_req_org(req), *user = auth_req_user(req), *why = NULL;
    char *name = NULL, reason[TEXT_WHY_SIZE];
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if ((st = auth_signed_in(req, org, user)))
        goto done;
    if (!text_clean(in->name, 1, AUTH_NAME_MAX, false, &name, reason, sizeof reason)) {
        st = svc_fail(req, ST_INVALID, "name: %s", reason);
        goto done;
    }
    st = auth_store_update_org(svc->db, org, user, name, &out, &why);
    if (st && why)
        st = svc_fail(req, st, "%s", why);
    if (st)
        goto done;
    auth_revoke(svc, "org", org);
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s renamed the organization", user);
done:
    bus_reply(req, st, st == ST_OK ? &out->base : NULL);
    svc_msg_free(out);
    free(name);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}
