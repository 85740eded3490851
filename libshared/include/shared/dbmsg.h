/* dbmsg.h - query rows into protobuf messages by column name, so a store never hand-copies
 * columns into fields.
 *
 * A column's name is the path of the field it fills: `email`, or `user.email` for a field of a
 * nested message (quote such aliases in SQL: `u.email AS "user.email"`). Text values are
 * converted by the field's type (numbers, enums by name, bytes as base64; PostgreSQL's t/f for
 * booleans); SQL NULL leaves the field unset. Nested messages are created when a column first
 * sets one of their fields. An array column (text[], uuid[], int4[], ...) fills a repeated
 * scalar field element by element (NULL elements skipped); any other column adds one element.
 * A json/jsonb column fills a singular message field as its JSON form (pbjson). A column whose
 * name starts with '_' is no field and is skipped (`count(*) OVER () AS _total`).
 *
 *     static const db_stmt_t GET = {"x_get", "SELECT id, name, " TS("created_at") " AS created_at "
 *                                            "FROM x.things WHERE org_id = $1 AND id = $2", 2};
 *     ...
 *     X__Thing *t = (X__Thing *)pbjson_new(&x__thing__descriptor);
 *     if ((st = db_row_to_msg(res, 0, &t->base))) ...
 */
#ifndef SHARED_DBMSG_H
#define SHARED_DBMSG_H

#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>

#include "shared/status.h"

/* Fills m from row `row` of res. ST_INTERNAL (logged once, naming the column) when a column
 * names no field or holds a value the field cannot take: the SQL and the proto disagree, which
 * is a programming error, not bad input. */
status_t db_row_to_msg(const PGresult *res, int row, ProtobufCMessage *m);

/* A new message of type d filled from row `row` (NULL, logged, on ST_INTERNAL). */
ProtobufCMessage *db_row_new_msg(const PGresult *res, int row, const ProtobufCMessageDescriptor *d);

/* Fills the repeated message field `field` of list with one message per row of res (each by
 * db_row_to_msg), appending to what it holds. ST_INTERNAL (logged) when list has no such
 * repeated message field or a row does not fit; list stays valid and freeable either way. */
status_t db_rows_to_repeated(const PGresult *res, ProtobufCMessage *list, const char *field);

/* The other way: fields of a message as the text parameters of a statement, so a store names the
 * columns it writes once, as field names. Each value is the field's JSON form (pbjson): strings
 * as is, numbers as text, enums by name, bools t/f, a repeated field as a PostgreSQL array
 * literal ({"a","b"}), a message field as JSON; an unset field (or an empty list) is SQL NULL
 * (coalesce it in SQL where the column has a default).
 *
 *     static const char *const WRITTEN[] = {"name", "status", "channels", NULL};
 *     db_params_t wp;
 *     if ((st = db_msg_params(&thing->base, WRITTEN, &wp))) goto done;
 *     const char *p[] = {org, wp.v[0], wp.v[1], wp.v[2]};
 *     ...
 *     db_params_cleanup(&wp);
 */
#define DB_PARAMS_MAX 32
typedef struct {
    const char *v[DB_PARAMS_MAX]; /* one per field, NULL = SQL NULL; valid until cleanup */
    size_t n;
    char *owned[DB_PARAMS_MAX];
} db_params_t;

/* Fills out (caller storage) from the fields of m named in fields (NULL-terminated, at most
 * DB_PARAMS_MAX). ST_INTERNAL (logged) when m has no such field: a programming error. out is
 * always safe to clean up. */
status_t db_msg_params(const ProtobufCMessage *m, const char *const *fields, db_params_t *out);
void db_params_cleanup(db_params_t *p);

#endif
