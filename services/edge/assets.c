/* assets.c - the console's static files: which file answers a path (single-page-app fallback,
 * reserved paths), which precompressed sibling a client gets, and the caching headers with the
 * conditional-request check. The rules are in assets.h; static.c sends what this decides. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "services/edge/accept.h"
#include "services/edge/assets.h"
#include "shared/util.h"

#define IMMUTABLE  "public, max-age=31536000, immutable"
#define REVALIDATE "no-cache"

static const struct {
    const char *ext;
    const char *type;
} mime[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"},
    {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
};

/* Paths the console never answers: another port serves them, or another protocol. */
static const char *const reserved[] = {"/metrics", "/healthz", "/readyz"};

static const char *mime_of(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (dot && slash && dot < slash)
        dot = NULL;
    for (size_t i = 0; dot && i < ARRAY_LEN(mime); i++)
        if (strcmp(dot, mime[i].ext) == 0)
            return mime[i].type;
    return "application/octet-stream";
}

static bool is_path(const char *path, const char *name)
{
    size_t n = strlen(name);
    return strncmp(path, name, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* A request the app's router should handle: no extension in the last segment, not a hashed
 * asset, and a client that takes HTML. */
static bool is_navigation(const assets_req_t *req)
{
    const char *last = strrchr(req->path, '/');
    return !strchr(last ? last : req->path, '.') && !str_has_prefix(req->path, "/assets/") &&
           accept_wants_html(req->accept);
}

static bool regular_file(const char *file, struct stat *sb)
{
    return stat(file, sb) == 0 && S_ISREG(sb->st_mode);
}

/* Picks the coding to send among the siblings of file that exist and are not older than it
 * (a stale sibling from an earlier build is ignored). Updates out->file and *sb. */
static void negotiate(const assets_req_t *req, assets_answer_t *out, struct stat *sb)
{
    static const struct {
        accept_enc_t enc;
        const char *suffix;
    } siblings[] = {{ACCEPT_ENC_BR, ".br"}, {ACCEPT_ENC_GZIP, ".gz"}};
    char name[2][PATH_MAX + 4];
    struct stat ssb[2];
    unsigned offered = 0;

    for (int i = 0; i < 2; i++) {
        snprintf(name[i], sizeof name[i], "%s%s", out->file, siblings[i].suffix);
        if (regular_file(name[i], &ssb[i]) && ssb[i].st_mtime >= sb->st_mtime)
            offered |= 1u << siblings[i].enc;
    }
    out->vary = offered != 0;
    accept_enc_t enc = accept_encoding_pick(req->accept_encoding, offered);
    for (int i = 0; i < 2; i++)
        if (enc == siblings[i].enc && strlen(name[i]) < sizeof out->file) {
            memcpy(out->file, name[i], strlen(name[i]) + 1);
            *sb = ssb[i];
            out->content_encoding = accept_enc_name(enc);
        }
}

/* Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); false when it is not one. */
static bool parse_http_date(const char *s, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end)
        return false;
    *out = timegm(&tm);
    return true;
}

bool assets_etag_match(const char *if_none_match, const char *etag)
{
    const char *tag = etag;
    size_t n;
    if (!if_none_match || !etag)
        return false;
    if (str_has_prefix(tag, "W/"))
        tag += 2;
    n = strlen(tag);
    for (const char *p = if_none_match; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (str_has_prefix(p, "W/"))
            p += 2;
        if (*p != '"')
            return false; /* malformed: no match */
        const char *close = strchr(p + 1, '"');
        if (!close)
            return false;
        if ((size_t)(close + 1 - p) == n && strncmp(p, tag, n) == 0)
            return true;
        p = close + 1;
    }
    return false;
}

status_t assets_resolve(const char *root, const assets_req_t *req, assets_answer_t *out,
                        const char **why)
{
    assets_answer_t a;
    struct stat sb;
    const char *path = req->path;

    if (!path || path[0] != '/' || strstr(path, "..") || strchr(path, '\\')) {
        *why = "no such file";
        return ST_NOT_FOUND;
    }
    if (is_path(path, "/ws")) {
        *why = "/ws takes WebSocket upgrades only";
        return ST_INVALID;
    }
    for (size_t i = 0; i < ARRAY_LEN(reserved); i++)
        if (is_path(path, reserved[i])) {
            *why = "not served on this port";
            return ST_NOT_FOUND;
        }
    memset(&a, 0, sizeof a);
    if (snprintf(a.file, sizeof a.file, "%s%s", root,
                 strcmp(path, "/") == 0 ? "/index.html" : path) >= (int)sizeof a.file) {
        *why = "no such file";
        return ST_NOT_FOUND;
    }
    if (!regular_file(a.file, &sb)) {
        if (!is_navigation(req)) {
            *why = "no such file";
            return ST_NOT_FOUND;
        }
        snprintf(a.file, sizeof a.file, "%s/index.html", root);
        if (!regular_file(a.file, &sb)) {
            *why = "the console is not built";
            return ST_NOT_FOUND;
        }
    }
    a.content_type = mime_of(a.file);
    a.cache_control = str_has_prefix(path, "/assets/") ? IMMUTABLE : REVALIDATE;
    negotiate(req, &a, &sb);
    a.size = (int64_t)sb.st_size;
    snprintf(a.etag, sizeof a.etag, "\"%llx-%llx\"", (unsigned long long)sb.st_size,
             (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)sb.st_mtim.tv_nsec);
    struct tm tm;
    gmtime_r(&sb.st_mtime, &tm);
    strftime(a.last_modified, sizeof a.last_modified, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (req->if_none_match) {
        a.not_modified = assets_etag_match(req->if_none_match, a.etag);
    } else if (req->if_modified_since) {
        time_t since;
        a.not_modified = parse_http_date(req->if_modified_since, &since) && sb.st_mtime <= since;
    }
    *out = a;
    return ST_OK;
}

int assets_headers(const assets_answer_t *a, const char *pairs[ASSETS_MAX_HEADERS][2])
{
    int n = 0;
    pairs[n][0] = "cache-control", pairs[n++][1] = a->cache_control;
    pairs[n][0] = "etag", pairs[n++][1] = a->etag;
    pairs[n][0] = "last-modified", pairs[n++][1] = a->last_modified;
    if (a->vary)
        pairs[n][0] = "vary", pairs[n++][1] = "Accept-Encoding";
    if (a->content_encoding)
        pairs[n][0] = "content-encoding", pairs[n++][1] = a->content_encoding;
    return n;
}
