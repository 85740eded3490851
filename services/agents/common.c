/* common.c - helpers shared by the agents handlers beyond the kit (shared/svc.h): `clear`. */
#include "agents.h"

#include <stdarg.h>
#include <string.h>

#include "proto/rag.pb-c.h"
#include "shared/msgpatch.h"
#include "shared/names.h"
#include "shared/util.h"

status_t agents_check_clear(bus_req_t *req, char **clear, size_t n, const char *const *allowed,
                            const ProtobufCMessage *msg)
{
    for (size_t i = 0; i < n; i++) {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, clear[i]) == 0;
        if (!known) {
            buf_t names = BUF_INIT;
            for (const char *const *a = allowed; *a; a++)
                buf_printf(&names, "%s%s", a == allowed ? "" : ", ", *a);
            status_t st = svc_fail(req, ST_INVALID, "clear[%zu]: must be one of %s", i, names.data);
            buf_cleanup(&names);
            return st;
        }
        if (msgpatch_sent(msg, clear[i]))
            return svc_fail(req, ST_INVALID, "clear[%zu]: %s is also sent", i, clear[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(clear[i], clear[j]) == 0)
                return svc_fail(req, ST_INVALID, "clear[%zu]: duplicate of clear[%zu]", i, j);
    }
    return ST_OK;
}

status_t agents_check_categories(svc_t *svc, bus_req_t *req, char *const *ids, size_t n)
{
    Rag__CategoriesCheckRequest in = RAG__CATEGORIES_CHECK_REQUEST__INIT;
    Rag__CategoriesCheckReply *out = NULL;
    char err[128] = "";
    bus_ctx_t ctx;
    status_t st;

    if (n == 0)
        return ST_OK;
    in.ids = (char **)ids;
    in.n_ids = n;
    bus_ctx_from_req(req, &ctx);
    st = bus_call(svc->bus, SUBJ_RAG_CATEGORIES_CHECK, &ctx, &in.base,
                  &rag__categories_check_reply__descriptor, (ProtobufCMessage **)&out, err,
                  sizeof err, BUS_DEFAULT_TIMEOUT_MS);
    if (st) {
        log_ctx_t lc;
        svc_log_ctx(req, &lc);
        LOG_CTX_ERROR(&lc, "agents: %s: %s (%s)", SUBJ_RAG_CATEGORIES_CHECK, status_str(st), err);
        st = svc_fail(req, ST_UNAVAILABLE,
                      "kb_category_ids: the knowledge base cannot be asked now");
        goto done;
    }
    for (size_t i = 0; i < n && out->n_unknown; i++)
        if (strcmp(ids[i], out->unknown[0]) == 0) {
            st = svc_fail(req, ST_NOT_FOUND, "kb_category_ids[%zu]: no such category", i);
            break;
        }
done:
    svc_msg_free(out);
    return st;
}
