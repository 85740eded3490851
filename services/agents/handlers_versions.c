/* handlers_versions.c - the configuration history of an agent: list_versions, restore_version.
 * Every create, update, restore and duplicate stores a snapshot (store.c); restoring one
 * writes its configuration as a new version, so history only grows. */
#include <stdio.h>

#include "agents.h"
#include "store.h"

/* svc.agents.list_versions: snapshots of an agent, newest first. */
status_t agents_handle_list_versions(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__ListVersionsRequest *in = NULL;
    Agents__VersionList *list = NULL;
    svc_caller_t who;
    char id[37];
    svc_page_t page;
    status_t st;

    if ((st = svc_caller(req, NULL, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_uuid(req, "id", in->id, id)))
        goto done;
    if ((st = svc_page_parse(req, &in->base, &page)))
        goto done;
    st = agents_store_list_versions(svc->db, who.org, id, &page, &list);
    if (st == ST_NOT_FOUND)
        svc_fail(req, st, "id: no such agent");
done:
    bus_reply(req, st, st == ST_OK ? &list->base : NULL);
    svc_msg_free(list);
    svc_msg_free(in);
    return st;
}

/* svc.agents.restore_version: makes a stored configuration current again. */
status_t agents_handle_restore_version(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__RestoreVersionRequest *in = NULL;
    Agents__Agent *a = NULL;
    svc_caller_t who;
    char id[37], why[AGENTS_WHY_SIZE] = "";
    log_ctx_t ctx;
    status_t st;

    if ((st = svc_caller(req, AGENTS_WRITE_WHAT, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_uuid(req, "id", in->id, id)))
        goto done;
    if (!in->has_version || in->version < 1) {
        st = svc_fail(req, ST_INVALID, "version: must be a version number, 1 or more");
        goto done;
    }
    st = agents_store_restore(svc->db, who.org, who.user, id, in->version, &a, why, sizeof why);
    if (st && why[0])
        svc_fail(req, st, "%s", why);
    else if (st == ST_NOT_FOUND)
        svc_fail(req, st, "id: no such agent");
    if (st)
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s restored version %d of agent %s as version %d", who.user,
                 (int)in->version, id, (int)a->version);
done:
    if (st == ST_OK)
        svc_changed(svc, who.org);
    bus_reply(req, st, st == ST_OK ? &a->base : NULL);
    svc_msg_free(a);
    svc_msg_free(in);
    return st;
}
