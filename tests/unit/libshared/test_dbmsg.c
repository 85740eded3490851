/* test_dbmsg.c - rows into messages by column name, on result sets built in memory with libpq's
 * PQmakeEmptyPGresult/PQsetvalue (no server needed). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "proto/testmsg.pb-c.h"
#include "shared/dbmsg.h"
#include "shared/log.h"
#include "shared/pbjson.h"

/* A one-row result with the given column names, types and values (NULL value = SQL NULL). */
static PGresult *typed_result(int n, const char *const names[], const Oid types[],
                              const char *const values[])
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc attrs[16];
    memset(attrs, 0, sizeof attrs);
    for (int i = 0; i < n; i++) {
        attrs[i].name = (char *)names[i];
        attrs[i].format = 0;
        attrs[i].typid = types ? types[i] : 25; /* text */
        attrs[i].typlen = -1;
        attrs[i].atttypmod = -1;
    }
    cr_assert(PQsetResultAttrs(res, n, attrs));
    for (int i = 0; i < n; i++)
        cr_assert(
            PQsetvalue(res, 0, i, (char *)values[i], values[i] ? (int)strlen(values[i]) : -1));
    return res;
}

/* A one-row result of text columns. */
static PGresult *result(int n, const char *const names[], const char *const values[])
{
    return typed_result(n, names, NULL, values);
}

static void quiet(void)
{
    log_init("test", getenv("TEST_LOG") ? "debug" : "off");
}

TestSuite(dbmsg, .init = quiet);

Test(dbmsg, scalars_by_column_name)
{
    const char *names[] = {"f_string", "f_int64", "f_bool", "f_double", "f_role", "f_uint32"};
    const char *values[] = {"hello", "-9000000000", "t", "2.5", "owner", "4000000000"};
    PGresult *res = result(6, names, values);
    Testmsg__AllTypes *m =
        (Testmsg__AllTypes *)db_row_new_msg(res, 0, &testmsg__all_types__descriptor);
    cr_assert_not_null(m);
    cr_assert_str_eq(m->f_string, "hello");
    cr_assert(m->has_f_int64 && m->f_int64 == -9000000000LL);
    cr_assert(m->has_f_bool && m->f_bool);
    cr_assert(m->has_f_double && m->f_double == 2.5);
    cr_assert(m->has_f_role && m->f_role == TESTMSG__ROLE__ROLE_OWNER);
    cr_assert(m->has_f_uint32 && m->f_uint32 == 4000000000u);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    PQclear(res);
}

Test(dbmsg, false_and_null)
{
    const char *names[] = {"f_bool", "f_string", "f_int32"};
    const char *values[] = {"f", NULL, NULL};
    PGresult *res = result(3, names, values);
    Testmsg__AllTypes *m =
        (Testmsg__AllTypes *)db_row_new_msg(res, 0, &testmsg__all_types__descriptor);
    cr_assert_not_null(m);
    cr_assert(m->has_f_bool && !m->f_bool);
    cr_assert_null(m->f_string, "SQL NULL leaves a string unset");
    cr_assert(!m->has_f_int32, "SQL NULL leaves a scalar unset");
    protobuf_c_message_free_unpacked(&m->base, NULL);
    PQclear(res);
}

Test(dbmsg, nested_messages_by_dotted_name)
{
    const char *names[] = {"f_inner.name", "f_inner.child.n", "f_string"};
    const char *values[] = {"outer", "7", "x"};
    PGresult *res = result(3, names, values);
    Testmsg__AllTypes *m =
        (Testmsg__AllTypes *)db_row_new_msg(res, 0, &testmsg__all_types__descriptor);
    cr_assert_not_null(m);
    cr_assert_not_null(m->f_inner);
    cr_assert_str_eq(m->f_inner->name, "outer");
    cr_assert_not_null(m->f_inner->child);
    cr_assert(m->f_inner->child->has_n && m->f_inner->child->n == 7);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    PQclear(res);
}

Test(dbmsg, nested_message_left_absent_when_all_null)
{
    const char *names[] = {"f_inner.name", "f_string"};
    const char *values[] = {NULL, "x"};
    PGresult *res = result(2, names, values);
    Testmsg__AllTypes *m =
        (Testmsg__AllTypes *)db_row_new_msg(res, 0, &testmsg__all_types__descriptor);
    cr_assert_not_null(m);
    cr_assert_null(m->f_inner);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    PQclear(res);
}

Test(dbmsg, repeated_scalar_takes_one_value)
{
    const char *names[] = {"r_string"};
    const char *values[] = {"only"};
    PGresult *res = result(1, names, values);
    Testmsg__AllTypes *m =
        (Testmsg__AllTypes *)db_row_new_msg(res, 0, &testmsg__all_types__descriptor);
    cr_assert_not_null(m);
    cr_assert_eq(m->n_r_string, 1);
    cr_assert_str_eq(m->r_string[0], "only");
    protobuf_c_message_free_unpacked(&m->base, NULL);
    PQclear(res);
}

Test(dbmsg, mismatches_are_internal_errors)
{
    const char *unknown[] = {"no_such_column"};
    const char *v1[] = {"x"};
    PGresult *res = result(1, unknown, v1);
    cr_assert_null(db_row_new_msg(res, 0, &testmsg__all_types__descriptor));
    PQclear(res);

    const char *bad_type[] = {"f_int32"};
    const char *v2[] = {"not a number"};
    res = result(1, bad_type, v2);
    ProtobufCMessage *m = pbjson_new(&testmsg__all_types__descriptor);
    cr_assert_eq(db_row_to_msg(res, 0, m), ST_INTERNAL);
    protobuf_c_message_free_unpacked(m, NULL);
    PQclear(res);

    const char *through_scalar[] = {"f_string.x"};
    res = result(1, through_scalar, v1);
    cr_assert_null(db_row_new_msg(res, 0, &testmsg__all_types__descriptor));
    PQclear(res);
}

Test(dbmsg, rows_fill_a_repeated_message_field)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc attrs[2];
    memset(attrs, 0, sizeof attrs);
    attrs[0].name = "name";
    attrs[1].name = "n";
    for (int i = 0; i < 2; i++) {
        attrs[i].typid = 25;
        attrs[i].typlen = -1;
        attrs[i].atttypmod = -1;
    }
    cr_assert(PQsetResultAttrs(res, 2, attrs));
    const char *rows[3][2] = {{"a", "1"}, {"b", NULL}, {"c", "3"}};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 2; c++)
            cr_assert(PQsetvalue(res, r, c, (char *)rows[r][c],
                                 rows[r][c] ? (int)strlen(rows[r][c]) : -1));
    ProtobufCMessage *m = pbjson_new(&testmsg__all_types__descriptor);
    cr_assert_eq(db_rows_to_repeated(res, m, "r_inner"), ST_OK);
    Testmsg__AllTypes *t = (Testmsg__AllTypes *)m;
    cr_assert_eq(t->n_r_inner, 3);
    cr_assert_str_eq(t->r_inner[1]->name, "b");
    cr_assert(!t->r_inner[1]->has_n);
    cr_assert_eq(t->r_inner[2]->n, 3);
    cr_assert_eq(db_rows_to_repeated(res, m, "f_inner"), ST_INTERNAL, "not repeated");
    cr_assert_eq(db_rows_to_repeated(res, m, "r_string"), ST_INTERNAL, "not messages");
    protobuf_c_message_free_unpacked(m, NULL);

    /* No rows: an empty list. */
    PGresult *none = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    cr_assert(PQsetResultAttrs(none, 2, attrs));
    m = pbjson_new(&testmsg__all_types__descriptor);
    cr_assert_eq(db_rows_to_repeated(none, m, "r_inner"), ST_OK);
    cr_assert_eq(((Testmsg__AllTypes *)m)->n_r_inner, 0);
    protobuf_c_message_free_unpacked(m, NULL);
    PQclear(none);
    PQclear(res);
}

Test(dbmsg, array_columns_fill_repeated_fields)
{
    const char *names[] = {"r_string", "r_int32", "r_role", "r_bool", "r_double"};
    const Oid types[] = {1009, 1007, 1009, 1000, 1022};
    const char *values[] = {"{plain,\"with space\",\"q\\\"uote\",\"b\\\\s\",NULL,\"NULL\"}",
                            "{1,-2,3}", "{owner,member}", "{t,f}", "{}"};
    PGresult *res = typed_result(5, names, types, values);
    Testmsg__AllTypes *m =
        (Testmsg__AllTypes *)db_row_new_msg(res, 0, &testmsg__all_types__descriptor);
    cr_assert_not_null(m);
    cr_assert_eq(m->n_r_string, 5, "the NULL element is skipped, the quoted \"NULL\" kept");
    cr_assert_str_eq(m->r_string[0], "plain");
    cr_assert_str_eq(m->r_string[1], "with space");
    cr_assert_str_eq(m->r_string[2], "q\"uote");
    cr_assert_str_eq(m->r_string[3], "b\\s");
    cr_assert_str_eq(m->r_string[4], "NULL");
    cr_assert_eq(m->n_r_int32, 3);
    cr_assert_eq(m->r_int32[1], -2);
    cr_assert_eq(m->n_r_role, 2);
    cr_assert_eq(m->r_role[1], TESTMSG__ROLE__ROLE_MEMBER);
    cr_assert_eq(m->n_r_bool, 2);
    cr_assert(m->r_bool[0] && !m->r_bool[1]);
    cr_assert_eq(m->n_r_double, 0);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    PQclear(res);
}

Test(dbmsg, malformed_arrays_are_internal_errors)
{
    const char *names[] = {"r_int32"};
    const Oid types[] = {1007};
    const char *bad[] = {"{{1,2},{3,4}}", "{1,2", "1,2}", "{\"1}", "[0:1]={1,2}", "{1,x}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *values[] = {bad[i]};
        PGresult *res = typed_result(1, names, types, values);
        cr_assert_null(db_row_new_msg(res, 0, &testmsg__all_types__descriptor), "%s", bad[i]);
        PQclear(res);
    }
}

Test(dbmsg, json_column_fills_a_message_field)
{
    const char *names[] = {"f_inner", "f_string"};
    const Oid types[] = {3802, 25};
    const char *values[] = {"{\"tags\": [\"a\", \"b\"]}", "x"};
    PGresult *res = typed_result(2, names, types, values);
    Testmsg__AllTypes *m =
        (Testmsg__AllTypes *)db_row_new_msg(res, 0, &testmsg__all_types__descriptor);
    cr_assert_not_null(m);
    cr_assert_not_null(m->f_inner);
    cr_assert_eq(m->f_inner->n_tags, 2);
    cr_assert_str_eq(m->f_inner->tags[1], "b");
    protobuf_c_message_free_unpacked(&m->base, NULL);
    PQclear(res);

    values[0] = "{\"no_such\": 1}";
    res = typed_result(2, names, types, values);
    cr_assert_null(db_row_new_msg(res, 0, &testmsg__all_types__descriptor));
    PQclear(res);
}

Test(dbmsg, underscore_columns_are_not_fields)
{
    const char *names[] = {"f_string", "_total"};
    const char *values[] = {"x", "42"};
    PGresult *res = result(2, names, values);
    Testmsg__AllTypes *m =
        (Testmsg__AllTypes *)db_row_new_msg(res, 0, &testmsg__all_types__descriptor);
    cr_assert_not_null(m);
    cr_assert_str_eq(m->f_string, "x");
    protobuf_c_message_free_unpacked(&m->base, NULL);
    PQclear(res);
}

/* The other way: fields into statement parameters, by name, in the order asked. */
Test(dbmsg, message_fields_become_statement_parameters)
{
    Testmsg__AllTypes *m = (Testmsg__AllTypes *)pbjson_new(&testmsg__all_types__descriptor);
    static const char *const json =
        "{\"f_string\":\"he said \\\"hi\\\"\",\"f_int32\":-7,\"f_double\":0.7,\"f_bool\":true,"
        "\"f_role\":\"owner\",\"r_string\":[\"a\",\"b\\\"c\"],\"f_inner\":{\"name\":\"x\"},"
        "\"f_int64\":\"9007199254740993\"}";
    cr_assert_eq(pbjson_decode(&m->base, json, strlen(json), NULL), ST_OK);
    static const char *const fields[] = {"f_string", "f_int32",  "f_double", "f_bool",
                                         "f_role",   "r_string", "f_inner",  "f_int64",
                                         "f_uint32", "r_int32",  NULL};
    db_params_t p;
    cr_assert_eq(db_msg_params(&m->base, fields, &p), ST_OK);
    cr_assert_eq(p.n, 10);
    cr_assert_str_eq(p.v[0], "he said \"hi\"");
    cr_assert_str_eq(p.v[1], "-7");
    cr_assert_float_eq(strtod(p.v[2], NULL), 0.7, 0, "%s", p.v[2]);
    cr_assert_str_eq(p.v[3], "t");
    cr_assert_str_eq(p.v[4], "owner");
    cr_assert_str_eq(p.v[5], "{\"a\",\"b\\\"c\"}");
    cr_assert_str_eq(p.v[6], "{\"name\":\"x\",\"tags\":[]}", "lists always written");
    cr_assert_str_eq(p.v[7], "9007199254740993", "int64 keeps every digit");
    cr_assert_null(p.v[8], "unset: SQL NULL");
    cr_assert_null(p.v[9], "an empty list: SQL NULL");
    db_params_cleanup(&p);

    static const char *const bad[] = {"f_string", "no_such_field", NULL};
    quiet();
    cr_assert_eq(db_msg_params(&m->base, bad, &p), ST_INTERNAL);
    db_params_cleanup(&p);
    protobuf_c_message_free_unpacked(&m->base, NULL);
}
