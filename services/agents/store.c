/* store.c - every SQL statement of the agents service and the transactions around them.
 *
 * Rows are read as plain columns named after the message's fields (AGENT_COLS, SCRIPT_COLS)
 * and mapped by libshared dbmsg: arrays fill the repeated fields, the working_hours jsonb the
 * nested message, so nothing is copied by hand. Version snapshots are stored as JSON documents
 * (to_jsonb of the same AGENT_COLS) and decoded by pbjson. Every transaction is begun with
 * db_begin_org: row-level security checks the organisation too.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents.h"
#include "events.h"
#include "shared/dbmsg.h"
#include "shared/log.h"
#include "shared/pbjson.h"
#include "shared/util.h"

/* A timestamptz column as RFC 3339 UTC with milliseconds, like time_format_rfc3339. */

/* clang-format off */

/* An Agent's columns, named as its fields: the one way an agent is read, as rows (dbmsg) and as
 * the JSON of version snapshots (to_jsonb of these columns), so GET, PATCH and history agree. */
#define AGENT_COLS                                                                                 \
    "a.id, a.name, a.description, a.status, a.model, a.instructions, a.temperature, "              \
    "a.max_tokens, a.response_delay_seconds, a.channels, a.pipeline_ids, a.pipeline_status_ids, " \
    "a.kb_category_ids, a.working_hours, a.language, a.version, "                                  \
    SVC_TS("a.created_at") " AS created_at, " SVC_TS("a.updated_at") " AS updated_at, "            \
    "a.created_by, a.updated_by"

#define SCRIPT_COLS                                                                                \
    "s.id, s.agent_id, s.name, s.body, s.variables, s.pipeline_status_id, "                        \
    SVC_TS("s.created_at") " AS created_at, " SVC_TS("s.updated_at") " AS updated_at, "            \
    "s.created_by, s.updated_by"

/* The list filters: $1 org, $2 ILIKE pattern, $3 status, $4 channel. */
#define LIST_WHERE                                                                                 \
    "WHERE a.org_id = $1 "                                                                         \
    "  AND ($2::text IS NULL OR a.name ILIKE $2 OR a.description ILIKE $2) "                       \
    "  AND ($3::text IS NULL OR a.status = $3) "                                                   \
    "  AND ($4::text IS NULL OR $4 = ANY (a.channels)) "

/* The page is chosen on bare ids first, so only its rows are turned into JSON. */
static const db_stmt_t LIST_AGENTS = {"agents_list",
    "SELECT " AGENT_COLS ", p.total AS _total FROM ("
    "  SELECT a.id, count(*) OVER () AS total, row_number() OVER (ORDER BY "
    "    CASE WHEN $5 = 'name' THEN lower(a.name) END, "
    "    CASE WHEN $5 = '-name' THEN lower(a.name) END DESC, "
    "    CASE WHEN $5 = 'created_at' THEN a.created_at END, "
    "    CASE WHEN $5 = '-created_at' THEN a.created_at END DESC, "
    "    CASE WHEN $5 = 'updated_at' THEN a.updated_at END, "
    "    CASE WHEN $5 = '-updated_at' THEN a.updated_at END DESC, a.id) AS n "
    "  FROM agents.agents a " LIST_WHERE
    "  ORDER BY n LIMIT $6::int OFFSET $7::int) p "
    "JOIN agents.agents a ON a.org_id = $1 AND a.id = p.id ORDER BY p.n", 7};
static const db_stmt_t COUNT_AGENTS = {"agents_count",
    "SELECT count(*) FROM agents.agents a " LIST_WHERE, 4};
static const db_stmt_t GET_AGENT = {"agents_get",
    "SELECT " AGENT_COLS " FROM agents.agents a WHERE a.org_id = $1 AND a.id = $2", 2};
static const db_stmt_t LOCK_AGENT = {"agents_lock",
    "SELECT " AGENT_COLS " FROM agents.agents a WHERE a.org_id = $1 AND a.id = $2 "
    "FOR UPDATE", 2};
static const db_stmt_t INSERT_AGENT = {"agents_insert",
    "INSERT INTO agents.agents (org_id, name, description, status, model, instructions, "
    "  temperature, max_tokens, response_delay_seconds, channels, pipeline_ids, "
    "  pipeline_status_ids, kb_category_ids, working_hours, language, created_by, updated_by) "
    "VALUES ($1, $2, coalesce($3, ''), $4, $5, coalesce($6, ''), $7, $8, $9, "
    "  coalesce($10::text[], '{}'), coalesce($11::uuid[], '{}'), coalesce($12::uuid[], '{}'), "
    "  coalesce($13::uuid[], '{}'), $14, $15, $16, $16) "
    "RETURNING id", 16};
static const db_stmt_t UPDATE_AGENT = {"agents_update",
    "UPDATE agents.agents SET name = $3, description = coalesce($4, ''), status = $5, "
    "  model = $6, instructions = coalesce($7, ''), temperature = $8, max_tokens = $9, "
    "  response_delay_seconds = $10, channels = coalesce($11::text[], '{}'), "
    "  pipeline_ids = coalesce($12::uuid[], '{}'), "
    "  pipeline_status_ids = coalesce($13::uuid[], '{}'), "
    "  kb_category_ids = coalesce($14::uuid[], '{}'), "
    "  working_hours = $15, language = $16, updated_by = $17, updated_at = now(), "
    "  version = version + 1 "
    "WHERE org_id = $1 AND id = $2", 17};
/* Snapshots the agent as it is now into its current version; answers that snapshot. */
static const db_stmt_t INSERT_VERSION = {"agents_insert_version",
    "INSERT INTO agents.versions "
    "  (org_id, agent_id, version, action, restored_from, snapshot, created_by) "
    "SELECT $1, r.id, r.version, $3, $4::int, jsonb_strip_nulls(to_jsonb(r)), $5 "
    "FROM (SELECT " AGENT_COLS " FROM agents.agents a WHERE a.org_id = $1 AND a.id = $2) r "
    "RETURNING snapshot::text", 5};
static const db_stmt_t DELETE_AGENT = {"agents_delete",
    "DELETE FROM agents.agents AS a WHERE a.org_id = $1 AND a.id = $2 "
    "RETURNING " AGENT_COLS, 2};
static const db_stmt_t GET_SNAPSHOT = {"agents_get_snapshot",
    "SELECT snapshot::text FROM agents.versions "
    "WHERE org_id = $1 AND agent_id = $2 AND version = $3::int", 3};
static const db_stmt_t COUNT_VERSIONS = {"agents_count_versions",
    "SELECT EXISTS (SELECT 1 FROM agents.agents WHERE org_id = $1 AND id = $2), "
    "       (SELECT count(*) FROM agents.versions WHERE org_id = $1 AND agent_id = $2)", 2};
static const db_stmt_t LIST_VERSIONS = {"agents_list_versions",
    "SELECT jsonb_strip_nulls(jsonb_build_object('version', v.version, 'action', v.action, "
    "  'restored_from', v.restored_from, 'agent', v.snapshot, "
    "  'created_at', " SVC_TS("v.created_at") ", 'created_by', v.created_by))::text "
    "FROM agents.versions v WHERE v.org_id = $1 AND v.agent_id = $2 "
    "ORDER BY v.version DESC LIMIT $3::int OFFSET $4::int", 4};

static const db_stmt_t AGENT_EXISTS = {"agents_exists",
    "SELECT 1 FROM agents.agents WHERE org_id = $1 AND id = $2 FOR KEY SHARE", 2};
static const db_stmt_t LIST_SCRIPTS = {"agents_list_scripts",
    "SELECT " SCRIPT_COLS " FROM agents.scripts s WHERE s.org_id = $1 AND s.agent_id = $2 "
    "ORDER BY s.created_at, s.id", 2};
static const db_stmt_t GET_SCRIPT = {"agents_get_script",
    "SELECT " SCRIPT_COLS " FROM agents.scripts s "
    "WHERE s.org_id = $1 AND s.agent_id = $2 AND s.id = $3", 3};
static const db_stmt_t LOCK_SCRIPT = {"agents_lock_script",
    "SELECT " SCRIPT_COLS " FROM agents.scripts s "
    "WHERE s.org_id = $1 AND s.agent_id = $2 AND s.id = $3 FOR UPDATE", 3};
static const db_stmt_t INSERT_SCRIPT = {"agents_insert_script",
    "INSERT INTO agents.scripts AS s (org_id, agent_id, name, body, variables, "
    "  pipeline_status_id, created_by, updated_by) "
    "VALUES ($1, $2, $3, $4, coalesce($5::text[], '{}'), $6, $7, $7) RETURNING " SCRIPT_COLS, 7};
static const db_stmt_t UPDATE_SCRIPT = {"agents_update_script",
    "UPDATE agents.scripts AS s SET name = $4, body = $5, variables = coalesce($6::text[], '{}'), "
    "  pipeline_status_id = $7, updated_by = $8, updated_at = now() "
    "WHERE s.org_id = $1 AND s.agent_id = $2 AND s.id = $3 RETURNING " SCRIPT_COLS, 8};
static const db_stmt_t DELETE_SCRIPT = {"agents_delete_script",
    "DELETE FROM agents.scripts AS s WHERE s.org_id = $1 AND s.agent_id = $2 AND s.id = $3 "
    "RETURNING " SCRIPT_COLS, 3};
static const db_stmt_t COPY_SCRIPTS = {"agents_copy_scripts",
    "INSERT INTO agents.scripts AS s (org_id, agent_id, name, body, variables, "
    "  pipeline_status_id, created_by, updated_by) "
    "SELECT org_id, $3, name, body, variables, pipeline_status_id, $4, $4 "
    "FROM agents.scripts WHERE org_id = $1 AND agent_id = $2 ORDER BY created_at, id "
    "RETURNING " SCRIPT_COLS, 4};

/* clang-format on */

/* ---- helpers ----------------------------------------------------------------------------- */

/* Decodes a JSON document built by the SQL above into a new message of type d. */
static status_t json_msg(const char *json, const ProtobufCMessageDescriptor *d,
                         ProtobufCMessage **out)
{
    ProtobufCMessage *m = pbjson_new(d);
    pbjson_err_t err;

    if (!json || pbjson_decode(m, json, strlen(json), &err)) {
        LOG_ERROR("agents store: a %s row does not decode: %s", d->name, json ? err.msg : "NULL");
        protobuf_c_message_free_unpacked(m, NULL);
        return ST_INTERNAL;
    }
    *out = m;
    return ST_OK;
}

/* The columns an agent's configuration writes, named as its fields (db_msg_params): INSERT's
 * $2..$15 and UPDATE's $3..$16, in this order. */
static const char *const AGENT_WRITTEN[] = {"name",
                                            "description",
                                            "status",
                                            "model",
                                            "instructions",
                                            "temperature",
                                            "max_tokens",
                                            "response_delay_seconds",
                                            "channels",
                                            "pipeline_ids",
                                            "pipeline_status_ids",
                                            "kb_category_ids",
                                            "working_hours",
                                            "language",
                                            NULL};
#define AGENT_N_WRITTEN 14

/* The columns a script writes: INSERT's $3..$6 and UPDATE's $4..$7. */
static const char *const SCRIPT_WRITTEN[] = {"name", "body", "variables", "pipeline_status_id",
                                             NULL};

/* Runs stmt expecting one row whose first column is a JSON document: a new message of type d. */
static status_t exec_json(db_t *db, const db_stmt_t *stmt, const char *const *params,
                          const ProtobufCMessageDescriptor *d, ProtobufCMessage **out)
{
    PGresult *res = NULL;
    status_t st;

    if ((st = db_exec(db, stmt, params, &res)) == ST_OK)
        st = db_nrows(res) == 0 ? ST_NOT_FOUND : json_msg(db_get(res, 0, 0), d, out);
    PQclear(res);
    return st;
}

/* Row i of res as a new message of type d (ST_INTERNAL, logged, when it does not fit). */
static status_t row_msg(const PGresult *res, int i, const ProtobufCMessageDescriptor *d,
                        ProtobufCMessage **out)
{
    return (*out = db_row_new_msg(res, i, d)) ? ST_OK : ST_INTERNAL;
}

/* Takes the version snapshot of agent id (now current) and answers it as the agent. */
static status_t snapshot(db_t *db, const char *org, const char *user, const char *id,
                         const char *action, const char *restored_from, Agents__Agent **out)
{
    const char *p[] = {org, id, action, restored_from, user};
    return exec_json(db, &INSERT_VERSION, p, &agents__agent__descriptor, (ProtobufCMessage **)out);
}

/* ---- agents -------------------------------------------------------------------------------- */

status_t agents_store_list(db_pool_t *pool, const char *org, const agents_list_query_t *q,
                           Agents__AgentList **out)
{
    Agents__AgentList *list = svc_msg_new(&agents__agent_list__descriptor);
    PGresult *res = NULL;
    db_t *db = NULL;
    buf_t pattern = BUF_INIT;
    char limit[16], offset[24];
    status_t st;

    if (q->q && *q->q) {
        buf_putc(&pattern, '%');
        for (const char *c = q->q; *c; c++) {
            if (*c == '%' || *c == '_' || *c == '\\')
                buf_putc(&pattern, '\\');
            buf_putc(&pattern, *c);
        }
        buf_putc(&pattern, '%');
    }
    snprintf(limit, sizeof limit, "%d", q->page.per_page);
    snprintf(offset, sizeof offset, "%lld", (long long)svc_page_offset(&q->page));
    const char *p[] = {org, pattern.data, q->status, q->channel, q->sort, limit, offset};
    /* The total comes with the rows; only a page past the end needs counting apart. */
    /* Reads: each statement in its own one-round-trip transaction. */
    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &LIST_AGENTS, p, &res)))
        goto done;
    list->has_total = true;
    if (db_nrows(res) > 0) {
        list->total = (int32_t)db_get_int(res, 0, PQfnumber(res, "_total"));
    } else if (q->page.page > 1) {
        PGresult *count = NULL;
        if ((st = db_read_org(db, org, &COUNT_AGENTS, p, &count)))
            goto done;
        list->total = (int32_t)db_get_int(count, 0, 0);
        PQclear(count);
    }
    list->n_items = (size_t)db_nrows(res);
    list->items = xcalloc(list->n_items + 1, sizeof *list->items);
    for (int i = 0; i < db_nrows(res); i++) {
        if ((st = row_msg(res, i, &agents__agent__descriptor,
                          (ProtobufCMessage **)&list->items[i]))) {
            list->n_items = (size_t)i;
            goto done;
        }
    }
    svc_page_reply(&list->base, &q->page, list->total);
    *out = list;
    list = NULL;
done:
    PQclear(res);
    db_release(db);
    buf_cleanup(&pattern);
    svc_msg_free(list);
    return st;
}

status_t agents_store_get(db_pool_t *pool, const char *org, const char *id, Agents__Agent **out)
{
    Agents__Agent *a = NULL;
    db_t *db = NULL;
    status_t st;
    const char *p[] = {org, id};

    PGresult *res = NULL;
    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &GET_AGENT, p, &res)))
        goto done;
    if (db_nrows(res) == 0)
        st = ST_NOT_FOUND;
    else
        st = row_msg(res, 0, &agents__agent__descriptor, (ProtobufCMessage **)&a);
    PQclear(res);
    if (st)
        goto done;
    *out = a;
    a = NULL;
done:
    db_release(db);
    svc_msg_free(a);
    return st;
}

/* Inserts a (validated) agent and its first version in db's transaction. */
static status_t insert_agent(db_t *db, const char *org, const char *user, const Agents__Agent *a,
                             const char *action, Agents__Agent **out)
{
    db_params_t ap;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_msg_params(&a->base, AGENT_WRITTEN, &ap)))
        goto done;
    const char *p[AGENT_N_WRITTEN + 2] = {org};
    memcpy(p + 1, ap.v, AGENT_N_WRITTEN * sizeof *p);
    p[AGENT_N_WRITTEN + 1] = user;
    if ((st = db_exec(db, &INSERT_AGENT, p, &res)))
        goto done;
    st = snapshot(db, org, user, db_get(res, 0, 0), action, NULL, out);
done:
    PQclear(res);
    db_params_cleanup(&ap);
    return st;
}

status_t agents_store_create(db_pool_t *pool, const char *org, const char *user,
                             const Agents__Agent *a, Agents__Agent **out)
{
    Agents__Agent *created = NULL;
    db_t *db = NULL;
    status_t st;

    if ((st = svc_tx_begin(pool, org, &db)) ||
        (st = insert_agent(db, org, user, a, "create", &created)) ||
        (st = agents_event_agent(db, "created", org, user, created, 0)) || (st = db_commit(db)))
        goto done;
    *out = created;
    created = NULL;
done:
    db_release(db);
    svc_msg_free(created);
    return st;
}

/* Writes the agent's configuration as its new version. */
static status_t write_agent(db_t *db, const char *org, const char *user, const Agents__Agent *a,
                            const char *action, int restored_from, Agents__Agent **out)
{
    db_params_t ap;
    char from[16];
    status_t st;

    if ((st = db_msg_params(&a->base, AGENT_WRITTEN, &ap)))
        return st;
    const char *p[AGENT_N_WRITTEN + 3] = {org, a->id};
    memcpy(p + 2, ap.v, AGENT_N_WRITTEN * sizeof *p);
    p[AGENT_N_WRITTEN + 2] = user;
    snprintf(from, sizeof from, "%d", restored_from);
    if (!(st = db_exec(db, &UPDATE_AGENT, p, NULL)))
        st = snapshot(db, org, user, a->id, action, restored_from ? from : NULL, out);
    db_params_cleanup(&ap);
    return st;
}

/* Loads, edits and writes an agent in db's transaction. */
static status_t edit_agent(db_t *db, const char *org, const char *user, const char *id,
                           agents_edit_fn edit, void *arg, const char *action, int restored_from,
                           Agents__Agent **out, char *why, size_t whylen)
{
    Agents__Agent *a = NULL, *written = NULL;
    const char *p[] = {org, id};
    status_t st;

    if ((st = svc_store_one(db, &LOCK_AGENT, p, &agents__agent__descriptor,
                            (ProtobufCMessage **)&a)))
        goto done;
    if ((st = edit(db, a, arg, why, whylen)) ||
        (st = write_agent(db, org, user, a, action, restored_from, &written)) ||
        (st = agents_event_agent(db, "updated", org, user, written, restored_from)))
        goto done;
    *out = written;
    written = NULL;
done:
    svc_msg_free(a);
    svc_msg_free(written);
    return st;
}

status_t agents_store_update(db_pool_t *pool, const char *org, const char *user, const char *id,
                             agents_edit_fn edit, void *arg, Agents__Agent **out, char *why,
                             size_t whylen)
{
    Agents__Agent *a = NULL;
    db_t *db = NULL;
    status_t st;

    if ((st = svc_tx_begin(pool, org, &db)) ||
        (st = edit_agent(db, org, user, id, edit, arg, "update", 0, &a, why, whylen)) ||
        (st = db_commit(db)))
        goto done;
    *out = a;
    a = NULL;
done:
    db_release(db);
    svc_msg_free(a);
    return st;
}

/* The restore edit: replaces the configuration by that of a stored version. */
typedef struct {
    const char *org, *id;
    int version;
} restore_t;

static void move_config(Agents__Agent *dst, Agents__Agent *src)
{
    /* Swap every writable field; src (freed by the caller) takes the old values. */
#define SWAP(f)                                                                                    \
    do {                                                                                           \
        __typeof__(dst->f) t_ = dst->f;                                                            \
        dst->f = src->f;                                                                           \
        src->f = t_;                                                                               \
    } while (0)
    SWAP(name);
    SWAP(description);
    SWAP(has_status);
    SWAP(status);
    SWAP(model);
    SWAP(instructions);
    SWAP(has_temperature);
    SWAP(temperature);
    SWAP(has_max_tokens);
    SWAP(max_tokens);
    SWAP(has_response_delay_seconds);
    SWAP(response_delay_seconds);
    SWAP(n_channels);
    SWAP(channels);
    SWAP(n_pipeline_ids);
    SWAP(pipeline_ids);
    SWAP(n_pipeline_status_ids);
    SWAP(pipeline_status_ids);
    SWAP(n_kb_category_ids);
    SWAP(kb_category_ids);
    SWAP(working_hours);
    SWAP(has_language);
    SWAP(language);
#undef SWAP
}

static status_t restore_edit(db_t *db, void *row, void *arg, char *why, size_t whylen)
{
    restore_t *r = arg;
    Agents__Agent *snap = NULL;
    char version[16];
    status_t st;

    snprintf(version, sizeof version, "%d", r->version);
    const char *p[] = {r->org, r->id, version};
    st = exec_json(db, &GET_SNAPSHOT, p, &agents__agent__descriptor, (ProtobufCMessage **)&snap);
    if (st == ST_NOT_FOUND)
        snprintf(why, whylen, "version: agent %s has no version %d", r->id, r->version);
    if (st)
        goto done;
    move_config(row, snap);
    if ((st = agents_validate_agent(row, why, whylen)))
        st = ST_CONFLICT; /* a snapshot that later rules no longer accept */
done:
    svc_msg_free(snap);
    return st;
}

status_t agents_store_restore(db_pool_t *pool, const char *org, const char *user, const char *id,
                              int version, Agents__Agent **out, char *why, size_t whylen)
{
    Agents__Agent *a = NULL;
    restore_t r = {org, id, version};
    db_t *db = NULL;
    status_t st;

    if ((st = svc_tx_begin(pool, org, &db)) ||
        (st = edit_agent(db, org, user, id, restore_edit, &r, "restore", version, &a, why,
                         whylen)) ||
        (st = db_commit(db)))
        goto done;
    *out = a;
    a = NULL;
done:
    db_release(db);
    svc_msg_free(a);
    return st;
}

status_t agents_store_delete(db_pool_t *pool, const char *org, const char *user, const char *id)
{
    Agents__Agent *a = NULL;
    db_t *db = NULL;
    const char *p[] = {org, id};
    status_t st;

    if ((st = svc_tx_begin(pool, org, &db)) ||
        (st = svc_store_one(db, &DELETE_AGENT, p, &agents__agent__descriptor,
                            (ProtobufCMessage **)&a)) ||
        (st = agents_event_agent(db, "deleted", org, user, a, 0)))
        goto done;
    st = db_commit(db);
done:
    db_release(db);
    svc_msg_free(a);
    return st;
}

status_t agents_store_duplicate(db_pool_t *pool, const char *org, const char *user, const char *id,
                                Agents__Agent **out)
{
    Agents__Agent *src = NULL, *copy = NULL;
    Agents__Script *script = NULL;
    PGresult *res = NULL;
    db_t *db = NULL;
    const char *p[] = {org, id};
    status_t st;

    if ((st = svc_tx_begin(pool, org, &db)) ||
        (st = svc_store_one(db, &GET_AGENT, p, &agents__agent__descriptor,
                            (ProtobufCMessage **)&src)))
        goto done;
    char *name = agents_copy_name(src->name);
    free(src->name);
    src->name = name;
    if ((st = insert_agent(db, org, user, src, "duplicate", &copy)) ||
        (st = agents_event_agent(db, "created", org, user, copy, 0)))
        goto done;
    const char *cp[] = {org, id, copy->id, user};
    if ((st = db_exec(db, &COPY_SCRIPTS, cp, &res)))
        goto done;
    for (int i = 0; i < db_nrows(res); i++) {
        if ((st = row_msg(res, i, &agents__script__descriptor, (ProtobufCMessage **)&script)) ||
            (st = agents_event_script(db, "created", org, user, script)))
            goto done;
        svc_msg_free(script);
        script = NULL;
    }
    if ((st = db_commit(db)))
        goto done;
    *out = copy;
    copy = NULL;
done:
    PQclear(res);
    db_release(db);
    svc_msg_free(src);
    svc_msg_free(copy);
    svc_msg_free(script);
    return st;
}

status_t agents_store_list_versions(db_pool_t *pool, const char *org, const char *id,
                                    const svc_page_t *page, Agents__VersionList **out)
{
    Agents__VersionList *list = svc_msg_new(&agents__version_list__descriptor);
    PGresult *res = NULL;
    db_t *db = NULL;
    char limit[16], offset[24];
    status_t st;

    snprintf(limit, sizeof limit, "%d", page->per_page);
    snprintf(offset, sizeof offset, "%lld", (long long)svc_page_offset(page));
    const char *p[] = {org, id, limit, offset};
    if ((st = svc_tx_begin(pool, org, &db)) || (st = db_exec(db, &COUNT_VERSIONS, p, &res)))
        goto done;
    if (!db_get_bool(res, 0, 0)) {
        st = ST_NOT_FOUND;
        goto done;
    }
    list->has_total = true;
    list->total = (int32_t)db_get_int(res, 0, 1);
    PQclear(res);
    res = NULL;
    if ((st = db_exec(db, &LIST_VERSIONS, p, &res)))
        goto done;
    list->n_items = (size_t)db_nrows(res);
    list->items = xcalloc(list->n_items + 1, sizeof *list->items);
    for (int i = 0; i < db_nrows(res); i++) {
        if ((st = json_msg(db_get(res, i, 0), &agents__agent_version__descriptor,
                           (ProtobufCMessage **)&list->items[i]))) {
            list->n_items = (size_t)i;
            goto done;
        }
    }
    if ((st = db_commit(db)))
        goto done;
    svc_page_reply(&list->base, page, list->total);
    *out = list;
    list = NULL;
done:
    PQclear(res);
    db_release(db);
    svc_msg_free(list);
    return st;
}

/* ---- scripts ------------------------------------------------------------------------------- */

/* ST_NOT_FOUND unless agent id exists in org (locked against deletion until commit). */
static status_t agent_exists(db_t *db, const char *org, const char *id)
{
    PGresult *res = NULL;
    const char *p[] = {org, id};
    status_t st = db_exec(db, &AGENT_EXISTS, p, &res);
    if (!st && db_nrows(res) == 0)
        st = ST_NOT_FOUND;
    PQclear(res);
    return st;
}

status_t agents_store_list_scripts(db_pool_t *pool, const char *org, const char *agent_id,
                                   Agents__ScriptList **out)
{
    Agents__ScriptList *list = svc_msg_new(&agents__script_list__descriptor);
    PGresult *res = NULL;
    db_t *db = NULL;
    const char *p[] = {org, agent_id};
    status_t st;

    if ((st = svc_tx_begin(pool, org, &db)) || (st = agent_exists(db, org, agent_id)) ||
        (st = db_exec(db, &LIST_SCRIPTS, p, &res)))
        goto done;
    list->n_items = (size_t)db_nrows(res);
    list->items = xcalloc(list->n_items + 1, sizeof *list->items);
    for (int i = 0; i < db_nrows(res); i++) {
        if ((st = row_msg(res, i, &agents__script__descriptor,
                          (ProtobufCMessage **)&list->items[i]))) {
            list->n_items = (size_t)i;
            goto done;
        }
    }
    if ((st = db_commit(db)))
        goto done;
    list->has_total = true;
    list->total = (int32_t)list->n_items;
    *out = list;
    list = NULL;
done:
    PQclear(res);
    db_release(db);
    svc_msg_free(list);
    return st;
}

status_t agents_store_get_script(db_pool_t *pool, const char *org, const char *agent_id,
                                 const char *id, Agents__Script **out)
{
    Agents__Script *s = NULL;
    db_t *db = NULL;
    const char *p[] = {org, agent_id, id};
    status_t st;

    if ((st = svc_tx_begin(pool, org, &db)) ||
        (st = svc_store_one(db, &GET_SCRIPT, p, &agents__script__descriptor,
                            (ProtobufCMessage **)&s)) ||
        (st = db_commit(db)))
        goto done;
    *out = s;
    s = NULL;
done:
    db_release(db);
    svc_msg_free(s);
    return st;
}

status_t agents_store_create_script(db_pool_t *pool, const char *org, const char *user,
                                    const char *agent_id, const Agents__Script *s,
                                    Agents__Script **out)
{
    Agents__Script *created = NULL;
    db_params_t w;
    db_t *db = NULL;
    status_t st;

    if ((st = db_msg_params(&s->base, SCRIPT_WRITTEN, &w)))
        goto done;
    const char *p[] = {org, agent_id, w.v[0], w.v[1], w.v[2], w.v[3], user};
    if ((st = svc_tx_begin(pool, org, &db)) || (st = agent_exists(db, org, agent_id)) ||
        (st = svc_store_one(db, &INSERT_SCRIPT, p, &agents__script__descriptor,
                            (ProtobufCMessage **)&created)) ||
        (st = agents_event_script(db, "created", org, user, created)) || (st = db_commit(db)))
        goto done;
    *out = created;
    created = NULL;
done:
    db_release(db);
    db_params_cleanup(&w);
    svc_msg_free(created);
    return st;
}

status_t agents_store_update_script(db_pool_t *pool, const char *org, const char *user,
                                    const char *agent_id, const char *id, agents_edit_fn edit,
                                    void *arg, Agents__Script **out, char *why, size_t whylen)
{
    Agents__Script *s = NULL, *written = NULL;
    db_params_t w = {0};
    db_t *db = NULL;
    const char *p[] = {org, agent_id, id};
    status_t st;

    if ((st = svc_tx_begin(pool, org, &db)) ||
        (st = svc_store_one(db, &LOCK_SCRIPT, p, &agents__script__descriptor,
                            (ProtobufCMessage **)&s)) ||
        (st = edit(db, s, arg, why, whylen)))
        goto done;
    if ((st = db_msg_params(&s->base, SCRIPT_WRITTEN, &w)))
        goto done;
    const char *u[] = {org, agent_id, id, w.v[0], w.v[1], w.v[2], w.v[3], user};
    if ((st = svc_store_one(db, &UPDATE_SCRIPT, u, &agents__script__descriptor,
                            (ProtobufCMessage **)&written)) ||
        (st = agents_event_script(db, "updated", org, user, written)) || (st = db_commit(db)))
        goto done;
    *out = written;
    written = NULL;
done:
    db_release(db);
    db_params_cleanup(&w);
    svc_msg_free(s);
    svc_msg_free(written);
    return st;
}

status_t agents_store_delete_script(db_pool_t *pool, const char *org, const char *user,
                                    const char *agent_id, const char *id)
{
    Agents__Script *s = NULL;
    db_t *db = NULL;
    const char *p[] = {org, agent_id, id};
    status_t st;

    if ((st = svc_tx_begin(pool, org, &db)) ||
        (st = svc_store_one(db, &DELETE_SCRIPT, p, &agents__script__descriptor,
                            (ProtobufCMessage **)&s)) ||
        (st = agents_event_script(db, "deleted", org, user, s)))
        goto done;
    st = db_commit(db);
done:
    db_release(db);
    svc_msg_free(s);
    return st;
}
