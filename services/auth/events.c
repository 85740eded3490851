/* events.c - builds auth's domain events and adds them to auth.outbox through the kit
 * (svc_event: envelope, subject, outbox) in the caller's transaction (events.h). */
#include "events.h"

#include "shared/svc.h"

status_t auth_event_user(db_t *db, const char *org, const char *user_id, const char *email,
                         const char *name)
{
    Auth__UserEvent e = AUTH__USER_EVENT__INIT;

    e.user_id = (char *)user_id;
    e.email = (char *)email;
    e.name = (char *)name;
    return svc_event(db, "auth", "user", "registered", org, user_id, &e.base);
}

status_t auth_event_member(db_t *db, const char *verb, const char *org, const char *actor,
                           Auth__MemberEvent *m)
{
    return svc_event(db, "auth", "member", verb, org, actor, &m->base);
}

status_t auth_event_password_reset(db_t *db, const char *user_id)
{
    Auth__PasswordEvent e = AUTH__PASSWORD_EVENT__INIT;

    e.user_id = (char *)user_id;
    return svc_event(db, "auth", "password", "reset_requested", NULL, user_id, &e.base);
}

status_t auth_event_api_key(db_t *db, const char *verb, const char *org, const char *actor,
                            const char *key_id, const char *key_user, const char *name,
                            const char *prefix)
{
    Auth__ApiKeyEvent e = AUTH__API_KEY_EVENT__INIT;

    e.key_id = (char *)key_id;
    e.user_id = (char *)key_user;
    e.name = (char *)name;
    e.prefix = (char *)prefix;
    return svc_event(db, "auth", "api_key", verb, org, actor, &e.base);
}
