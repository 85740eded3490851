/* dbtable.h - the column lists of a table that stores a message, derived once at start-up from
 * the message's descriptor and the table's catalog, so a new field is its proto field and its
 * column (a migration), never a list of names in a store.
 *
 * Every field of the message is a column of the same name, except those the spec names as no
 * column. The store's own columns (org_id, ...) need not be fields. Reading: `select` lists
 * every column field as <alias>.<name> (timestamptz columns in the API's RFC 3339 form, named
 * after the field), for db_row_to_msg. Writing: the fields not `managed` (which the store sets
 * itself: id, version, timestamps, authors) are written, in descriptor order, from the message's
 * db_msg_params; each value is cast to its column's type, and an unset field takes the column's
 * default (coalesce), or NULL where it has none.
 *
 *     static const char *const MANAGED[] = {"id", "version", "created_at", NULL};
 *     static const db_table_spec_t SPEC = {"x.things", "t", &x__thing__descriptor, NULL, MANAGED};
 *     static db_table_t things;                       // loaded in the start hook
 *     db_table_load(db, &SPEC, &things);
 *     buf_printf(&sql, "INSERT INTO x.things (org_id, %s) VALUES ($1, ", things.columns);
 *     db_table_values(&things, 2, &sql);              // $2..$(1 + things.n_written)
 *     ...
 *     db_msg_params(&thing->base, things.written, &p);
 */
#ifndef SHARED_DBTABLE_H
#define SHARED_DBTABLE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "shared/db.h"
#include "shared/dbmsg.h"
#include "shared/util.h"

/* A timestamptz column in the API's form, RFC 3339 UTC with milliseconds, in SQL text. */
#define DB_TS_FORMAT "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"
#define DB_TS(col)   "to_char(" col " AT TIME ZONE 'UTC', " DB_TS_FORMAT ")"

typedef struct {
    const char *table; /* schema-qualified: "agents.agents" */
    const char *alias; /* the table's alias in the statements: "a" */
    const ProtobufCMessageDescriptor *desc;
    const char *const *not_columns; /* fields that are no column (NULL-terminated; may be NULL) */
    const char *const *managed;     /* column fields the store sets, never written from the
                                       message (NULL-terminated; may be NULL) */
} db_table_spec_t;

typedef struct {
    char *select;                           /* "a.id, a.name, ..., to_char(...) AS created_at" */
    char *columns;                          /* the written columns: "name, description, ..." */
    const char *written[DB_PARAMS_MAX + 1]; /* their fields, in order, NULL-terminated */
    size_t n_written;
    char *type[DB_PARAMS_MAX]; /* private: each written column's type ("uuid[]") */
    char *dflt[DB_PARAMS_MAX]; /* private: its default expression, NULL for none */
} db_table_t;

/* Reads the table's columns (types, defaults) through db and derives the lists. ST_INTERNAL
 * (logged, naming it) when a field has no column and is not listed as none, a listed name is no
 * field, or more than DB_PARAMS_MAX fields are written: the proto, the migration and the spec
 * disagree. out is safe to clean up either way. */
status_t db_table_load(db_t *db, const db_table_spec_t *spec, db_table_t *out /* OUT */);
void db_table_cleanup(db_table_t *t);

/* Appends the written values with parameters $first.. ("coalesce($2::text, ''::text), ..."). */
void db_table_values(const db_table_t *t, int first, buf_t *out);
/* Appends the assignments of the written columns ("name = $3::text, ...") from $first, with
 * the same values. */
void db_table_assignments(const db_table_t *t, int first, buf_t *out);

#endif
