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
#include "merge.h"
#include "store.h"

#define AGENTS_Q_MAX 200

/* The cache key of a list query: every parameter that shapes the answer. */
static void list_key(const agents_list_query_t *q, buf_t *key)
{
    buf_printf(key, "%s\x1f%s\x1f%s\x1f%s\x1f%d\x1f%d", q->q ? q->q : "",
               q->status ? q->status : "", q->channel ? q->channel : "", q->sort, q->page,
               q->per_page);
}

/* A list query for bus_reply_cached. */
typedef struct {
    agents_svc_t *svc;
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
    agents_svc_t *svc = arg;
    Agents__ListAgentsRequest *in = NULL;
    agents_list_query_t q = {0};
    agents_caller_t who;
    char why[AGENTS_WHY_SIZE];
    status_t st;

    if ((st = agents_caller(req, false, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)))
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
    if ((st = agents_parse_sort(in->sort, &q.sort, why, sizeof why)) ||
        (st = agents_parse_page(in->has_page, in->page, in->has_per_page, in->per_page, &q.page,
                                &q.per_page, why, sizeof why)))
        goto fail;
    q.q = in->q;
    buf_t key = BUF_INIT;
    list_key(&q, &key);
    list_call_t call = {svc, who.org, &q};
    st = bus_reply_cached(req, svc->lists, who.org, key.data, list_fill, &call);
    buf_cleanup(&key);
    agents_msg_free(in);
    return st;
fail:
    agents_fail(req, st, "%s", why);
done:
    bus_reply(req, st, NULL);
    agents_msg_free(in);
    return st;
}

/* svc.agents.create: a new agent from the fields sent and the defaults. */
status_t agents_handle_create(void *arg, bus_req_t *req)
{
    agents_svc_t *svc = arg;
    Agents__CreateAgentRequest *in = NULL;
    Agents__Agent *a = NULL, *created = NULL;
    agents_caller_t who;
    char why[AGENTS_WHY_SIZE];
    log_ctx_t ctx;
    status_t st;

    if ((st = agents_caller(req, true, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    a = agents_msg_new(&agents__agent__descriptor);
    AGENTS_TAKE_AGENT_FIELDS(a, in);
    agents_defaults(a);
    if ((st = agents_validate_agent(a, why, sizeof why))) {
        agents_fail(req, st, "%s", why);
        goto done;
    }
    if ((st = agents_store_create(svc->db, who.org, who.user, a, &created)))
        goto done;
    agents_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s created agent %s", who.user, created->id);
done:
    if (st == ST_OK)
        agents_changed(svc, who.org);
    bus_reply(req, st, st == ST_OK ? &created->base : NULL);
    agents_msg_free(created);
    agents_msg_free(a);
    agents_msg_free(in);
    return st;
}

/* svc.agents.get: one agent of the caller's organisation. */
status_t agents_handle_get(void *arg, bus_req_t *req)
{
    agents_svc_t *svc = arg;
    Agents__AgentRef *in = NULL;
    Agents__Agent *a = NULL;
    agents_caller_t who;
    char id[37];
    status_t st;

    if ((st = agents_caller(req, false, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = agents_path_id(req, "id", in->id, id)))
        goto done;
    if ((st = agents_store_get(svc->db, who.org, id, &a)) == ST_NOT_FOUND)
        agents_fail(req, st, "id: no such agent");
done:
    bus_reply(req, st, st == ST_OK ? &a->base : NULL);
    agents_msg_free(a);
    agents_msg_free(in);
    return st;
}

/* The lists (and working_hours) an update may clear, and whether the request also sends them. */
static const char *const agent_clearable[] = {
    "channels", "pipeline_ids", "pipeline_status_ids", "kb_category_ids", "working_hours", NULL};

static bool agent_sent(const void *msg, const char *name)
{
    const Agents__UpdateAgentRequest *in = msg;
    return (!strcmp(name, "channels") && in->n_channels) ||
           (!strcmp(name, "pipeline_ids") && in->n_pipeline_ids) ||
           (!strcmp(name, "pipeline_status_ids") && in->n_pipeline_status_ids) ||
           (!strcmp(name, "kb_category_ids") && in->n_kb_category_ids) ||
           (!strcmp(name, "working_hours") && in->working_hours);
}

/* The PATCH merge, run by the store on the locked row. */
static status_t apply_patch(db_t *db, void *row, void *arg, char *why, size_t whylen)
{
    Agents__UpdateAgentRequest *in = arg;
    Agents__Agent *a = row;

    (void)db;
    AGENTS_TAKE_AGENT_FIELDS(a, in);
    for (size_t i = 0; i < in->n_clear; i++) {
        const char *f = in->clear[i];
        if (!strcmp(f, "channels")) {
            free(a->channels);
            a->channels = NULL;
            a->n_channels = 0;
        } else if (!strcmp(f, "pipeline_ids")) {
            agents_free_strs(a->pipeline_ids, a->n_pipeline_ids);
            a->pipeline_ids = NULL;
            a->n_pipeline_ids = 0;
        } else if (!strcmp(f, "pipeline_status_ids")) {
            agents_free_strs(a->pipeline_status_ids, a->n_pipeline_status_ids);
            a->pipeline_status_ids = NULL;
            a->n_pipeline_status_ids = 0;
        } else if (!strcmp(f, "kb_category_ids")) {
            agents_free_strs(a->kb_category_ids, a->n_kb_category_ids);
            a->kb_category_ids = NULL;
            a->n_kb_category_ids = 0;
        } else if (!strcmp(f, "working_hours")) {
            agents_msg_free(a->working_hours);
            a->working_hours = NULL;
        }
    }
    return agents_validate_agent(a, why, whylen);
}

/* svc.agents.update: changes the fields sent (PATCH), as a new version. */
status_t agents_handle_update(void *arg, bus_req_t *req)
{
    agents_svc_t *svc = arg;
    Agents__UpdateAgentRequest *in = NULL;
    Agents__Agent *a = NULL;
    agents_caller_t who;
    char id[37], why[AGENTS_WHY_SIZE] = "";
    log_ctx_t ctx;
    status_t st;

    if ((st = agents_caller(req, true, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = agents_path_id(req, "id", in->id, id)) ||
        (st = agents_check_clear(req, in->clear, in->n_clear, agent_clearable, agent_sent, in)))
        goto done;
    st = agents_store_update(svc->db, who.org, who.user, id, apply_patch, in, &a, why, sizeof why);
    if (st == ST_NOT_FOUND)
        agents_fail(req, st, "id: no such agent");
    else if (st && why[0])
        agents_fail(req, st, "%s", why);
    if (st)
        goto done;
    agents_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s updated agent %s (version %d)", who.user, id, (int)a->version);
done:
    if (st == ST_OK)
        agents_changed(svc, who.org);
    bus_reply(req, st, st == ST_OK ? &a->base : NULL);
    agents_msg_free(a);
    agents_msg_free(in);
    return st;
}

/* svc.agents.delete: the agent, its scripts and versions. */
status_t agents_handle_delete(void *arg, bus_req_t *req)
{
    agents_svc_t *svc = arg;
    Agents__AgentRef *in = NULL;
    agents_caller_t who;
    char id[37];
    log_ctx_t ctx;
    status_t st;

    if ((st = agents_caller(req, true, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = agents_path_id(req, "id", in->id, id)))
        goto done;
    if ((st = agents_store_delete(svc->db, who.org, who.user, id)) == ST_NOT_FOUND)
        agents_fail(req, st, "id: no such agent");
    if (st)
        goto done;
    agents_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s deleted agent %s", who.user, id);
done:
    if (st == ST_OK)
        agents_changed(svc, who.org);
    bus_reply(req, st, NULL);
    agents_msg_free(in);
    return st;
}

/* svc.agents.duplicate: a copy under a new id, with " (copy)" after the name. */
status_t agents_handle_duplicate(void *arg, bus_req_t *req)
{
    agents_svc_t *svc = arg;
    Agents__DuplicateAgentRequest *in = NULL;
    Agents__Agent *a = NULL;
    agents_caller_t who;
    char id[37];
    log_ctx_t ctx;
    status_t st;

    if ((st = agents_caller(req, true, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = agents_path_id(req, "id", in->id, id)))
        goto done;
    if ((st = agents_store_duplicate(svc->db, who.org, who.user, id, &a)) == ST_NOT_FOUND)
        agents_fail(req, st, "id: no such agent");
    if (st)
        goto done;
    agents_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s duplicated agent %s as %s", who.user, id, a->id);
done:
    if (st == ST_OK)
        agents_changed(svc, who.org);
    bus_reply(req, st, st == ST_OK ? &a->base : NULL);
    agents_msg_free(a);
    agents_msg_free(in);
    return st;
}
