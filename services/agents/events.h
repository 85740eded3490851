/* events.h - the domain events of the agents service, written in the caller's transaction.
 *
 * Subjects: evt.agents.agent.created|updated|deleted (payload AgentEvent) and
 * evt.agents.script.created|updated|deleted (payload ScriptEvent), relayed to the JetStream
 * stream EVENTS by the outbox relay with Nats-Msg-Id = the outbox row id.
 */
#ifndef AGENTS_EVENTS_H
#define AGENTS_EVENTS_H

#include "proto/agents.pb-c.h"
#include "shared/db.h"

#define AGENTS_EVT_AGENT  "evt.agents.agent."
#define AGENTS_EVT_SCRIPT "evt.agents.script."

/* Adds evt.agents.agent.<verb> for agent (borrowed) to db's open transaction. */
status_t agents_event_agent(db_t *db, const char *verb, const char *org, const char *actor,
                            const Agents__Agent *agent, int restored_from);
/* Adds evt.agents.script.<verb> for script (borrowed) to db's open transaction. */
status_t agents_event_script(db_t *db, const char *verb, const char *org, const char *actor,
                             const Agents__Script *script);

#endif
