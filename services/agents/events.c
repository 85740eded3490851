/* events.c - builds the AgentEvent / ScriptEvent payloads and adds them to the outbox in the
 * caller's transaction (events.h). */
#include "events.h"

#include <stdio.h>

#include "shared/svc.h"
#include "shared/util.h"

/* Adds evt to the transaction of db as <prefix><verb>. */
static status_t emit(db_t *db, const char *prefix, const char *verb, const char *org,
                     const ProtobufCMessage *evt)
{
    char subject[96];

    snprintf(subject, sizeof subject, "%s%s", prefix, verb);
    return svc_event_add(db, "agents", subject, org, evt);
}

status_t agents_event_agent(db_t *db, const char *verb, const char *org, const char *actor,
                            const Agents__Agent *agent, int restored_from)
{
    Agents__AgentEvent evt = AGENTS__AGENT_EVENT__INIT;
    Common__EventMeta meta;
    char at[32];

    svc_event_meta(&meta, org, actor, NULL, at);
    evt.meta = &meta;
    evt.agent_id = agent->id;
    evt.agent = (Agents__Agent *)agent;
    evt.has_restored_from = restored_from > 0;
    evt.restored_from = restored_from;
    return emit(db, AGENTS_EVT_AGENT, verb, org, &evt.base);
}

status_t agents_event_script(db_t *db, const char *verb, const char *org, const char *actor,
                             const Agents__Script *script)
{
    Agents__ScriptEvent evt = AGENTS__SCRIPT_EVENT__INIT;
    Common__EventMeta meta;
    char at[32];

    svc_event_meta(&meta, org, actor, NULL, at);
    evt.meta = &meta;
    evt.agent_id = script->agent_id;
    evt.script_id = script->id;
    evt.script = (Agents__Script *)script;
    return emit(db, AGENTS_EVT_SCRIPT, verb, org, &evt.base);
}
