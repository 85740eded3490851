/* rag_helpers.h - shared steps of the knowledge-base integration tests (test_rag_*.c): an
 * owner with a fresh organisation, a member of it, JSON requests, row counts in the rag schema.
 *
 * Header-only (static inline), like auth_helpers.h, whose sign-up helpers it builds on.
 */
#ifndef TESTS_INTEGRATION_RAG_HELPERS_H
#define TESTS_INTEGRATION_RAG_HELPERS_H

#include <signal.h>
#include <stdarg.h>

#include "tests/support/auth_helpers.h"

/* Invites a new account into owner's organisation as role and signs it in (p). */
static inline void rag_add_member(person_t *owner, person_t *p, const char *tag, const char *role)
{
    person_invite(owner, p, tag, role);
}

/* method path body as p; asserts the status; returns the value at `field` of the answer (heap,
 * NULL when field is NULL or absent). */
static inline char *call(person_t *p, const char *method, const char *path, const char *body,
                         long want, const char *field)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *out = NULL;
    req(p->c, method, path, body, &r);
    cr_assert_eq(r.status, want, "%s %s %s: expected %ld, got %ld: %s", method, path,
                 body ? body : "", want, r.status, r.body.data ? r.body.data : "");
    if (field && httpc_resp_str(&r, field))
        out = xstrdup(httpc_resp_str(&r, field));
    httpc_resp_cleanup(&r);
    return out;
}

/* Like call, but the whole answer: r must be cleaned by the caller. */
static inline void call_resp(person_t *p, const char *method, const char *path, const char *body,
                             long want, httpc_resp_t *r)
{
    req(p->c, method, path, body, r);
    cr_assert_eq(r->status, want, "%s %s: expected %ld, got %ld: %s", method, path, want, r->status,
                 r->body.data ? r->body.data : "");
}

/* Asserts status and that the error message mentions `mention` (a field name). */
static inline void call_err(person_t *p, const char *method, const char *path, const char *body,
                            long want, const char *mention)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(p->c, method, path, body, &r);
    cr_assert_eq(r.status, want, "%s %s %s: expected %ld, got %ld: %s", method, path,
                 body ? body : "", want, r.status, r.body.data ? r.body.data : "");
    if (mention) {
        const char *msg = httpc_resp_str(&r, "error.message");
        cr_assert(msg && strstr(msg, mention), "%s %s: message should name %s: %s", method, path,
                  mention, r.body.data ? r.body.data : "");
    }
    httpc_resp_cleanup(&r);
}

/* SELECT count(*) FROM rag.<table> WHERE org_id = org (as superuser: no row-level security). */
static inline long rag_count(const char *table, const char *org)
{
    char *sql = fmt("SELECT count(*) FROM rag.%s WHERE org_id = '%s'", table, org);
    char *v = harness_pg_value(sql);
    cr_assert_not_null(v, "%s", sql);
    long n = strtol(v, NULL, 10);
    free(v);
    free(sql);
    return n;
}

/* Creates a category (parent may be NULL) as p; its id (heap). */
static inline char *mk_category(person_t *p, const char *name, const char *parent)
{
    char *body = parent ? fmt("{\"name\":\"%s\",\"parent_id\":\"%s\"}", name, parent)
                        : fmt("{\"name\":\"%s\"}", name);
    char *id = call(p, "POST", "/api/kb/categories", body, 201, "id");
    cr_assert_not_null(id);
    free(body);
    return id;
}

/* Creates an article (category may be NULL; title and body must need no JSON escaping). */
static inline char *mk_article(person_t *p, const char *title, const char *body_text,
                               const char *category)
{
    char *body = category ? fmt("{\"title\":\"%s\",\"body\":\"%s\",\"category_id\":\"%s\"}", title,
                                body_text, category)
                          : fmt("{\"title\":\"%s\",\"body\":\"%s\"}", title, body_text);
    char *id = call(p, "POST", "/api/kb/articles", body, 201, "id");
    cr_assert_not_null(id);
    free(body);
    return id;
}

/* Events of `subject` written to rag.outbox for org (relayed or not). */
static inline long rag_events(const char *subject, const char *org)
{
    char *v = harness_pg_value_params(
        "SELECT count(*) FROM rag.outbox WHERE subject = $1 AND org_id = $2", 2,
        (const char *const[]){subject, org});
    cr_assert_not_null(v);
    long n = strtol(v, NULL, 10);
    free(v);
    return n;
}

/* Waits until a rag replica started by the test says in its log that it serves. */
static inline void rag_wait_serving(pid_t pid)
{
    char *path = harness_log_path("rag", pid);
    for (int i = 0; i < 400; i++) {
        char *log = slurp(path);
        bool ready = log && strstr(log, "rag: ready");
        free(log);
        if (ready)
            break;
        cr_assert_lt(i, 399, "rag replica %d did not get ready; see %s", (int)pid, path);
        cr_assert_eq(kill(pid, 0), 0, "rag replica %d died; see %s", (int)pid, path);
        usleep(25 * 1000);
    }
    free(path);
}

#endif
