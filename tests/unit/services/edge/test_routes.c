/* test_routes.c - the edge's route table: every routes.def entry resolves, matching with path
 * parameters, and 404 versus 405 with the allowed methods. The OpenAPI document is in
 * test_openapi.c. */
#include <criterion/criterion.h>
#include <string.h>

#include "services/edge/edge.h"

edge_t edge; /* the edge's global, defined by main.c in the program */

static void setup(void)
{
    static bool done;
    if (!done)
        routes_init();
    done = true;
}

TestSuite(routes, .init = setup);

Test(routes, every_route_resolves_to_an_rpc)
{
    int n;
    const route_t *r = routes_all(&n);
    cr_assert_gt(n, 10);
    for (int i = 0; i < n; i++) {
        cr_assert_not_null(r[i].md, "%s %s", r[i].method, r[i].pattern);
        cr_assert(str_has_prefix(r[i].subject, "svc."), "%s", r[i].subject);
        cr_assert(str_has_prefix(r[i].pattern, "/api/"), "%s", r[i].pattern);
        cr_assert(r[i].ok_status >= 200 && r[i].ok_status < 300);
    }
}

Test(routes, no_two_routes_claim_the_same_method_and_path)
{
    int n;
    const route_t *r = routes_all(&n);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            cr_assert(strcmp(r[i].method, r[j].method) != 0 ||
                          strcmp(r[i].pattern, r[j].pattern) != 0,
                      "duplicate %s %s", r[i].method, r[i].pattern);
}

Test(routes, literal_match)
{
    const route_t *r = NULL;
    route_params_t p = {0};
    cr_assert_eq(routes_match("POST", "/api/auth/login", &r, &p, NULL, 0), ROUTE_MATCH);
    cr_assert_str_eq(r->subject, "svc.auth.login");
    cr_assert_eq(r->auth, ROUTE_PUBLIC);
    cr_assert_eq(p.n, 0);
    /* A trailing slash is the same resource. */
    cr_assert_eq(routes_match("POST", "/api/auth/login/", &r, &p, NULL, 0), ROUTE_MATCH);
    route_params_cleanup(&p);
}

Test(routes, path_parameters_are_captured)
{
    const route_t *r = NULL;
    route_params_t p = {0};
    cr_assert_eq(routes_match("PATCH", "/api/org/members/0b7e2c1a-1111-4222-8333-944445555666", &r,
                              &p, NULL, 0),
                 ROUTE_MATCH);
    cr_assert_str_eq(r->subject, "svc.auth.update_member");
    cr_assert_eq(p.n, 1);
    cr_assert_str_eq(p.names[0], "user_id");
    cr_assert_str_eq(p.values[0], "0b7e2c1a-1111-4222-8333-944445555666");
    route_params_cleanup(&p);
    cr_assert_eq(p.n, 0);
}

Test(routes, empty_parameter_does_not_match)
{
    const route_t *r = NULL;
    route_params_t p = {0};
    cr_assert_neq(routes_match("PATCH", "/api/org/members/", &r, &p, NULL, 0), ROUTE_MATCH);
    cr_assert_eq(p.n, 0);
}

Test(routes, wrong_method_is_405_with_allow)
{
    const route_t *r = NULL;
    route_params_t p = {0};
    char allow[64];
    cr_assert_eq(routes_match("PUT", "/api/org/members/abc", &r, &p, allow, sizeof allow),
                 ROUTE_BAD_METHOD);
    cr_assert(strstr(allow, "PATCH") && strstr(allow, "DELETE"), "%s", allow);
    cr_assert_eq(p.n, 0, "no parameters leak from a non-match");
    cr_assert_eq(routes_match("GET", "/api/api-keys", &r, &p, allow, sizeof allow), ROUTE_MATCH);
    cr_assert_eq(routes_match("PATCH", "/api/api-keys", &r, &p, allow, sizeof allow),
                 ROUTE_BAD_METHOD);
    cr_assert(strstr(allow, "GET") && strstr(allow, "POST"), "%s", allow);
}

Test(routes, unknown_paths_are_404)
{
    const route_t *r = NULL;
    route_params_t p = {0};
    cr_assert_eq(routes_match("GET", "/api/auth", &r, &p, NULL, 0), ROUTE_NO_PATH);
    cr_assert_eq(routes_match("GET", "/api/auth/me/extra", &r, &p, NULL, 0), ROUTE_NO_PATH);
    cr_assert_eq(routes_match("GET", "/api/authme", &r, &p, NULL, 0), ROUTE_NO_PATH);
    cr_assert_eq(routes_match("GET", "", &r, &p, NULL, 0), ROUTE_NO_PATH);
}

Test(routes, services_list_names_auth_once)
{
    const char *const *s = routes_services();
    int auth = 0;
    for (int i = 0; s[i]; i++)
        auth += strcmp(s[i], "auth") == 0;
    cr_assert_eq(auth, 1);
}
