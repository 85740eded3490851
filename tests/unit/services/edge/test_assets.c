/* test_assets.c - what answers a GET for the console's files: the file or the single-page-app
 * fallback, 404s and the reserved paths, the precompressed sibling each Accept-Encoding gets,
 * Vary, Cache-Control, and conditional requests (ETag, Last-Modified). Runs against a small
 * dist/ made in a temporary directory. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "services/edge/assets.h"
#include "services/edge/edge.h"

edge_t edge; /* the edge's global, defined by main.c in the program */

#define BROWSER_NAV "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
#define BROWSER_AE  "gzip, deflate, br, zstd"

static char root[64];

static void put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* Sets a file's modification time to now + delta seconds. */
static void age(const char *rel, int delta)
{
    char path[256];
    struct timespec t[2];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    clock_gettime(CLOCK_REALTIME, &t[0]);
    t[0].tv_sec += delta;
    t[1] = t[0];
    cr_assert_eq(utimensat(AT_FDCWD, path, t, 0), 0);
}

static void make_dist(void)
{
    char dir[128];
    snprintf(root, sizeof root, "/tmp/test-assets-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    snprintf(dir, sizeof dir, "%s/assets", root);
    cr_assert_eq(mkdir(dir, 0755), 0);
    put("index.html", "<!doctype html><title>console</title>");
    put("index.html.br", "BR");
    put("index.html.gz", "GZ");
    put("assets/app-1a2b.js", "console.log('app')");
    put("assets/app-1a2b.js.br", "BR-JS");
    put("assets/app-1a2b.js.gz", "GZ-JS");
    put("assets/only-gz-9f.css", "body{}");
    put("assets/only-gz-9f.css.gz", "GZ-CSS");
    put("robots.txt", "User-agent: *\n");
    put("favicon.svg", "<svg/>");
    age("index.html", -60);
    age("assets/app-1a2b.js", -60);
    age("assets/only-gz-9f.css", -60);
}

static void remove_dist(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(assets, .init = make_dist, .fini = remove_dist);

static assets_answer_t get_ok(const char *path, const char *accept, const char *ae)
{
    assets_req_t req = {.path = path, .accept = accept, .accept_encoding = ae};
    assets_answer_t a;
    const char *why = NULL;
    status_t st = assets_resolve(root, &req, &a, &why);
    cr_assert_eq(st, ST_OK, "%s: %s", path, why ? why : "");
    return a;
}

static void get_error(const char *path, const char *accept, status_t want, const char *why_want)
{
    assets_req_t req = {.path = path, .accept = accept, .accept_encoding = BROWSER_AE};
    assets_answer_t a;
    const char *why = NULL;
    cr_assert_eq(assets_resolve(root, &req, &a, &why), want, "%s", path);
    cr_assert_str_eq(why, why_want, "%s", path);
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

Test(assets, root_is_the_shell_revalidated)
{
    assets_answer_t a = get_ok("/", BROWSER_NAV, NULL);
    cr_assert(ends_with(a.file, "/index.html"), "%s", a.file);
    cr_assert_str_eq(a.content_type, "text/html; charset=utf-8");
    cr_assert_null(a.content_encoding);
    cr_assert(a.vary, "siblings exist, so the answer varies");
    cr_assert_str_eq(a.cache_control, "no-cache");
    cr_assert_not(a.not_modified);
    cr_assert_eq(a.size, (int64_t)strlen("<!doctype html><title>console</title>"));
    cr_assert_eq(a.etag[0], '"');
    cr_assert(ends_with(a.last_modified, " GMT"), "%s", a.last_modified);
}

Test(assets, each_coding_gets_its_sibling)
{
    assets_answer_t a = get_ok("/assets/app-1a2b.js", "*/*", BROWSER_AE);
    cr_assert(ends_with(a.file, "/assets/app-1a2b.js.br"), "%s", a.file);
    cr_assert_str_eq(a.content_encoding, "br");
    cr_assert_str_eq(a.content_type, "text/javascript; charset=utf-8");
    cr_assert_eq(a.size, 5);
    cr_assert_str_eq(a.cache_control, "public, max-age=31536000, immutable");
    cr_assert(a.vary);

    a = get_ok("/assets/app-1a2b.js", "*/*", "gzip, deflate");
    cr_assert(ends_with(a.file, ".js.gz"), "%s", a.file);
    cr_assert_str_eq(a.content_encoding, "gzip");

    a = get_ok("/assets/app-1a2b.js", "*/*", "br;q=0.5, gzip");
    cr_assert_str_eq(a.content_encoding, "gzip");

    a = get_ok("/assets/app-1a2b.js", "*/*", "gzip;q=0, br;q=0");
    cr_assert(ends_with(a.file, "/assets/app-1a2b.js"), "%s", a.file);
    cr_assert_null(a.content_encoding);
    cr_assert(a.vary);

    a = get_ok("/assets/app-1a2b.js", "*/*", "*;q=0");
    cr_assert_null(a.content_encoding);

    a = get_ok("/assets/only-gz-9f.css", "text/css,*/*;q=0.1", BROWSER_AE);
    cr_assert_str_eq(a.content_encoding, "gzip", "br is not there: gzip");
    cr_assert_str_eq(a.content_type, "text/css; charset=utf-8");
}

Test(assets, files_without_siblings_do_not_vary)
{
    assets_answer_t a = get_ok("/robots.txt", "*/*", BROWSER_AE);
    cr_assert(ends_with(a.file, "/robots.txt"));
    cr_assert_str_eq(a.content_type, "text/plain; charset=utf-8");
    cr_assert_null(a.content_encoding);
    cr_assert_not(a.vary);
    cr_assert_str_eq(a.cache_control, "no-cache");
    a = get_ok("/favicon.svg", "image/*", BROWSER_AE);
    cr_assert_str_eq(a.content_type, "image/svg+xml");
}

Test(assets, a_sibling_older_than_its_file_is_ignored)
{
    age("assets/app-1a2b.js", 0);
    age("assets/app-1a2b.js.br", -3600);
    assets_answer_t a = get_ok("/assets/app-1a2b.js", "*/*", BROWSER_AE);
    cr_assert_str_eq(a.content_encoding, "gzip");
    age("assets/app-1a2b.js.gz", -3600);
    a = get_ok("/assets/app-1a2b.js", "*/*", BROWSER_AE);
    cr_assert_null(a.content_encoding);
    cr_assert_not(a.vary);
}

Test(assets, navigations_fall_back_to_the_shell)
{
    assets_answer_t a = get_ok("/agents/123", BROWSER_NAV, BROWSER_AE);
    cr_assert(ends_with(a.file, "/index.html.br"), "%s", a.file);
    cr_assert_str_eq(a.content_type, "text/html; charset=utf-8");
    cr_assert_str_eq(a.cache_control, "no-cache");
    a = get_ok("/settings/api-keys", NULL, NULL); /* no Accept: any type */
    cr_assert(ends_with(a.file, "/index.html"), "%s", a.file);
    a = get_ok("/knowledge-base/articles/new", "*/*", NULL);
    cr_assert(ends_with(a.file, "/index.html"));
    a = get_ok("/metricsx", BROWSER_NAV, NULL);
    cr_assert(ends_with(a.file, "/index.html"), "only /metrics itself is reserved");
}

Test(assets, unknown_files_and_non_navigations_are_404)
{
    get_error("/assets/missing-1234.js", "*/*", ST_NOT_FOUND, "no such file");
    get_error("/assets/no-extension", BROWSER_NAV, ST_NOT_FOUND, "no such file");
    get_error("/logo.png", BROWSER_NAV, ST_NOT_FOUND, "no such file");
    get_error("/agents/1.2", BROWSER_NAV, ST_NOT_FOUND, "no such file");
    get_error("/agents/123", "application/json", ST_NOT_FOUND, "no such file");
    get_error("/agents/123", "text/html;q=0, application/json", ST_NOT_FOUND, "no such file");
    get_error("/../etc/passwd", BROWSER_NAV, ST_NOT_FOUND, "no such file");
    get_error("/a\\b", BROWSER_NAV, ST_NOT_FOUND, "no such file");
    get_error("relative", BROWSER_NAV, ST_NOT_FOUND, "no such file");
    assets_answer_t a = get_ok("/assets", BROWSER_NAV, NULL); /* a directory is no file */
    cr_assert(ends_with(a.file, "/index.html"), "%s", a.file);
}

Test(assets, reserved_paths_are_never_the_console)
{
    get_error("/metrics", "*/*", ST_NOT_FOUND, "not served on this port");
    get_error("/metrics/", BROWSER_NAV, ST_NOT_FOUND, "not served on this port");
    get_error("/healthz", NULL, ST_NOT_FOUND, "not served on this port");
    get_error("/readyz", NULL, ST_NOT_FOUND, "not served on this port");
    get_error("/ws", BROWSER_NAV, ST_INVALID, "/ws takes WebSocket upgrades only");
    get_error("/ws/x", "*/*", ST_INVALID, "/ws takes WebSocket upgrades only");
}

Test(assets, without_a_build_the_shell_is_missing)
{
    char path[256];
    snprintf(path, sizeof path, "%s/index.html", root);
    cr_assert_eq(unlink(path), 0);
    get_error("/", BROWSER_NAV, ST_NOT_FOUND, "the console is not built");
    get_error("/agents", BROWSER_NAV, ST_NOT_FOUND, "the console is not built");
}

static assets_answer_t conditional(const char *path, const char *ae, const char *inm,
                                   const char *ims)
{
    assets_req_t req = {.path = path,
                        .accept = BROWSER_NAV,
                        .accept_encoding = ae,
                        .if_none_match = inm,
                        .if_modified_since = ims};
    assets_answer_t a;
    const char *why = NULL;
    cr_assert_eq(assets_resolve(root, &req, &a, &why), ST_OK, "%s", why ? why : "");
    return a;
}

Test(assets, a_matching_etag_is_304)
{
    assets_answer_t first = get_ok("/", BROWSER_NAV, BROWSER_AE), a;
    char list[160], weak[80];
    cr_assert_str_eq(first.content_encoding, "br");

    a = conditional("/", BROWSER_AE, first.etag, NULL);
    cr_assert(a.not_modified);
    cr_assert_str_eq(a.etag, first.etag);
    cr_assert_str_eq(a.content_encoding, "br", "304 keeps the representation's headers");
    snprintf(list, sizeof list, "\"x\", %s", first.etag);
    cr_assert(conditional("/", BROWSER_AE, list, NULL).not_modified);
    snprintf(weak, sizeof weak, "W/%s", first.etag);
    cr_assert(conditional("/", BROWSER_AE, weak, NULL).not_modified);
    cr_assert(conditional("/", BROWSER_AE, "*", NULL).not_modified);
    cr_assert_not(conditional("/", BROWSER_AE, "\"other\"", NULL).not_modified);
    cr_assert_not(conditional("/", BROWSER_AE, "garbage", NULL).not_modified);

    /* each coding is its own representation, with its own tag */
    a = conditional("/", "gzip", first.etag, NULL);
    cr_assert_not(a.not_modified);
    cr_assert_str_neq(a.etag, first.etag);
    a = conditional("/", NULL, first.etag, NULL);
    cr_assert_not(a.not_modified);
}

Test(assets, the_etag_changes_with_the_file)
{
    assets_answer_t before = get_ok("/robots.txt", "*/*", NULL);
    put("robots.txt", "User-agent: *\nDisallow: /\n");
    assets_answer_t after = conditional("/robots.txt", NULL, before.etag, NULL);
    cr_assert_not(after.not_modified);
    cr_assert_str_neq(after.etag, before.etag);
}

Test(assets, if_modified_since)
{
    assets_answer_t first = get_ok("/robots.txt", "*/*", NULL);
    cr_assert(conditional("/robots.txt", NULL, NULL, first.last_modified).not_modified);
    cr_assert(conditional("/robots.txt", NULL, NULL, "Fri, 01 Jan 2100 00:00:00 GMT").not_modified);
    cr_assert_not(
        conditional("/robots.txt", NULL, NULL, "Sun, 06 Nov 1994 08:49:37 GMT").not_modified);
    cr_assert_not(conditional("/robots.txt", NULL, NULL, "yesterday").not_modified);
    /* If-None-Match, when present, decides alone */
    cr_assert_not(conditional("/robots.txt", NULL, "\"other\"", first.last_modified).not_modified);
}

Test(assets, headers_of_an_answer)
{
    const char *pairs[ASSETS_MAX_HEADERS][2];
    assets_answer_t a = get_ok("/assets/app-1a2b.js", "*/*", "br");
    int n = assets_headers(&a, pairs);
    cr_assert_eq(n, 5);
    cr_assert_str_eq(pairs[0][0], "cache-control");
    cr_assert_str_eq(pairs[1][0], "etag");
    cr_assert_str_eq(pairs[1][1], a.etag);
    cr_assert_str_eq(pairs[2][0], "last-modified");
    cr_assert_str_eq(pairs[3][0], "vary");
    cr_assert_str_eq(pairs[3][1], "Accept-Encoding");
    cr_assert_str_eq(pairs[4][0], "content-encoding");
    cr_assert_str_eq(pairs[4][1], "br");
    a = get_ok("/robots.txt", "*/*", "br");
    cr_assert_eq(assets_headers(&a, pairs), 3);
}

Test(assets, etag_matching)
{
    cr_assert(assets_etag_match("\"a\"", "\"a\""));
    cr_assert(assets_etag_match("W/\"a\"", "\"a\""));
    cr_assert(assets_etag_match("\"a\"", "W/\"a\""));
    cr_assert(assets_etag_match(" \"b\" , \"a\"", "\"a\""));
    cr_assert(assets_etag_match("*", "\"a\""));
    cr_assert_not(assets_etag_match("\"ab\"", "\"a\""));
    cr_assert_not(assets_etag_match("\"a", "\"a\""));
    cr_assert_not(assets_etag_match(NULL, "\"a\""));
    cr_assert_not(assets_etag_match("", "\"a\""));
}
