/* handlers_scripts.c - sales scripts of an agent: list_scripts, create_script, get_script,
 * update_script, delete_script. A script's {{placeholders}} must all be declared in its
 * variables (script.h); pipeline_status_id "" means "not bound". */
#include <stdlib.h>
#include <string.h>

#include "agents.h"
#include "merge.h"
#include "store.h"

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
    agents_svc_t *svc = arg;
    Agents__ListScriptsRequest *in = NULL;
    Agents__ScriptList *list = NULL;
    agents_caller_t who;
    char agent[37];
    status_t st;

    if ((st = agents_caller(req, false, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = agents_path_id(req, "agent_id", in->agent_id, agent)))
        goto done;
    if ((st = agents_store_list_scripts(svc->db, who.org, agent, &list)) == ST_NOT_FOUND)
        agents_fail(req, st, "agent_id: no such agent");
done:
    bus_reply(req, st, st == ST_OK ? &list->base : NULL);
    agents_msg_free(list);
    agents_msg_free(in);
    return st;
}

/* svc.agents.create_script: a new script of an agent. */
status_t agents_handle_create_script(void *arg, bus_req_t *req)
{
    agents_svc_t *svc = arg;
    Agents__CreateScriptRequest *in = NULL;
    Agents__Script *s = NULL, *created = NULL;
    agents_caller_t who;
    char agent[37], why[AGENTS_WHY_SIZE];
    log_ctx_t ctx;
    status_t st;

    if ((st = agents_caller(req, true, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = agents_path_id(req, "agent_id", in->agent_id, agent)))
        goto done;
    s = agents_msg_new(&agents__script__descriptor);
    AGENTS_TAKE_STR(s, in, name);
    AGENTS_TAKE_STR(s, in, body);
    AGENTS_TAKE_STRS(s, in, variables);
    AGENTS_TAKE_STR(s, in, pipeline_status_id);
    unbind_empty(&s->pipeline_status_id);
    if ((st = agents_validate_script(s, why, sizeof why))) {
        agents_fail(req, st, "%s", why);
        goto done;
    }
    st = agents_store_create_script(svc->db, who.org, who.user, agent, s, &created);
    if (st == ST_NOT_FOUND)
        agents_fail(req, st, "agent_id: no such agent");
    if (st)
        goto done;
    agents_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s created script %s of agent %s", who.user, created->id, agent);
done:
    bus_reply(req, st, st == ST_OK ? &created->base : NULL);
    agents_msg_free(created);
    agents_msg_free(s);
    agents_msg_free(in);
    return st;
}

/* svc.agents.get_script: one script of an agent. */
status_t agents_handle_get_script(void *arg, bus_req_t *req)
{
    agents_svc_t *svc = arg;
    Agents__ScriptRef *in = NULL;
    Agents__Script *s = NULL;
    agents_caller_t who;
    char agent[37], id[37];
    status_t st;

    if ((st = agents_caller(req, false, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = agents_path_id(req, "agent_id", in->agent_id, agent)) ||
        (st = agents_path_id(req, "id", in->id, id)))
        goto done;
    if ((st = agents_store_get_script(svc->db, who.org, agent, id, &s)) == ST_NOT_FOUND)
        agents_fail(req, st, "id: no such script");
done:
    bus_reply(req, st, st == ST_OK ? &s->base : NULL);
    agents_msg_free(s);
    agents_msg_free(in);
    return st;
}

static const char *const script_clearable[] = {"variables", NULL};

static bool script_sent(const void *msg, const char *name)
{
    const Agents__UpdateScriptRequest *in = msg;
    return !strcmp(name, "variables") && in->n_variables;
}

/* The PATCH merge of a script, run by the store on the locked row. */
static status_t apply_script_patch(db_t *db, void *row, void *arg, char *why, size_t whylen)
{
    Agents__UpdateScriptRequest *in = arg;
    Agents__Script *s = row;

    (void)db;
    AGENTS_TAKE_STR(s, in, name);
    AGENTS_TAKE_STR(s, in, body);
    AGENTS_TAKE_STRS(s, in, variables);
    AGENTS_TAKE_STR(s, in, pipeline_status_id);
    unbind_empty(&s->pipeline_status_id);
    if (agents_clear_has(in->clear, in->n_clear, "variables")) {
        agents_free_strs(s->variables, s->n_variables);
        s->variables = NULL;
        s->n_variables = 0;
    }
    return agents_validate_script(s, why, whylen);
}

/* svc.agents.update_script: changes the fields sent. */
status_t agents_handle_update_script(void *arg, bus_req_t *req)
{
    agents_svc_t *svc = arg;
    Agents__UpdateScriptRequest *in = NULL;
    Agents__Script *s = NULL;
    agents_caller_t who;
    char agent[37], id[37], why[AGENTS_WHY_SIZE] = "";
    log_ctx_t ctx;
    status_t st;

    if ((st = agents_caller(req, true, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = agents_path_id(req, "agent_id", in->agent_id, agent)) ||
        (st = agents_path_id(req, "id", in->id, id)) ||
        (st = agents_check_clear(req, in->clear, in->n_clear, script_clearable, script_sent, in)))
        goto done;
    st = agents_store_update_script(svc->db, who.org, who.user, agent, id, apply_script_patch, in,
                                    &s, why, sizeof why);
    if (st == ST_NOT_FOUND)
        agents_fail(req, st, "id: no such script");
    else if (st && why[0])
        agents_fail(req, st, "%s", why);
    if (st)
        goto done;
    agents_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s updated script %s of agent %s", who.user, id, agent);
done:
    bus_reply(req, st, st == ST_OK ? &s->base : NULL);
    agents_msg_free(s);
    agents_msg_free(in);
    return st;
}

/* svc.agents.delete_script */
status_t agents_handle_delete_script(void *arg, bus_req_t *req)
{
    agents_svc_t *svc = arg;
    Agents__ScriptRef *in = NULL;
    agents_caller_t who;
    char agent[37], id[37];
    log_ctx_t ctx;
    status_t st;

    if ((st = agents_caller(req, true, &who)) ||
        (st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = agents_path_id(req, "agent_id", in->agent_id, agent)) ||
        (st = agents_path_id(req, "id", in->id, id)))
        goto done;
    if ((st = agents_store_delete_script(svc->db, who.org, who.user, agent, id)) == ST_NOT_FOUND)
        agents_fail(req, st, "id: no such script");
    if (st)
        goto done;
    agents_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s deleted script %s of agent %s", who.user, id, agent);
done:
    bus_reply(req, st, NULL);
    agents_msg_free(in);
    return st;
}
