/* test_svc_contracts.c - the contracts every service shares through the service kit
 * (shared/svc.h), checked on auth, agents and rag alike: C1 control characters are refused in
 * every text, one page limit, one list reply shape, one 401 text, and one event envelope (every
 * domain event on the EVENTS stream reads by common.EventMeta alone); auth announces its
 * changes through its outbox like the others. */
#include <pthread.h>

#include "tests/integration/agents/agents_helpers.h"
#include "proto/common.pb-c.h"
#include "shared/bus.h"
#include "shared/names.h"
#include "shared/outbox.h"

/* Heap strings of a test, freed after it. */
static char *kept[256];
static int n_kept;
static char *K(char *s)
{
    cr_assert_lt(n_kept, 256);
    return kept[n_kept++] = s;
}
static void free_kept(void)
{
    while (n_kept > 0)
        free(kept[--n_kept]);
}
TestSuite(contracts, .fini = free_kept);
#define F(...)       K(fmt(__VA_ARGS__))
#define AGENT(p, b)  K(agent_create(p, b))
#define CAT(p, name) K(kb_category(p, name))

#define C1_NAME "{\"name\":\"Bob\\u0085Smith\"}" /* U+0085 NEXT LINE, a C1 control */

Test(contracts, c1_controls_are_refused_everywhere)
{
    person_t owner;
    person_sign_up(&owner, "c1");
    char *agent = AGENT(&owner, "{\"name\":\"Plain\"}");
    char *path = F("/api/agents/%s", agent);
    char *cat = CAT(&owner, "Plain");
    char *cpath = F("/api/kb/categories/%s", cat);

    expect_error(&owner, "PATCH", path, C1_NAME, 400, "name");
    expect_error(&owner, "POST", "/api/agents", C1_NAME, 400, "name");
    expect_error(&owner, "PATCH", "/api/org", C1_NAME, 400, "name");
    expect_error(&owner, "PATCH", "/api/auth/me", C1_NAME, 400, "name");
    expect_error(&owner, "POST", "/api/kb/categories", C1_NAME, 400, "name");
    expect_error(&owner, "PATCH", cpath, C1_NAME, 400, "name");
    expect_error(&owner, "POST", "/api/api-keys", C1_NAME, 400, "name");
    expect_error(&owner, "POST", F("%s/scripts", path), "{\"name\":\"S\\u009b\",\"body\":\"x\"}",
                 400, "name");
    /* The same name without the control is fine. */
    cr_assert_eq(call_status(&owner, "PATCH", path, "{\"name\":\"Bob Smith\"}"), 200);
    person_free(&owner);
}

Test(contracts, one_page_limit)
{
    person_t owner;
    person_sign_up(&owner, "pages");
    char *agent = AGENT(&owner, "{\"name\":\"Paged\"}");
    const char *lists[] = {"/api/agents", "/api/kb/articles", F("/api/agents/%s/versions", agent)};

    for (size_t i = 0; i < ARRAY_LEN(lists); i++) {
        expect_error(&owner, "GET", F("%s?page=100001", lists[i]), NULL, 400,
                     "page: must be between 1 and 100000");
        expect_error(&owner, "GET", F("%s?per_page=101", lists[i]), NULL, 400,
                     "per_page: must be between 1 and 100");
        cr_assert_eq(call_status(&owner, "GET", F("%s?page=100000&per_page=100", lists[i]), NULL),
                     200, "%s", lists[i]);
    }
    person_free(&owner);
}

/* {items, total, page, per_page, pages}, all numbers, in every paged list. */
static void expect_shape(person_t *p, const char *path, long total, long page, long per_page,
                         long pages, size_t items)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(p->c, "GET", path, NULL, &r);
    expect_status(&r, 200);
    json_t *root = httpc_resp_json(&r);
    const char *names[] = {"total", "page", "per_page", "pages"};
    long want[] = {total, page, per_page, pages};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        json_t *v = httpc_json_path(root, names[i]);
        cr_assert(json_is_integer(v), "%s: %s is not a JSON number: %s", path, names[i],
                  r.body.data);
        cr_assert_eq(json_integer_value(v), want[i], "%s: %s", path, names[i]);
    }
    cr_assert_eq(json_array_size(httpc_json_path(root, "items")), items, "%s", path);
    httpc_resp_cleanup(&r);
}

Test(contracts, one_list_shape)
{
    person_t owner;
    person_sign_up(&owner, "shape");
    char *agent = NULL;
    for (int i = 0; i < 3; i++) {
        agent = AGENT(&owner, F("{\"name\":\"Agent %d\"}", i));
        cr_assert_eq(call_status(&owner, "POST", "/api/kb/articles",
                                 F("{\"title\":\"Article %d\",\"body\":\"b\"}", i)),
                     201);
    }
    cr_assert_eq(call_status(&owner, "PATCH", F("/api/agents/%s", agent), "{\"max_tokens\":9}"),
                 200);
    expect_shape(&owner, "/api/agents?per_page=2", 3, 1, 2, 2, 2);
    expect_shape(&owner, "/api/kb/articles?per_page=2&page=2", 3, 2, 2, 2, 1);
    expect_shape(&owner, F("/api/agents/%s/versions?per_page=1", agent), 2, 1, 1, 2, 1);
    person_free(&owner);
}

/* Error answers are valid UTF-8 JSON whatever bytes the request carried (jansson refuses
 * invalid UTF-8, so a raw byte copied into the message fails the parse). */
Test(contracts, error_answers_are_valid_json_whatever_came_in)
{
    person_t owner;
    person_sign_up(&owner, "bytes");
    const char *paths[] = {"/api/agents?%FF%FE=1", "/api/agents?q=%FF&status=%C0%AF",
                           "/api/agents/%FF%FE", "/api/kb/articles?%22%5C%01=1"};
    for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
        httpc_resp_t r = HTTPC_RESP_INIT;
        req(owner.c, "GET", paths[i], NULL, &r);
        cr_assert_geq(r.status, 400, "%s: %ld", paths[i], r.status);
        json_error_t err;
        json_t *root = json_loadb(r.body.data, r.body.len, 0, &err);
        cr_assert_not_null(root, "%s: not valid JSON (%s): %.*s", paths[i], err.text,
                           (int)r.body.len, r.body.data);
        cr_assert(json_is_string(json_object_get(json_object_get(root, "error"), "message")), "%s",
                  paths[i]);
        json_decref(root);
        httpc_resp_cleanup(&r);
    }
    person_free(&owner);
}

/* A call straight over the bus without the edge's headers: 401 with the one text. */
static void expect_unauthorized(bus_t *bus, const char *subject)
{
    Common__Empty empty = COMMON__EMPTY__INIT;
    char err[128] = "";
    bus_ctx_t ctx = {0};
    status_t st = bus_call(bus, subject, &ctx, &empty.base, NULL, NULL, err, sizeof err, 5000);
    cr_assert_eq(st, ST_UNAUTHORIZED, "%s: %s", subject, status_str(st));
    cr_assert_str_eq(err, "not signed in", "%s", subject);
}

Test(contracts, one_unauthorized_text)
{
    bus_t *bus = NULL;
    cr_assert_eq(bus_connect("test", harness_env("NATS_URL"), 5000, &bus), ST_OK);
    expect_unauthorized(bus, "svc.agents.list");
    expect_unauthorized(bus, "svc.agents.create");
    expect_unauthorized(bus, "svc.rag.list_articles");
    expect_unauthorized(bus, "svc.rag.create_category");
    expect_unauthorized(bus, SUBJ_RAG_CATEGORIES_CHECK);
    expect_unauthorized(bus, "svc.auth.list_members");
    expect_unauthorized(bus, "svc.auth.me");
    bus_free(bus);
}

/* Envelopes of one organisation read from EVENTS. */
#define MAX_SEEN 64
static struct {
    pthread_mutex_t mu;
    const char *org;
    int n;
    char subject[MAX_SEEN][64];
    char actor[MAX_SEEN][37];
    bool has_time[MAX_SEEN], has_request[MAX_SEEN];
} seen = {.mu = PTHREAD_MUTEX_INITIALIZER};

static status_t on_event(void *ctx, natsMsg *msg, int delivery)
{
    (void)ctx;
    (void)delivery;
    Common__EventEnvelope *e = common__event_envelope__unpack(
        NULL, (size_t)natsMsg_GetDataLength(msg), (const uint8_t *)natsMsg_GetData(msg));
    pthread_mutex_lock(&seen.mu);
    if (e && e->meta && e->meta->org_id && seen.org && strcmp(e->meta->org_id, seen.org) == 0 &&
        seen.n < MAX_SEEN) {
        int i = seen.n++;
        snprintf(seen.subject[i], sizeof seen.subject[i], "%s", natsMsg_GetSubject(msg));
        snprintf(seen.actor[i], 37, "%s", e->meta->actor_id ? e->meta->actor_id : "");
        seen.has_time[i] = e->meta->occurred_at && strlen(e->meta->occurred_at) == 24;
        seen.has_request[i] = e->meta->request_id && *e->meta->request_id;
    }
    pthread_mutex_unlock(&seen.mu);
    if (e)
        common__event_envelope__free_unpacked(e, NULL);
    return ST_OK;
}

static int seen_index(const char *subject)
{
    pthread_mutex_lock(&seen.mu);
    int found = -1;
    for (int i = 0; i < seen.n && found < 0; i++)
        if (strcmp(seen.subject[i], subject) == 0)
            found = i;
    pthread_mutex_unlock(&seen.mu);
    return found;
}

Test(contracts, every_services_events_read_by_the_envelope)
{
    person_t owner;
    char durable[48], id[37];
    bus_t *bus = NULL;

    uuid_new(id);
    snprintf(durable, sizeof durable, "test_envelope_%.8s", id);
    cr_assert_eq(bus_connect("test", harness_env("NATS_URL"), 5000, &bus), ST_OK);
    cr_assert_eq(bus_js_ensure_stream(bus, OUTBOX_STREAM, OUTBOX_STREAM_SUBJECT), ST_OK);
    person_sign_up(&owner, "envelope");
    seen.org = owner.org_id;
    cr_assert_eq(bus_js_consume(bus, OUTBOX_STREAM, durable, "evt.>", 5, on_event, NULL), ST_OK);
    AGENT(&owner, "{\"name\":\"Enveloped\"}");
    CAT(&owner, "Enveloped");

    const char *want[] = {"evt.auth.user.registered", "evt.agents.agent.created",
                          "evt.rag.category.created"};
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        int at = -1;
        for (int waited = 0; waited < 10000 && (at = seen_index(want[i])) < 0; waited += 50)
            usleep(50 * 1000);
        cr_assert_geq(at, 0, "no %s of the organisation on EVENTS", want[i]);
        cr_assert_str_eq(seen.actor[at], owner.user_id, "%s", want[i]);
        cr_assert(seen.has_time[at], "%s: occurred_at", want[i]);
        cr_assert(seen.has_request[at], "%s: request_id", want[i]);
    }
    bus_free(bus);
    person_free(&owner);
}

/* auth.outbox rows of org (NULL: without an organisation) with subject. */
static long auth_events(const char *org, const char *subject)
{
    const char *p[] = {org, subject};
    char *v = harness_pg_value_params("SELECT count(*) FROM auth.outbox WHERE subject = $2 "
                                      "AND org_id IS NOT DISTINCT FROM $1::uuid",
                                      2, p);
    long n = v ? atol(v) : -1;
    free(v);
    return n;
}

Test(contracts, auth_announces_its_changes_through_the_outbox)
{
    person_t owner, member;
    long resets = auth_events(NULL, "evt.auth.password.reset_requested");

    person_sign_up(&owner, "auth-events");
    person_invite(&owner, &member, "auth-events-member", "member");
    char *mpath = F("/api/org/members/%s", member.user_id);
    cr_assert_eq(call_status(&owner, "PATCH", mpath, "{\"role\":\"admin\"}"), 200);
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(member.c, "POST", "/api/api-keys", "{\"name\":\"k\"}", &r);
    expect_status(&r, 201);
    char *kpath = F("/api/api-keys/%s", httpc_resp_str(&r, "id"));
    httpc_resp_cleanup(&r);
    cr_assert_eq(call_status(&member, "DELETE", kpath, NULL), 204);
    cr_assert_eq(call_status(&owner, "DELETE", mpath, NULL), 204);
    cr_assert_eq(call_status(&owner, "POST", "/api/auth/password/forgot",
                             F("{\"email\":\"%s\"}", owner.email)),
                 202);

    cr_assert_eq(auth_events(owner.org_id, "evt.auth.user.registered"), 2, "owner + invitee");
    cr_assert_eq(auth_events(owner.org_id, "evt.auth.member.invited"), 1);
    cr_assert_eq(auth_events(owner.org_id, "evt.auth.member.joined"), 1);
    cr_assert_eq(auth_events(owner.org_id, "evt.auth.member.role_changed"), 1);
    cr_assert_eq(auth_events(owner.org_id, "evt.auth.member.removed"), 1);
    cr_assert_eq(auth_events(owner.org_id, "evt.auth.api_key.created"), 1);
    cr_assert_eq(auth_events(owner.org_id, "evt.auth.api_key.revoked"), 1);
    cr_assert_eq(auth_events(NULL, "evt.auth.password.reset_requested"), resets + 1);
    /* A refused change announces nothing. */
    cr_assert_eq(call_status(&owner, "DELETE", mpath, NULL), 404);
    cr_assert_eq(auth_events(owner.org_id, "evt.auth.member.removed"), 1);
    person_free(&owner);
    person_free(&member);
}
