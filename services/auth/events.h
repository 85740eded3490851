/* events.h - the domain events of the auth service, added to auth.outbox in the caller's
 * transaction (the one that makes the change) and relayed to the JetStream stream EVENTS.
 *
 * Subjects and payloads (proto/auth.proto; field 1 of each is common.EventMeta):
 *   evt.auth.user.registered                                   UserEvent
 *   evt.auth.member.invited | joined | role_changed | removed  MemberEvent
 *   evt.auth.password.reset_requested                          PasswordEvent
 *   evt.auth.api_key.created | revoked                         ApiKeyEvent
 */
#ifndef AUTH_EVENTS_H
#define AUTH_EVENTS_H

#include "proto/auth.pb-c.h"
#include "shared/db.h"

/* A new account (sign-up, or an invitation accepted without one). */
status_t auth_event_user(db_t *db, const char *org, const char *user_id, const char *email,
                         const char *name);
/* verb: invited, joined, role_changed, removed. Fields of m that do not apply stay NULL. */
status_t auth_event_member(db_t *db, const char *verb, const char *org, const char *actor,
                           Auth__MemberEvent *m);
/* A password reset was asked for user_id (no organisation: it is the person's). */
status_t auth_event_password_reset(db_t *db, const char *user_id);
/* verb: created, revoked. key_user is whose key it is; actor who acted. */
status_t auth_event_api_key(db_t *db, const char *verb, const char *org, const char *actor,
                            const char *key_id, const char *key_user, const char *name,
                            const char *prefix);

#endif
