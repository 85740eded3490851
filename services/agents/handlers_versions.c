/* handlers_versions.c - the configuration history of an agent: list_versions, restore_version.
 * Every create, update, restore and duplicate stores a snapshot (store.c); restoring one
 * writes its configuration as a new version, so history only grows. */
#include <stdio.h>

#include "agents.h"
#include "store.h"

/* svc.agents.list_versions: snapshots of an agent, newest first. */
status_t agents_handle_list_versions(void *arg, bus_req_t *req)
{
    agents_svc_t *svc = arg;
    Agents__ListVersionsRequest *in = NULL;
    Agents__VersionList *list = NULL;
    agents_caller_t who;
    char id[37], why[AGENTS_WHY_SIZE];
    int page, per_page;
    status_t st;

    if ((st = agents_caller(req, false, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = agents_path_id(req, "id", in->id, id)))
        goto done;
    if ((st = agents_parse_page(in->has_page, in->page, in->has_per_page, in->per_page, &page,
                                &per_page, why, sizeof why))) {
        agents_fail(req, st, "%s", why);
        goto done;
    }
    st = agents_store_list_versions(svc->db, who.org, id, page, per_page, &list);
    if (st == ST_NOT_FOUND)
        agents_fail(req, st, "id: no such agent");
done:
    bus_reply(req, st, st == ST_OK ? &list->base : NULL);
    agents_msg_free(list);
    agents_msg_free(in);
    return st;
}

/* svc.agents.restore_version: makes a stored configuration current again. */
status_t agents_handle_restore_version(void *arg, bus_req_t *req)
{
    agents_svc_t *svc = arg;
    Agents__RestoreVersionRequest *in = NULL;
    Agents__Agent *a = NULL;
    agents_caller_t who;
    char id[37], why[AGENTS_WHY_SIZE] = "";
    log_ctx_t ctx;
    status_t st;

    if ((st = agents_caller(req, true, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = agents_path_id(req, "id", in->id, id)))
        goto done;
    if (!in->has_version || in->version < 1) {
        st = agents_fail(req, ST_INVALID, "version: must be a version number, 1 or more");
        goto done;
    }
    st = agents_store_restore(svc->db, who.org, who.user, id, in->version, &a, why, sizeof why);
    if (st && why[0])
        agents_fail(req, st, "%s", why);
    else if (st == ST_NOT_FOUND)
        agents_fail(req, st, "id: no such agent");
    if (st)
        goto done;
    agents_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s restored version %d of agent %s as version %d", who.user,
                 (int)in->version, id, (int)a->version);
done:
    if (st == ST_OK)
        agents_changed(svc, who.org);
    bus_reply(req, st, st == ST_OK ? &a->base : NULL);
    agents_msg_free(a);
    agents_msg_free(in);
    return st;
}
