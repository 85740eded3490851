/* dbtable.c - a table's column lists from a message descriptor and the catalog (dbtable.h):
 * one catalog query per table at start-up, then plain strings the store builds its prepared
 * statements from. */
#include "shared/dbtable.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"

/* Every live column of $1 with its type and default expression. */
static const db_stmt_t COLUMNS = {
    "dbtable_columns",
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid) "
    "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
    "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
    1};

static bool listed(const char *const *names, const char *name)
{
    for (; names && *names; names++)
        if (strcmp(*names, name) == 0)
            return true;
    return false;
}

static int column_row(const PGresult *res, const char *name)
{
    for (int i = 0; i < db_nrows(res); i++)
        if (strcmp(db_get(res, i, 0), name) == 0)
            return i;
    return -1;
}

/* Every name of names is a field of d. */
static bool all_fields(const db_table_spec_t *spec, const char *const *names)
{
    for (; names && *names; names++) {
        if (!protobuf_c_message_descriptor_get_field_by_name(spec->desc, *names)) {
            LOG_ERROR("dbtable: %s: %s names no field of %s", spec->table, *names,
                      spec->desc->name);
            return false;
        }
    }
    return true;
}

status_t db_table_load(db_t *db, const db_table_spec_t *spec, db_table_t *out)
{
    buf_t select = BUF_INIT, columns = BUF_INIT;
    PGresult *res = NULL;
    const char *p[] = {spec->table};
    status_t st;

    memset(out, 0, sizeof *out);
    if (!all_fields(spec, spec->not_columns) || !all_fields(spec, spec->managed)) {
        st = ST_INTERNAL;
        goto done;
    }
    if ((st = db_exec(db, &COLUMNS, p, &res)))
        goto done;
    for (unsigned i = 0; i < spec->desc->n_fields; i++) {
        const char *name = spec->desc->fields[i].name;
        if (listed(spec->not_columns, name))
            continue;
        int row = column_row(res, name);
        if (row < 0) {
            LOG_ERROR("dbtable: %s has no column %s for the field of %s (a migration is missing, "
                      "or list it as no column)",
                      spec->table, name, spec->desc->name);
            st = ST_INTERNAL;
            goto done;
        }
        const char *type = db_get(res, row, 1);
        if (select.len)
            buf_puts(&select, ", ");
        if (strcmp(type, "timestamp with time zone") == 0)
            buf_printf(&select, "to_char(%s.%s AT TIME ZONE 'UTC', " DB_TS_FORMAT ") AS %s",
                       spec->alias, name, name);
        else
            buf_printf(&select, "%s.%s", spec->alias, name);
        if (listed(spec->managed, name))
            continue;
        if (out->n_written == DB_PARAMS_MAX) {
            LOG_ERROR("dbtable: %s: more than %d written fields", spec->table, DB_PARAMS_MAX);
            st = ST_INTERNAL;
            goto done;
        }
        buf_printf(&columns, "%s%s", columns.len ? ", " : "", name);
        out->written[out->n_written] = name;
        out->type[out->n_written] = xstrdup(type);
        out->dflt[out->n_written] = PQgetisnull(res, row, 2) ? NULL : xstrdup(db_get(res, row, 2));
        out->n_written++;
    }
    out->select = buf_steal(&select);
    out->columns = buf_steal(&columns);
done:
    PQclear(res);
    buf_cleanup(&select);
    buf_cleanup(&columns);
    return st;
}

void db_table_cleanup(db_table_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_written; i++) {
        free(t->type[i]);
        free(t->dflt[i]);
    }
    free(t->select);
    free(t->columns);
    memset(t, 0, sizeof *t);
}

static void value(const db_table_t *t, size_t i, int n, buf_t *out)
{
    if (t->dflt[i])
        buf_printf(out, "coalesce($%d::%s, %s)", n, t->type[i], t->dflt[i]);
    else
        buf_printf(out, "$%d::%s", n, t->type[i]);
}

void db_table_values(const db_table_t *t, int first, buf_t *out)
{
    for (size_t i = 0; i < t->n_written; i++) {
        if (i)
            buf_puts(out, ", ");
        value(t, i, first + (int)i, out);
    }
}

void db_table_assignments(const db_table_t *t, int first, buf_t *out)
{
    for (size_t i = 0; i < t->n_written; i++) {
        buf_printf(out, "%s%s = ", i ? ", " : "", t->written[i]);
        value(t, i, first + (int)i, out);
    }
}
