/* handlers_agents.c - agents: list, create, get, update, delete, duplicate.
 *
 * Every handler reads the caller first (owners and admins write, members read), validates the
 * whole input with messages naming the field, and leaves the database to the store, which
 * scopes everything by the caller's organisation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents.h"
#include "shared/msgpatch.h"
#include "store.h"

#define AGENTS_Q_MAX 200

/* The cache key of a list query: every parameter that shapes the answer. */
static void list_key(const agents_list_query_t *q, buf_t *key)
{
    buf_printf(key, "%s\x1f%s\x1f%s\x1f%s\x1f%d\x1f%d", q->q ? q->q : "",
               q->status ? q->status : "", q->channel ? q->channel : "", q->sort, q->page.page,
               q->page.per_page);
}

/* A list query for bus_reply_cached. */
typedef struct {
    svc_t *svc;
    const char *org;
    const agents_list_query_t *q;
} list_call_t;

static status_t list_fill(void *arg, ProtobufCMessage **out)
{
    list_call_t *c = arg;
    return agents_store_list(c->svc->db, c->org, c->q, (Agents__AgentList **)out);
}

/* svc.agents.list: a page of the organisation's agents, filtered and sorted. */
status_t agents_handle_list(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__ListAgentsRequest *in = NULL;
    agents_list_query_t q = {0};
    svc_caller_t who;
    char why[AGENTS_WHY_SIZE];
    status_t st;

    if ((st = svc_caller(req, NULL, &who)) || (st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if (in->q && (st = agents_check_text("q", in->q, 0, AGENTS_Q_MAX, true, why, sizeof why)))
        goto fail;
    if (in->has_status && !(q.status = agents_status_name(in->status))) {
        snprintf(why, sizeof why, "status: must be active or paused");
        st = ST_INVALID;
        goto fail;
    }
    if (in->has_channel && !(q.channel = agents_channel_name(in->channel))) {
        snprintf(why, sizeof why,
                 "channel: must be one of kommo_chat, email, whatsapp, telegram, instagram, "
                 "facebook, web");
        st = ST_INVALID;
        goto fail;
    }
    if ((st = agents_parse_sort(in->sort, &q.sort, why, sizeof why)))
        goto fail;
    if ((st = svc_page_parse(req, &in->base, &q.page)))
        goto done;
    q.q = in->q;
    buf_t key = BUF_INIT;
    list_key(&q, &key);
    list_call_t call = {svc, who.org, &q};
    st = bus_reply_cached(req, svc->cache, who.org, key.data, list_fill, &call);
    buf_cleanup(&key);
    svc_msg_free(in);
    return st;
fail:
    svc_fail(req, st, "%s", why);
done:
    bus_reply(req, st, NULL);
    svc_msg_free(in);
    return st;
}

/* svc.agents.create: a new agent from the fields sent and the defaults. */
status_t agents_handle_create(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__CreateAgentRequest *in = NULL;
    Agents__Agent *a = NULL, *created = NULL;
    svc_caller_t who;
    char why[AGENTS_WHY_SIZE];
    log_ctx_t ctx;
    status_t st;

    if ((st = svc_caller(req, AGENTS_WRITE_WHAT, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    a = svc_msg_new(&agents__agent__descriptor);
    msgpatch_merge(&a->base, &in->base, NULL);
    agents_defaults(a);
    if ((st = agents_validate_agent(a, why, sizeof why))) {
        svc_fail(req, st, "%s", why);
        goto done;
    }
    if ((st = agents_check_categories(svc, req, a->kb_category_ids, a->n_kb_category_ids)) ||
        (st = agents_store_create(svc->db, who.org, who.user, a, &created)))
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s created agent %s", who.user, created->id);
done:
    if (st == ST_OK)
        svc_changed(svc, who.org);
    bus_reply(req, st, st == ST_OK ? &created->base : NULL);
    svc_msg_free(created);
    svc_msg_free(a);
    svc_msg_free(in);
    return st;
}

/* svc.agents.get: one agent of the caller's organisation. */
status_t agents_handle_get(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__AgentRef *in = NULL;
    Agents__Agent *a = NULL;
    svc_caller_t who;
    char id[37];
    status_t st;

    if ((st = svc_caller(req, NULL, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_uuid(req, "id", in->id, id)))
        goto done;
    if ((st = agents_store_get(svc->db, who.org, id, &a)) == ST_NOT_FOUND)
        svc_fail(req, st, "id: no such agent");
done:
    bus_reply(req, st, st == ST_OK ? &a->base : NULL);
    svc_msg_free(a);
    svc_msg_free(in);
    return st;
}

/* The lists (and working_hours) an update may clear, and whether the request also sends them. */
static const char *const agent_clearable[] = {
    "channels", "pipeline_ids", "pipeline_status_ids", "kb_category_ids", "working_hours", NULL};

/* Fields of an UpdateAgentRequest that are no agent field to merge: the path id. */
static const char *const agent_kept[] = {"id", NULL};

/* The PATCH merge, run by the store on the locked row. */
static status_t apply_patch(db_t *db, void *row, void *arg, char *why, size_t whylen)
{
    Agents__UpdateAgentRequest *in = arg;
    Agents__Agent *a = row;

    (void)db;
    msgpatch_merge(&a->base, &in->base, agent_kept);
    for (size_t i = 0; i < in->n_clear; i++)
        msgpatch_clear(&a->base, in->clear[i]); /* names checked by agents_check_clear */
    return agents_validate_agent(a, why, whylen);
}

/* svc.agents.update: changes the fields sent (PATCH), as a new version. */
status_t agents_handle_update(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__UpdateAgentRequest *in = NULL;
    Agents__Agent *a = NULL;
    svc_caller_t who;
    char id[37], why[AGENTS_WHY_SIZE] = "";
    log_ctx_t ctx;
    status_t st;

    if ((st = svc_caller(req, AGENTS_WRITE_WHAT, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_uuid(req, "id", in->id, id)) ||
        (st = agents_check_clear(req, in->clear, in->n_clear, agent_clearable, &in->base)))
        goto done;
    /* Foreign ids are refused like any foreign id; asked before the row is locked. */
    if ((st = agents_check_ids("kb_category_ids", in->kb_category_ids, in->n_kb_category_ids, why,
                               sizeof why))) {
        svc_fail(req, st, "%s", why);
        goto done;
    }
    if ((st = agents_check_categories(svc, req, in->kb_category_ids, in->n_kb_category_ids)))
        goto done;
    st = agents_store_update(svc->db, who.org, who.user, id, apply_patch, in, &a, why, sizeof why);
    if (st == ST_NOT_FOUND)
        svc_fail(req, st, "id: no such agent");
    else if (st && why[0])
        svc_fail(req, st, "%s", why);
    if (st)
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s updated agent %s (version %d)", who.user, id, (int)a->version);
done:
    if (st == ST_OK)
        svc_changed(svc, who.org);
    bus_reply(req, st, st == ST_OK ? &a->base : NULL);
    svc_msg_free(a);
    svc_msg_free(in);
    return st;
}

/* svc.agents.delete: the agent, its scripts and versions. */
status_t agents_handle_delete(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__AgentRef *in = NULL;
    svc_caller_t who;
    char id[37];
    log_ctx_t ctx;
    status_t st;

    if ((st = svc_caller(req, AGENTS_WRITE_WHAT, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_uuid(req, "id", in->id, id)))
        goto done;
    if ((st = agents_store_delete(svc->db, who.org, who.user, id)) == ST_NOT_FOUND)
        svc_fail(req, st, "id: no such agent");
    if (st)
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s deleted agent %s", who.user, id);
done:
    if (st == ST_OK)
        svc_changed(svc, who.org);
    bus_reply(req, st, NULL);
    svc_msg_free(in);
    return st;
}

/* svc.agents.duplicate: a copy under a new id, with " (copy)" after the name. */
status_t agents_handle_duplicate(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__DuplicateAgentRequest *in = NULL;
    Agents__Agent *a = NULL;
    svc_caller_t who;
    char id[37];
    log_ctx_t ctx;
    status_t st;

    if ((st = svc_caller(req, AGENTS_WRITE_WHAT, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_uuid(req, "id", in->id, id)))
        goto done;
    if ((st = agents_store_duplicate(svc->db, who.org, who.user, id, &a)) == ST_NOT_FOUND)
        svc_fail(req, st, "id: no such agent");
    if (st)
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s duplicated agent %s as %s", who.user, id, a->id);
done:
    if (st == ST_OK)
        svc_changed(svc, who.org);
    bus_reply(req, st, st == ST_OK ? &a->base : NULL);
    svc_msg_free(a);
    svc_msg_free(in);
    return st;
}
