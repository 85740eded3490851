/* names.h - every name that crosses a service boundary: bus headers, the subjects services call,
 * publish and subscribe to, and builders for the parametrised ones. A service or the edge spells
 * such a name only through this header, so the two ends of a wire cannot drift apart.
 *
 *     char subject[NAMES_SUBJECT_MAX];
 *     names_notify_user(subject, sizeof subject, user_id, "agent.updated");
 *     // "notify.user.<user_id>.agent.updated"
 */
#ifndef SHARED_NAMES_H
#define SHARED_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* ---- headers of a call (set by the edge or a calling service, read by the served one) ------- */
#define HDR_ORG_ID        "Org-Id"
#define HDR_USER_ID       "User-Id"
#define HDR_ROLE          "Role"
#define HDR_REQUEST_ID    "Request-Id"
#define HDR_DEADLINE      "Deadline"      /* absolute, epoch milliseconds */
#define HDR_CACHE_CONTROL "Cache-Control" /* "no-cache": answer from the source */
#define HDR_CLIENT_IP     "Client-Ip"
#define HDR_USER_AGENT    "User-Agent"
#define HDR_SESSION_ID    "Session-Id"
#define HDR_API_KEY_ID    "Api-Key-Id"

/* ---- headers of a reply -----------------------------------------------------------------------
 */
#define HDR_ERR_CODE        "Nats-Service-Error-Code" /* HTTP-like status */
#define HDR_ERR             "Nats-Service-Error"      /* the human message */
#define HDR_SESSION_TOKEN   "Session-Token"           /* the edge sets the sid cookie */
#define HDR_SESSION_MAX_AGE "Session-Max-Age"
#define HDR_SESSION_CLEAR   "Session-Clear" /* the edge expires the sid cookie */
#define HDR_RETRY_AFTER     "Retry-After"   /* passed through on 429 */
#define HDR_OK_STATUS       "Ok-Status" /* a success other than the route's (e.g. 200, not 201) */

/* ---- subjects ---------------------------------------------------------------------------------
 */
#define SUBJ_SVC_PREFIX           "svc." /* svc.<service>.<method>: request-reply, queue group <service> */
#define SUBJ_AUTH_VERIFY          "svc.auth.verify"          /* the edge resolves a credential */
#define SUBJ_RAG_CATEGORIES_CHECK "svc.rag.categories_check" /* agents: are these ours? */
#define SUBJ_EMBED_EMBED          "svc.embed.embed"          /* texts -> vectors (embed.proto) */
#define SUBJ_EMBED_INFO           "svc.embed.info"           /* the current embedding model */
#define SUBJ_RAG_INDEX_PUT        "svc.rag.index_put"    /* ingest: a source's chunks + vectors */
#define SUBJ_RAG_INDEX_DELETE     "svc.rag.index_delete" /* ingest: drop a source everywhere */
#define SUBJ_RAG_LIST_CHUNKS      "svc.rag.list_chunks"  /* ingest: a source's chunks, to show */
#define SUBJ_RAG_RETRIEVE         "svc.rag.retrieve"     /* the chat: passages for a question */
/* JetStream work queue WORK (work-queue retention: a message is gone once acknowledged):
 * work.<service>.<kind>. ingest's documents to process: ingest.WorkItem. */
#define WORK_STREAM               "WORK"
#define SUBJ_WORK_ALL             "work.>"
#define SUBJ_WORK_INGEST_DOCUMENT "work.ingest.document"
/* Kinds of notify.user.<id>.<kind> pushes. */
#define NOTIFY_DOCUMENT_PROGRESS                                                                   \
    "document.progress" /* {id,status,progress,pages,chunks,error,name} */
/* Core NATS, body `token:<sha256 hex>`, `user:<id>`, `me:<id>` or `org:<id>`: credentials or
 * cached answers that stopped being valid (auth publishes, the edge and auth replicas listen). */
#define SUBJ_AUTH_REVOKED "auth.revoked"
/* Core NATS pushes to the browsers of a user or of an organisation (the edge forwards them). */
#define SUBJ_NOTIFY_USER_PREFIX "notify.user."
#define SUBJ_NOTIFY_ORG_PREFIX  "notify.org."
#define SUBJ_NOTIFY_USER_ALL    "notify.user.*.>"
#define SUBJ_NOTIFY_ORG_ALL     "notify.org.*.>"
/* JetStream domain events: evt.<service>.<entity>.<verb> (payload: a message whose field 1 is
 * common.EventMeta). */
#define SUBJ_EVENTS_PREFIX "evt."

#define NAMES_SUBJECT_MAX 256

/* "notify.user.<user_id>.<kind>" / "notify.org.<org_id>.<kind>" into out; false (out empty)
 * when it does not fit or an argument has a '.', '*', '>' or blank that would change the
 * subject's shape. */
bool names_notify_user(char *out, size_t outlen, const char *user_id, const char *kind);
bool names_notify_org(char *out, size_t outlen, const char *org_id, const char *kind);
/* "svc.<service>.<method>" into out (false when it does not fit). */
bool names_svc(char *out, size_t outlen, const char *service, const char *method);
/* "evt.<service>.<entity>.<verb>" into out (false when it does not fit). */
bool names_event(char *out, size_t outlen, const char *service, const char *entity,
                 const char *verb);

#endif
