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
#include "shared/dbtable.h"
#include "shared/msgpatch.h"
#include "shared/outbox.h"
#include "shared/log.h"
#include "shared/pbjson.h"
#include "shared/util.h"

/* A timestamptz column as RFC 3339 UTC with milliseconds, like time_format_rfc3339. */

/* clang-format off */

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

/* ---- the agents table ------------------------------------------------------------------------
 *
 * Its columns are the fields of Agent (dbtable.h): every field is a column of the same name,
 * read the one way (AGENT_COLS below, for rows and for the JSON of version snapshots, so GET,
 * PATCH and history agree); the fields the store sets itself are MANAGED, every other field is
 * written from the message. A new field is its proto field and its column. The statements that
 * name the columns are templates with AGENT_COLS, AGENT_VALUES and AGENT_SET, expanded once by
 * agents_store_init (before serving) and prepared per connection as usual. */

static const char *const AGENT_MANAGED[] = {"id",         "version",    "created_at",
                                            "updated_at", "created_by", "updated_by", NULL};
static const db_table_spec_t AGENT_TABLE = {"agents.agents", "a", &agents__agent__descriptor, NULL,
                                            AGENT_MANAGED};
static db_table_t agent_table;

#define AGENT_COLS   "\x01" /* the read list */
#define AGENT_NAMES  "\x02" /* the written columns */
#define AGENT_VALUES "\x03" /* their values from $2 (INSERT) */
#define AGENT_SET    "\x04" /* their assignments from $3 (UPDATE) */
#define AGENT_USER   "\x05" /* the parameter after them: the acting user */

/* The page is chosen on bare ids first, so only its rows are turned into JSON. */
static db_stmt_t LIST_AGENTS = {"agents_list",
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
static db_stmt_t GET_AGENT = {"agents_get",
    "SELECT " AGENT_COLS " FROM agents.agents a WHERE a.org_id = $1 AND a.id = $2", 2};
static db_stmt_t LOCK_AGENT = {"agents_lock",
    "SELECT " AGENT_COLS " FROM agents.agents a WHERE a.org_id = $1 AND a.id = $2 "
    "FOR UPDATE", 2};
/* $1 org, $2.. the written fields, then the user: nparams set by agents_store_init. */
static db_stmt_t INSERT_AGENT = {"agents_insert",
    "INSERT INTO agents.agents (org_id, " AGENT_NAMES ", created_by, updated_by) "
    "VALUES ($1, " AGENT_VALUES ", " AGENT_USER ", " AGENT_USER ") RETURNING id", 0};
/* $1 org, $2 id, $3.. the written fields, then the user. */
static db_stmt_t UPDATE_AGENT = {"agents_update",
    "UPDATE agents.agents SET " AGENT_SET ", updated_by = " AGENT_USER ", updated_at = now(), "
    "  version = version + 1 "
    "WHERE org_id = $1 AND id = $2", 0};
/* Snapshots the agent as it is now into its current version; answers that snapshot. */
static db_stmt_t INSERT_VERSION = {"agents_insert_version",
    "INSERT INTO agents.versions "
    "  (org_id, agent_id, version, action, restored_from, snapshot, created_by) "
    "SELECT $1, r.id, r.version, $3, $4::int, jsonb_strip_nulls(to_jsonb(r)), $5 "
    "FROM (SELECT " AGENT_COLS " FROM agents.agents a WHERE a.org_id = $1 AND a.id = $2) r "
    "RETURNING snapshot::text", 5};
static db_stmt_t DELETE_AGENT = {"agents_delete",
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

/* Categories rag deleted (002_deleted_categories.sql). Every write of an agent's configuration
 * holds KB_SHARED from its start, the consumer of a deletion KB_EXCLUSIVE: a write either
 * commits before the consumer looks for the agents holding the id, or reads its record. */
static const db_stmt_t KB_SHARED = {"agents_kb_shared",
    "SELECT pg_advisory_xact_lock_shared(hashtext('agents.kb:' || $1))", 1};
static const db_stmt_t KB_EXCLUSIVE = {"agents_kb_exclusive",
    "SELECT pg_advisory_xact_lock(hashtext('agents.kb:' || $1))", 1};
static const db_stmt_t DELETED_AMONG = {"agents_deleted_among",
    "SELECT id FROM agents.deleted_categories WHERE org_id = $1 AND id = ANY ($2::uuid[])", 2};
static const db_stmt_t RECORD_DELETED = {"agents_record_deleted",
    "INSERT INTO agents.deleted_categories (org_id, id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    2};
static const db_stmt_t AGENTS_WITH_CATEGORY = {"agents_with_category",
    "SELECT id FROM agents.agents WHERE org_id = $1 AND kb_category_ids @> ARRAY[$2::uuid] "
    "ORDER BY id", 2};

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

/* The statements naming the agents table's columns, expanded by agents_store_init. */
static db_stmt_t *const AGENT_STMTS[] = {&LIST_AGENTS,  &GET_AGENT,    &LOCK_AGENT,
                                         &INSERT_AGENT, &UPDATE_AGENT, &INSERT_VERSION,
                                         &DELETE_AGENT};
static const char *agent_templates[ARRAY_LEN(AGENT_STMTS)];

/* The template's markers replaced by the column lists; *nparams raised to the user's number. */
static char *expand(const char *tmpl, int *nparams)
{
    int first = strstr(tmpl, AGENT_SET) ? 3 : 2, user = first + (int)agent_table.n_written;
    buf_t sql = BUF_INIT;

    for (const char *c = tmpl; *c; c++) {
        if (*c == AGENT_COLS[0])
            buf_puts(&sql, agent_table.select);
        else if (*c == AGENT_NAMES[0])
            buf_puts(&sql, agent_table.columns);
        else if (*c == AGENT_VALUES[0])
            db_table_values(&agent_table, first, &sql);
        else if (*c == AGENT_SET[0])
            db_table_assignments(&agent_table, first, &sql);
        else if (*c == AGENT_USER[0])
            buf_printf(&sql, "$%d", *nparams = user);
        else
            buf_putc(&sql, *c);
    }
    return buf_steal(&sql);
}

status_t agents_store_init(db_pool_t *pool)
{
    db_t *db = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_table_load(db, &AGENT_TABLE, &agent_table)))
        goto done;
    for (size_t i = 0; i < ARRAY_LEN(AGENT_STMTS); i++) {
        agent_templates[i] = AGENT_STMTS[i]->sql;
        AGENT_STMTS[i]->sql = expand(AGENT_STMTS[i]->sql, &AGENT_STMTS[i]->nparams);
    }
done:
    db_release(db);
    return st;
}

void agents_store_cleanup(void)
{
    for (size_t i = 0; i < ARRAY_LEN(AGENT_STMTS); i++) {
        if (!agent_templates[i])
            continue;
        free((char *)AGENT_STMTS[i]->sql);
        AGENT_STMTS[i]->sql = agent_templates[i];
        agent_templates[i] = NULL;
    }
    db_table_cleanup(&agent_table);
}

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

/* Removes from a's kb_category_ids the categories rag has deleted (their order kept). Run in
 * a transaction holding KB_SHARED or KB_EXCLUSIVE. */
static status_t forget_deleted(db_t *db, const char *org, Agents__Agent *a)
{
    PGresult *res = NULL;
    buf_t ids = BUF_INIT;
    status_t st = ST_OK;

    if (!a->n_kb_category_ids)
        return ST_OK;
    buf_putc(&ids, '{');
    for (size_t i = 0; i < a->n_kb_category_ids; i++) /* validated UUIDs */
        buf_printf(&ids, "%s%s", i ? "," : "", a->kb_category_ids[i]);
    buf_putc(&ids, '}');
    const char *p[] = {org, ids.data};
    if ((st = db_exec(db, &DELETED_AMONG, p, &res)))
        goto done;
    for (int r = 0; r < db_nrows(res); r++) {
        size_t kept = 0;
        for (size_t i = 0; i < a->n_kb_category_ids; i++) {
            if (strcmp(a->kb_category_ids[i], db_get(res, r, 0)) == 0)
                free(a->kb_category_ids[i]);
            else
                a->kb_category_ids[kept++] = a->kb_category_ids[i];
        }
        a->n_kb_category_ids = kept;
    }
done:
    PQclear(res);
    buf_cleanup(&ids);
    return st;
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
static status_t insert_agent(db_t *db, const char *org, const char *user, Agents__Agent *a,
                             const char *action, Agents__Agent **out)
{
    db_params_t ap = {0};
    PGresult *res = NULL;
    status_t st;
    const char *o[] = {org};

    if ((st = db_exec(db, &KB_SHARED, o, NULL)) || (st = forget_deleted(db, org, a)) ||
        (st = db_msg_params(&a->base, agent_table.written, &ap)))
        goto done;
    const char *p[DB_PARAMS_MAX + 2] = {org};
    memcpy(p + 1, ap.v, ap.n * sizeof *p);
    p[ap.n + 1] = user;
    if ((st = db_exec(db, &INSERT_AGENT, p, &res)))
        goto done;
    st = snapshot(db, org, user, db_get(res, 0, 0), action, NULL, out);
done:
    PQclear(res);
    db_params_cleanup(&ap);
    return st;
}

status_t agents_store_create(db_pool_t *pool, const char *org, const char *user, Agents__Agent *a,
                             Agents__Agent **out)
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

    if ((st = db_msg_params(&a->base, agent_table.written, &ap)))
        return st;
    const char *p[DB_PARAMS_MAX + 3] = {org, a->id};
    memcpy(p + 2, ap.v, ap.n * sizeof *p);
    p[ap.n + 2] = user;
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

    /* KB_SHARED before the row lock: the deletion consumer takes them in the same order. */
    if ((st = db_exec(db, &KB_SHARED, p, NULL)) ||
        (st = svc_store_one(db, &LOCK_AGENT, p, &agents__agent__descriptor,
                            (ProtobufCMessage **)&a)))
        goto done;
    if ((st = edit(db, a, arg, why, whylen)) || (st = forget_deleted(db, org, a)) ||
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

/* dst's configuration (every written field) becomes src's; src (freed by the caller) keeps the
 * rest. */
static void move_config(Agents__Agent *dst, Agents__Agent *src)
{
    for (size_t i = 0; i < agent_table.n_written; i++)
        msgpatch_clear(&dst->base, agent_table.written[i]);
    msgpatch_merge(&dst->base, &src->base, AGENT_MANAGED);
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

/* ---- categories rag deleted ------------------------------------------------------------------ */

/* The edit of an agent holding a deleted category: edit_agent's forget_deleted does the work. */
static status_t no_edit(db_t *db, void *row, void *arg, char *why, size_t whylen)
{
    (void)db, (void)row, (void)arg, (void)why, (void)whylen;
    return ST_OK;
}

status_t agents_store_category_deleted(db_pool_t *pool, const char *org, const char *actor,
                                       const char *category_id, const char *msg_id, int *changed)
{
    PGresult *res = NULL;
    Agents__Agent *a = NULL;
    db_t *db = NULL;
    bool first = false;
    char why[SVC_WHY_SIZE];
    const char *p[] = {org, category_id};
    status_t st;

    *changed = 0;
    if ((st = svc_tx_begin(pool, org, &db)) ||
        (st = outbox_applied(db, "agents", AGENTS_CONSUMER_CATEGORY_DELETED, msg_id, &first)))
        goto done;
    if (!first)
        goto done; /* applied before: the transaction commits nothing new */
    if ((st = db_exec(db, &KB_EXCLUSIVE, p, NULL)) ||
        (st = db_exec(db, &RECORD_DELETED, p, NULL)) ||
        (st = db_exec(db, &AGENTS_WITH_CATEGORY, p, &res)))
        goto done;
    for (int i = 0; i < db_nrows(res); i++) {
        st = edit_agent(db, org, actor, db_get(res, i, 0), no_edit, NULL, "update", 0, &a, why,
                        sizeof why);
        if (st == ST_NOT_FOUND) /* deleted since: nothing to drop */
            continue;
        if (st)
            goto done;
        svc_msg_free(a);
        a = NULL;
        (*changed)++;
    }
done:
    PQclear(res);
    st = svc_tx_end(&db, st);
    if (st)
        *changed = 0;
    return st;
}
