/* static.c - the web console's files from EDGE_STATIC_DIR. A path that names no file gets
 * index.html, so the single-page app's own routes (/agents/123) load on refresh. Paths are
 * confined to the directory: the parser refuses dot segments, and anything left is refused. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "edge.h"

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

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < ARRAY_LEN(mime); i++)
        if (strcmp(dot, mime[i].ext) == 0)
            return mime[i].type;
    return "application/octet-stream";
}

int static_serve(struct lws *wsi, pss_t *pss)
{
    char file[1024];
    struct stat sb;
    const char *uri = pss->path;
    bool is_index;

    if (strstr(uri, "..") || strchr(uri, '\\')) {
        edge_respond_error(pss, ST_NOT_FOUND, "no such file");
        return 0;
    }
    snprintf(file, sizeof file, "%s%s", edge.cfg.static_dir, uri);
    if (stat(file, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        /* Hashed assets that are missing are real 404s; app routes fall back to the shell. */
        if (str_has_prefix(uri, "/assets/")) {
            edge_respond_error(pss, ST_NOT_FOUND, "no such file");
            return 0;
        }
        snprintf(file, sizeof file, "%s/index.html", edge.cfg.static_dir);
        if (stat(file, &sb) != 0) {
            edge_respond_error(pss, ST_NOT_FOUND, "the console is not built");
            return 0;
        }
    }
    is_index = strcmp(mime_of(file), "text/html; charset=utf-8") == 0;
    /* Vite's hashed assets never change; the HTML shell must always be revalidated. */
    const char *cache = is_index ? "cache-control: no-cache\r\n"
                                 : "cache-control: public, max-age=31536000, immutable\r\n";
    const char *extra = str_has_prefix(uri, "/assets/") ? cache : "cache-control: no-cache\r\n";
    return edge_serve_file(wsi, pss, file, mime_of(file), extra, (int)strlen(extra));
}
