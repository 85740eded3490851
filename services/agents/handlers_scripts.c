/* handlers_scripts.c - sales scripts of an agent: list_scripts, create_script, get_script,
 * update_script, delete_script. A script's {{placeholders}} must all be declared in its
 * variables (script.h); pipeline_status_id "" means "not bound". */
#include <stdlib.h>
#include <string.h>

#include "agents.h"
#include "shared/msgpatch.h"
#include "store.h"

/* Fields of the script requests that are no script field to merge: the path ids. */
static const char *const script_kept[] = {"agent_id", "id", NULL};

/* "" for pipeline_status_id means unbound: stored as NULL. */
static void unbind_empty(char **pipeline_status_id)
{
    if (*pipeline_status_id && !**pipeline_status_id) {
        free(*pipeline_status_id);
        *pipeline_status_id = NULL;
    }
}

/* svc.agents.list_scripts: every script of an agent, oldest first. */
status_t agents_handle_list_scripts(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__ListScriptsRequest *in = NULL;
    Agents__ScriptList *list = NULL;
    svc_caller_t who;
    char agent[37];
    status_t st;

    if ((st = svc_caller(req, NULL, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_uuid(req, "agent_id", in->agent_id, agent)))
        goto done;
    if ((st = agents_store_list_scripts(svc->db, who.org, agent, &list)) == ST_NOT_FOUND)
        svc_fail(req, st, "agent_id: no such agent");
done:
    bus_reply(req, st, st == ST_OK ? &list->base : NULL);
    svc_msg_free(list);
    svc_msg_free(in);
    return st;
}

/* svc.agents.create_script: a new script of an agent. */
status_t agents_handle_create_script(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__CreateScriptRequest *in = NULL;
    Agents__Script *s = NULL, *created = NULL;
    svc_caller_t who;
    char agent[37], why[AGENTS_WHY_SIZE];
    log_ctx_t ctx;
    status_t st;

    if ((st = svc_caller(req, AGENTS_WRITE_WHAT, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_uuid(req, "agent_id", in->agent_id, agent)))
        goto done;
    s = svc_msg_new(&agents__script__descriptor);
    msgpatch_merge(&s->base, &in->base, script_kept);
    unbind_empty(&s->pipeline_status_id);
    if ((st = agents_validate_script(s, why, sizeof why))) {
        svc_fail(req, st, "%s", why);
        goto done;
    }
    st = agents_store_create_script(svc->db, who.org, who.user, agent, s, &created);
    if (st == ST_NOT_FOUND)
        svc_fail(req, st, "agent_id: no such agent");
    if (st)
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s created script %s of agent %s", who.user, created->id, agent);
done:
    bus_reply(req, st, st == ST_OK ? &created->base : NULL);
    svc_msg_free(created);
    svc_msg_free(s);
    svc_msg_free(in);
    return st;
}

/* svc.agents.get_script: one script of an agent. */
status_t agents_handle_get_script(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__ScriptRef *in = NULL;
    Agents__Script *s = NULL;
    svc_caller_t who;
    char agent[37], id[37];
    status_t st;

    if ((st = svc_caller(req, NULL, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_uuid(req, "agent_id", in->agent_id, agent)) ||
        (st = svc_uuid(req, "id", in->id, id)))
        goto done;
    if ((st = agents_store_get_script(svc->db, who.org, agent, id, &s)) == ST_NOT_FOUND)
        svc_fail(req, st, "id: no such script");
done:
    bus_reply(req, st, st == ST_OK ? &s->base : NULL);
    svc_msg_free(s);
    svc_msg_free(in);
    return st;
}

static const char *const script_clearable[] = {"variables", NULL};

/* The PATCH merge of a script, run by the store on the locked row. */
static status_t apply_script_patch(db_t *db, void *row, void *arg, char *why, size_t whylen)
{
    Agents__UpdateScriptRequest *in = arg;
    Agents__Script *s = row;

    (void)db;
    msgpatch_merge(&s->base, &in->base, script_kept);
    unbind_empty(&s->pipeline_status_id);
    for (size_t i = 0; i < in->n_clear; i++)
        msgpatch_clear(&s->base, in->clear[i]); /* names checked by agents_check_clear */
    return agents_validate_script(s, why, whylen);
}

/* svc.agents.update_script: changes the fields sent. */
status_t agents_handle_update_script(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__UpdateScriptRequest *in = NULL;
    Agents__Script *s = NULL;
    svc_caller_t who;
    char agent[37], id[37], why[AGENTS_WHY_SIZE] = "";
    log_ctx_t ctx;
    status_t st;

    if ((st = svc_caller(req, AGENTS_WRITE_WHAT, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_uuid(req, "agent_id", in->agent_id, agent)) ||
        (st = svc_uuid(req, "id", in->id, id)) ||
        (st = agents_check_clear(req, in->clear, in->n_clear, script_clearable, &in->base)))
        goto done;
    st = agents_store_update_script(svc->db, who.org, who.user, agent, id, apply_script_patch, in,
                                    &s, why, sizeof why);
    if (st == ST_NOT_FOUND)
        svc_fail(req, st, "id: no such script");
    else if (st && why[0])
        svc_fail(req, st, "%s", why);
    if (st)
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s updated script %s of agent %s", who.user, id, agent);
done:
    bus_reply(req, st, st == ST_OK ? &s->base : NULL);
    svc_msg_free(s);
    svc_msg_free(in);
    return st;
}

/* svc.agents.delete_script */
status_t agents_handle_delete_script(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Agents__ScriptRef *in = NULL;
    svc_caller_t who;
    char agent[37], id[37];
    log_ctx_t ctx;
    status_t st;

    if ((st = svc_caller(req, AGENTS_WRITE_WHAT, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_uuid(req, "agent_id", in->agent_id, agent)) ||
        (st = svc_uuid(req, "id", in->id, id)))
        goto done;
    if ((st = agents_store_delete_script(svc->db, who.org, who.user, agent, id)) == ST_NOT_FOUND)
        svc_fail(req, st, "id: no such script");
    if (st)
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s deleted script %s of agent %s", who.user, id, agent);
done:
    bus_reply(req, st, NULL);
    svc_msg_free(in);
    return st;
}
