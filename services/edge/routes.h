/* routes.h - the edge's route table: HTTP method + path pattern -> bus subject.
 *
 * Each service declares its HTTP surface in services/<name>/routes.def as X-macro lines:
 *     ROUTE("POST", "/api/auth/login", auth__auth__descriptor, "login", ROUTE_PUBLIC, 200,
 *           "Sign in with email and password")
 * The rpc's input message receives the JSON body, path parameters ({user_id} -> field user_id)
 * and query parameters; the output message is the JSON answer. RAW routes pass the whole HTTP
 * request as common.HttpRequest and expect a common.HttpResponse.
 *     UPLOAD_ROUTE("POST", "/api/kb/documents", ingest__ingest__descriptor, "upload",
 *                  ROUTE_SESSION, 201, "Upload a document")
 * takes a multipart/form-data body streamed to "<rpc>_part" (common.UploadPart) and then calls
 * the rpc once (upload.c); DOWNLOAD_ROUTE(method, pattern, descriptor, rpc, auth, summary)
 * answers with the bytes of the common.FilePart messages the rpc returns for seq 0, 1, ...
 * (download.c). See proto/common.proto.
 */
#ifndef EDGE_ROUTES_H
#define EDGE_ROUTES_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

typedef enum { ROUTE_PUBLIC, ROUTE_SESSION } route_auth_t;
typedef enum { ROUTE_RPC, ROUTE_RAW, ROUTE_UPLOAD, ROUTE_DOWNLOAD } route_kind_t;

typedef struct {
    const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern;
    const ProtobufCServiceDescriptor *service;
    const char *rpc; /* snake_case */
    route_auth_t auth;
    int ok_status;
    const char *summary;
    route_kind_t kind;
    /* resolved at start-up */
    const ProtobufCMethodDescriptor *md;
    char subject[96];
    char part_subject[104];   /* UPLOAD: svc.<service>.<rpc>_part */
    const char *service_name; /* bus name: the proto package, e.g. "auth" */
} route_t;

typedef struct {
    int n;
    char names[8][32];
    char *values[8]; /* owned, URL-decoded */
} route_params_t;

typedef enum { ROUTE_MATCH, ROUTE_NO_PATH, ROUTE_BAD_METHOD } route_result_t;

/* Resolves descriptors and subjects; aborts on a route naming an rpc that does not exist. */
void routes_init(void);
/* Finds the route for method + path, filling params. On ROUTE_BAD_METHOD, allow (if non-NULL)
 * receives the methods the path supports, e.g. "GET, PATCH". */
route_result_t routes_match(const char *method, const char *path, const route_t **out,
                            route_params_t *params, char *allow, size_t allow_len);
void route_params_cleanup(route_params_t *params);
const route_t *routes_all(int *n);
/* Distinct bus service names referenced by routes (for readiness), NULL-terminated. */
const char *const *routes_services(void);

#endif
