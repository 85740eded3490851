/* svc_req.c - what every handler repeats (svc.h): the caller and its role, failing with a
 * message, UUIDs, user text through text_clean, pages and the list reply's page fields. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/svc.h"
#include "shared/text.h"
#include "shared/util.h"

static const char *const role_names[] = {"", "member", "admin", "owner"};

svc_role_t svc_role_parse(const char *s)
{
    for (int r = SVC_ROLE_MEMBER; s && r <= SVC_ROLE_OWNER; r++)
        if (strcmp(s, role_names[r]) == 0)
            return (svc_role_t)r;
    return SVC_ROLE_NONE;
}

const char *svc_role_name(svc_role_t role)
{
    return (unsigned)role <= SVC_ROLE_OWNER ? role_names[role] : "";
}

status_t svc_fail(bus_req_t *req, status_t st, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    bus_req_fail(req, "%s", b.data);
    buf_cleanup(&b);
    return st;
}

status_t svc_caller(bus_req_t *req, const char *write_what, svc_caller_t *out)
{
    const char *org = bus_req_org(req), *user = bus_req_user(req);
    svc_role_t role = svc_role_parse(bus_req_role(req));
    bool can_write = role == SVC_ROLE_OWNER || role == SVC_ROLE_ADMIN;

    if (!uuid_valid(org) || !uuid_valid(user))
        return svc_fail(req, ST_UNAUTHORIZED, SVC_UNAUTHORIZED_TEXT);
    if (write_what && !can_write)
        return svc_fail(req, ST_FORBIDDEN, "only owners and admins may %s", write_what);
    *out = (svc_caller_t){.org = org, .user = user, .role = role, .can_write = can_write};
    return ST_OK;
}

bool svc_uuid_parse(const char *s, char out[37])
{
    if (!uuid_valid(s))
        return false;
    for (int i = 0; i < 36; i++)
        out[i] = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] - 'A' + 'a') : s[i];
    out[36] = '\0';
    return true;
}

status_t svc_uuid(bus_req_t *req, const char *field, const char *s, char out[37])
{
    return svc_uuid_parse(s, out) ? ST_OK : svc_fail(req, ST_INVALID, "%s: must be a UUID", field);
}

status_t svc_text(bus_req_t *req, const char *field, const char *s, long min, long max,
                  bool multiline, char **out)
{
    char why[TEXT_WHY_SIZE];

    if (text_clean(s, min, max, multiline, out, why, sizeof why))
        return ST_OK;
    return svc_fail(req, ST_INVALID, "%s: %s", field, why);
}

status_t svc_page_check(bool has_page, int page, bool has_per_page, int per_page, svc_page_t *out,
                        char *why, size_t whylen)
{
    if (has_page && (page < 1 || page > SVC_PAGE_MAX)) {
        snprintf(why, whylen, "page: must be between 1 and %d", SVC_PAGE_MAX);
        return ST_INVALID;
    }
    if (has_per_page && (per_page < 1 || per_page > SVC_PER_PAGE_MAX)) {
        snprintf(why, whylen, "per_page: must be between 1 and %d", SVC_PER_PAGE_MAX);
        return ST_INVALID;
    }
    out->page = has_page ? page : 1;
    out->per_page = has_per_page ? per_page : SVC_PER_PAGE_DEFAULT;
    return ST_OK;
}

/* An optional int32 field of m by name: whether it is set, and its value. */
static bool int32_field(const ProtobufCMessage *m, const char *name, int *value)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    const char *base = (const char *)m;

    if (!f || f->type != PROTOBUF_C_TYPE_INT32 || f->label != PROTOBUF_C_LABEL_OPTIONAL)
        return false;
    if (!*(const protobuf_c_boolean *)(base + f->quantifier_offset))
        return false;
    *value = *(const int32_t *)(base + f->offset);
    return true;
}

status_t svc_page_parse(bus_req_t *req, const ProtobufCMessage *in, svc_page_t *out)
{
    char why[64];
    int page = 0, per_page = 0;
    bool has_page = int32_field(in, "page", &page),
         has_per_page = int32_field(in, "per_page", &per_page);
    status_t st = svc_page_check(has_page, page, has_per_page, per_page, out, why, sizeof why);

    return st ? svc_fail(req, st, "%s", why) : ST_OK;
}

int64_t svc_page_offset(const svc_page_t *p)
{
    return (int64_t)(p->page - 1) * p->per_page;
}

/* Sets optional int32 field `name` of m; a list without it is a programming error. */
static void set_int32(ProtobufCMessage *m, const char *name, int64_t value)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    char *base = (char *)m;

    if (!f || f->type != PROTOBUF_C_TYPE_INT32 || f->label != PROTOBUF_C_LABEL_OPTIONAL) {
        LOG_ERROR("svc: %s has no optional int32 %s (see common.PageInfo)", m->descriptor->name,
                  name);
        return;
    }
    *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
    *(int32_t *)(base + f->offset) = (int32_t)(value > INT32_MAX ? INT32_MAX : value);
}

void svc_page_reply(ProtobufCMessage *list, const svc_page_t *p, int64_t total)
{
    set_int32(list, "total", total);
    set_int32(list, "page", p->page);
    set_int32(list, "per_page", p->per_page);
    set_int32(list, "pages", (total + p->per_page - 1) / p->per_page);
}

void *svc_msg_new(const ProtobufCMessageDescriptor *desc)
{
    void *msg = xcalloc(1, desc->sizeof_message);
    protobuf_c_message_init(desc, msg);
    return msg;
}

void svc_msg_free(void *msg)
{
    if (msg)
        protobuf_c_message_free_unpacked(msg, NULL);
}

void svc_log_ctx(const bus_req_t *req, log_ctx_t *ctx)
{
    *ctx = (log_ctx_t){0};
    ctx->request_id = bus_req_id(req);
    ctx->subject = bus_req_subject(req);
    ctx->org_id = bus_req_org(req);
}
