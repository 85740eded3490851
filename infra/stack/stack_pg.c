/* stack_pg.c - the dev stack's PostgreSQL: find the server binaries, initdb on first use, run
 * postgres on 127.0.0.1 only (no Unix socket), create database platform, the role app (tests'
 * scratch schemas) and one role per service with a database, owning only its own schema.
 *
 * Only the superuser postgres is trusted (loopback, devstack and the tests' assertions); every
 * other role signs in with a password generated on each start (scram-sha-256), handed to each
 * service in its own DATABASE_URL and never to the others.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the system user agentpg, created on
 * first use; its data dir must then be reachable by that user (checked, with a clear message). */
#include "stack/stack.h"

#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <libpq-fe.h>
#include <locale.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/crypto.h"
#include "shared/util.h"

#define PG_START_TIMEOUT_MS 60000

static bool is_exec(const char *dir, const char *name)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s/%s", dir, name);
    bool ok = access(b.data, X_OK) == 0;
    buf_cleanup(&b);
    return ok;
}

/* PG_BINDIR, else `pg_config --bindir` when it has initdb, else the highest
 * /usr/lib/postgresql/<version>/bin. */
static char *find_bindir(void)
{
    char line[512] = "";
    const char *env = getenv("PG_BINDIR");
    char *best = NULL;
    long best_ver = -1;
    FILE *p;
    DIR *d;
    struct dirent *de;

    if (env && *env)
        return xstrdup(env);
    if ((p = popen("pg_config --bindir 2>/dev/null", "r"))) {
        if (!fgets(line, sizeof line, p))
            line[0] = '\0';
        pclose(p);
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] && is_exec(line, "initdb"))
            return xstrdup(line);
    }
    if ((d = opendir("/usr/lib/postgresql"))) {
        while ((de = readdir(d))) {
            char *end;
            long v = strtol(de->d_name, &end, 10);
            buf_t b = BUF_INIT;
            if (end == de->d_name || *end || v <= best_ver)
                continue;
            buf_printf(&b, "/usr/lib/postgresql/%s/bin", de->d_name);
            if (is_exec(b.data, "initdb")) {
                free(best);
                best = buf_steal(&b);
                best_ver = v;
            }
            buf_cleanup(&b);
        }
        closedir(d);
    }
    return best;
}

/* As root: make sure agentpg exists. *pw_out is left NULL when not root. */
static status_t pg_user(struct passwd **pw_out)
{
    struct passwd *pw;
    int ws = 0;

    *pw_out = NULL;
    if (geteuid() != 0)
        return ST_OK;
    if (!(pw = getpwnam(STACK_PG_USER))) {
        char *argv[] = {
            "/usr/sbin/useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
            STACK_PG_USER,       NULL};
        stack_spawn_opts_t o = STACK_SPAWN_OPTS_INIT;
        fprintf(stderr, "devstack: creating system user %s to run PostgreSQL (it refuses root)\n",
                STACK_PG_USER);
        if (stack_run(argv, &o, &ws))
            return ST_UNAVAILABLE;
        pw = getpwnam(STACK_PG_USER); /* a concurrent devstack may have won the race */
        if (!pw) {
            fprintf(stderr, "devstack: useradd %s failed\n", STACK_PG_USER);
            return ST_UNAVAILABLE;
        }
    }
    *pw_out = pw;
    return ST_OK;
}

/* Can pw reach dir (search it and every directory above it)? Checked in a child running as pw, so
 * ACLs and groups count exactly as they will for postgres. */
static status_t check_reachable(const char *dir, const struct passwd *pw)
{
    int fds[2];
    char bad[1024] = "";
    pid_t pid;
    ssize_t n;

    if (pipe(fds) < 0)
        return ST_INTERNAL;
    if ((pid = fork()) == 0) {
        char path[1024];
        close(fds[0]);
        if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
            _exit(2);
        snprintf(path, sizeof path, "%s", dir);
        for (char *s = path + 1;; s++) {
            if (*s != '/' && *s != '\0')
                continue;
            char c = *s;
            *s = '\0';
            if (access(path, X_OK) < 0) {
                if (write(fds[1], path, strlen(path)) < 0)
                    _exit(2);
                _exit(1);
            }
            *s = c;
            if (!c)
                break;
        }
        _exit(0);
    }
    close(fds[1]);
    n = pid > 0 ? read(fds[0], bad, sizeof bad - 1) : -1;
    close(fds[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    if (n <= 0)
        return ST_OK;
    bad[n] = '\0';
    fprintf(stderr,
            "devstack: PostgreSQL refuses to run as root, so it runs as the user %s, and %s cannot "
            "reach %s (no permission on %s: a directory above it is not searchable by other "
            "users, e.g. a mode-700 home or temp dir).\n"
            "devstack: fix: set VAR_DIR to a directory %s can reach, e.g. "
            "VAR_DIR=/var/tmp/agents-var make run, or make %s searchable (chmod o+x).\n",
            pw->pw_name, pw->pw_name, dir, bad, pw->pw_name, bad);
    return ST_FORBIDDEN;
}

static const char *pick_locale(void)
{
    locale_t l = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
    if (!l)
        return "C";
    freelocale(l);
    return "C.UTF-8";
}

/* initdb into <var>/pg.init, then rename to <var>/pg: an interrupted initdb never leaves a
 * half-made cluster behind. */
static status_t pg_initdb(devstack_t *s, const char *pgdata, const struct passwd *pw)
{
    buf_t tmp = BUF_INIT, initdb = BUF_INIT, locale = BUF_INIT;
    int ws = 0;
    status_t st;

    buf_printf(&tmp, "%s.init", pgdata);
    buf_printf(&initdb, "%s/initdb", s->pg_bindir);
    buf_printf(&locale, "--locale=%s", pick_locale());
    if ((st = stack_rmtree(tmp.data)))
        goto done;
    if (mkdir(tmp.data, 0700) < 0) {
        fprintf(stderr, "devstack: cannot create %s: %s\n", tmp.data, strerror(errno));
        st = ST_UNAVAILABLE;
        goto done;
    }
    if (pw && chown(tmp.data, pw->pw_uid, pw->pw_gid) < 0) {
        fprintf(stderr, "devstack: cannot chown %s: %s\n", tmp.data, strerror(errno));
        st = ST_UNAVAILABLE;
        goto done;
    }
    fprintf(stderr, "devstack: initialising PostgreSQL cluster in %s\n", pgdata);
    /* clang-format off */
    char *argv[] = {initdb.data, "-D", tmp.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    locale.data, s->ephemeral ? "--no-sync" : NULL, NULL};
    /* clang-format on */
    stack_spawn_opts_t o = STACK_SPAWN_OPTS_INIT;
    o.log_path = s->pg.log_path;
    o.run_as = pw ? pw->pw_name : NULL;
    o.cwd = "/";
    if ((st = stack_run(argv, &o, &ws)))
        goto done;
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        fprintf(stderr, "devstack: initdb failed; the end of %s:\n", s->pg.log_path);
        stack_log_tail(s->pg.log_path, STACK_LOG_TAIL_LINES, "  | ", stderr);
        st = ST_UNAVAILABLE;
        goto done;
    }
    rmdir(pgdata); /* an empty leftover, if any */
    if (rename(tmp.data, pgdata) < 0) {
        fprintf(stderr, "devstack: cannot rename %s to %s: %s\n", tmp.data, pgdata,
                strerror(errno));
        st = ST_UNAVAILABLE;
    }
done:
    if (st)
        stack_rmtree(tmp.data);
    buf_cleanup(&tmp);
    buf_cleanup(&initdb);
    buf_cleanup(&locale);
    return st;
}

static status_t pg_sql(PGconn *c, const char *sql, int *nrows /* OUT, may be NULL */)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType rs = PQresultStatus(r);
    status_t st = ST_OK;

    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
        fprintf(stderr, "devstack: SQL failed (%s): %s", sql, PQerrorMessage(c));
        st = ST_UNAVAILABLE;
    } else if (nrows) {
        *nrows = PQntuples(r);
    }
    PQclear(r);
    return st;
}

static PGconn *pg_connect(int port, const char *db)
{
    buf_t ci = BUF_INIT;
    buf_printf(&ci,
               "host=127.0.0.1 port=%d user=postgres dbname=%s connect_timeout=5 "
               "options=-cclient_min_messages=warning",
               port, db);
    PGconn *c = PQconnectdb(ci.data);
    buf_cleanup(&ci);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "devstack: cannot connect to PostgreSQL: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    return c;
}

/* Only postgres is trusted; every other role needs its password. Rewritten on each start, so a
 * cluster made before per-service roles gets it too. */
static status_t write_hba(const char *pgdata, const struct passwd *pw)
{
    buf_t path = BUF_INIT;
    FILE *f = NULL;
    status_t st = ST_UNAVAILABLE;

    buf_printf(&path, "%s/pg_hba.conf", pgdata);
    if (!(f = fopen(path.data, "w"))) {
        fprintf(stderr, "devstack: cannot write %s: %s\n", path.data, strerror(errno));
        goto done;
    }
    fputs("# Written by devstack on every start (infra/stack/stack_pg.c).\n"
          "host all postgres 127.0.0.1/32 trust\n"
          "host all all      127.0.0.1/32 scram-sha-256\n",
          f);
    if (fclose(f) != 0 || (pw && chown(path.data, pw->pw_uid, pw->pw_gid) < 0)) {
        fprintf(stderr, "devstack: cannot write %s: %s\n", path.data, strerror(errno));
        f = NULL;
        goto done;
    }
    f = NULL;
    st = ST_OK;
done:
    buf_cleanup(&path);
    return st;
}

/* "DATABASE_URL_<NAME>": the service's name upper-cased, '-' as '_'. */
static void url_key(const char *name, buf_t *key)
{
    buf_puts(key, "DATABASE_URL_");
    for (const char *p = name; *p; p++)
        buf_putc(key, *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p == '-' ? '_' : *p);
}

bool devstack_has_db(const devstack_t *s, const char *name)
{
    buf_t b = BUF_INIT;
    struct stat sb;
    buf_printf(&b, "%s/services/%s/migrations", s->repo_dir ? s->repo_dir : ".", name);
    bool yes = stat(b.data, &sb) == 0 && S_ISDIR(sb.st_mode);
    buf_cleanup(&b);
    return yes;
}

/* Role `role` (login, not superuser: row-level security applies to it) with a fresh password;
 * its URL stored in s->db_urls under key. For a service (own_schema), the schema of its name
 * owned by it, and whatever an older stack made there as app handed over to it. */
static status_t setup_role(devstack_t *s, PGconn *c, const char *role, const char *key,
                           bool own_schema)
{
    char *pw = NULL, *id = NULL, *lit = NULL, *pwlit = NULL;
    buf_t sql = BUF_INIT;
    int n = 0;
    status_t st = ST_UNAVAILABLE;

    if (crypto_random_token(24, &pw) || !(id = PQescapeIdentifier(c, role, strlen(role))) ||
        !(lit = PQescapeLiteral(c, role, strlen(role))) ||
        !(pwlit = PQescapeLiteral(c, pw, strlen(pw))))
        goto done;
    buf_printf(&sql, "SELECT 1 FROM pg_roles WHERE rolname = %s", lit);
    if ((st = pg_sql(c, sql.data, &n)))
        goto done;
    buf_reset(&sql);
    buf_printf(&sql,
               "%s ROLE %s LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
               "PASSWORD %s",
               n ? "ALTER" : "CREATE", id, pwlit);
    PGresult *r = PQexec(c, sql.data);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    crypto_wipe(sql.data, sql.len);
    if (!ok) { /* the statement holds the password: only the error is printed */
        fprintf(stderr, "devstack: cannot set up role %s: %s", role, PQerrorMessage(c));
        st = ST_UNAVAILABLE;
        goto done;
    }
    buf_reset(&sql);
    buf_printf(&sql, "GRANT CONNECT ON DATABASE platform TO %s", id);
    if (own_schema)
        buf_printf(&sql,
                   "; CREATE SCHEMA IF NOT EXISTS %s AUTHORIZATION %s; ALTER SCHEMA %s OWNER TO %s;"
                   " DO $adopt$DECLARE r record; BEGIN"
                   " FOR r IN SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace"
                   " AND relkind IN ('r', 'p') AND relowner <> %s::regrole LOOP"
                   " EXECUTE format('ALTER TABLE %%I.%%I OWNER TO %%I', %s, r.relname, %s);"
                   " END LOOP; END$adopt$",
                   id, id, id, id, lit, lit, lit, lit);
    if ((st = pg_sql(c, sql.data, NULL)))
        goto done;
    /* A service's sessions are named after it even on connections libshared does not make. */
    stack_env_setf(&s->db_urls, key, "postgresql://%s:%s@127.0.0.1:%d/platform%s%s", role, pw,
                   s->pg_port, own_schema ? "?application_name=" : "", own_schema ? role : "");
done:
    if (pw)
        crypto_wipe(pw, strlen(pw));
    free(pw);
    PQfreemem(id);
    PQfreemem(lit);
    PQfreemem(pwlit);
    buf_cleanup(&sql);
    return st;
}

/* Database platform owned by postgres, where nobody but the roles below may connect: app
 * (connect, create schemas and temp tables: the tests' scratch schemas) and one role per
 * service with a database (connect; owns its schema, nothing else); the extensions services'
 * migrations use (rum). Idempotent. */
static status_t pg_setup(devstack_t *s)
{
    PGconn *c = NULL;
    int n = 0;
    status_t st = ST_UNAVAILABLE;

    if (!(c = pg_connect(s->pg_port, "postgres")))
        goto done;
    if ((st = pg_sql(c, "SELECT 1 FROM pg_database WHERE datname = 'platform'", &n)))
        goto done;
    if (n == 0 && (st = pg_sql(c, "CREATE DATABASE platform OWNER postgres", NULL)))
        goto done;
    PQfinish(c);
    st = ST_UNAVAILABLE;
    if (!(c = pg_connect(s->pg_port, "platform")))
        goto done;
    if ((st = pg_sql(c,
                     "REVOKE ALL ON DATABASE platform FROM PUBLIC; "
                     "REVOKE CREATE ON SCHEMA public FROM PUBLIC; "
                     /* rag's full-text index of chunks (RUM); creating an extension needs the
                      * superuser, so it is made here, before migrations. Under row-level
                      * security PostgreSQL uses an index for `tsvector @@ tsquery` only when
                      * the operator's function is leakproof (it only compares its arguments;
                      * docs/operations.md) */
                     "CREATE EXTENSION IF NOT EXISTS rum; "
                     "ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF",
                     NULL)))
        goto done;
    stack_env_cleanup(&s->db_urls);
    stack_env_init(&s->db_urls);
    if ((st = setup_role(s, c, "app", "DATABASE_URL", false)) ||
        (st = pg_sql(c, "GRANT CONNECT, CREATE, TEMP ON DATABASE platform TO app", NULL)))
        goto done;
    for (size_t i = 0; i < s->nsvcs; i++) {
        const char *name = s->svcs[i].name;
        buf_t key = BUF_INIT;
        if (!devstack_has_db(s, name))
            continue;
        url_key(name, &key);
        st = setup_role(s, c, name, key.data, true);
        buf_cleanup(&key);
        if (st)
            goto done;
    }
done:
    PQfinish(c);
    return st;
}

void stack_env_for_service(stack_env_t *env, const char *name)
{
    buf_t key = BUF_INIT;
    char *own = NULL;

    url_key(name, &key);
    if (stack_env_get(env, key.data))
        own = xstrdup(stack_env_get(env, key.data));
    for (size_t i = env->n; i-- > 0;) {
        if (str_has_prefix(env->v[i], "DATABASE_URL_")) {
            char *k = xstrndup(env->v[i], strcspn(env->v[i], "="));
            stack_env_unset(env, k);
            free(k);
        }
    }
    stack_env_unset(env, "PG_ADMIN_URL"); /* never the superuser */
    if (own)
        stack_env_set(env, "DATABASE_URL", own);
    else
        stack_env_unset(env, "DATABASE_URL");
    free(own);
    buf_cleanup(&key);
}

static status_t pg_wait(devstack_t *s)
{
    buf_t ci = BUF_INIT;
    int64_t deadline = time_mono_us() + (int64_t)PG_START_TIMEOUT_MS * 1000;
    status_t st = ST_TIMEOUT;

    buf_printf(&ci, "host=127.0.0.1 port=%d user=postgres dbname=postgres connect_timeout=2",
               s->pg_port);
    while (time_mono_us() < deadline) {
        if (PQping(ci.data) == PQPING_OK) {
            st = ST_OK;
            break;
        }
        if (waitpid(s->pg.pid, &s->pg.last_status, WNOHANG) == s->pg.pid) {
            s->pg.pid = 0;
            st = ST_UNAVAILABLE;
            break;
        }
        if (stack_interrupted()) {
            st = ST_UNAVAILABLE;
            break;
        }
        usleep(50000);
    }
    if (st && !stack_interrupted()) {
        fprintf(stderr, "devstack: PostgreSQL did not start%s; the end of %s:\n",
                st == ST_TIMEOUT ? " in time" : "", s->pg.log_path);
        stack_log_tail(s->pg.log_path, STACK_LOG_TAIL_LINES, "  | ", stderr);
    }
    buf_cleanup(&ci);
    return st;
}

status_t devstack_pg_start(devstack_t *s)
{
    buf_t pgdata = BUF_INIT, version = BUF_INIT, port = BUF_INIT, postgres = BUF_INIT;
    struct passwd *pw = NULL;
    struct stat sb;
    status_t st = ST_UNAVAILABLE;

    if (!s->pg_bindir && !(s->pg_bindir = find_bindir())) {
        fprintf(stderr, "devstack: no PostgreSQL server binaries (initdb) found via pg_config or "
                        "under /usr/lib/postgresql: run infra/deps.sh\n");
        goto done;
    }
    buf_printf(&pgdata, "%s/pg", s->var_dir);
    buf_printf(&version, "%s/PG_VERSION", pgdata.data);
    buf_printf(&port, "%d", s->pg_port);
    buf_printf(&postgres, "%s/postgres", s->pg_bindir);
    if ((st = pg_user(&pw)))
        goto done;
    if (pw && (st = check_reachable(s->var_dir, pw)))
        goto done;
    if (stat(version.data, &sb) < 0) {
        if (stat(pgdata.data, &sb) == 0 && rmdir(pgdata.data) < 0) {
            fprintf(stderr,
                    "devstack: %s exists but is not a PostgreSQL data directory (no PG_VERSION): "
                    "move it away or remove it\n",
                    pgdata.data);
            st = ST_CONFLICT;
            goto done;
        }
        if ((st = pg_initdb(s, pgdata.data, pw)))
            goto done;
    } else if (pw && stat(pgdata.data, &sb) == 0 && sb.st_uid != pw->pw_uid) {
        if ((st = stack_chown_tree(pgdata.data, pw->pw_uid, pw->pw_gid)))
            goto done;
    }
    if ((st = write_hba(pgdata.data, pw)))
        goto done;

    /* Test clusters trade durability for speed (the fsync options end the list otherwise). */
    /* clang-format off */
    char *argv[] = {postgres.data, "-D", pgdata.data, "-p", port.data,
                    "-c", "listen_addresses=127.0.0.1",
                    "-c", "unix_socket_directories=", /* TCP only */
                    "-c", "max_connections=300",
                    s->ephemeral ? "-c" : NULL, "fsync=off",
                    "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off",
                    NULL};
    /* clang-format on */
    stack_spawn_opts_t o = STACK_SPAWN_OPTS_INIT;
    o.log_path = s->pg.log_path;
    o.run_as = pw ? pw->pw_name : NULL;
    o.cwd = "/";
    o.death_sig = SIGINT; /* fast shutdown if devstack dies */
    if ((st = stack_spawn(postgres.data, argv, NULL, &o, &s->pg.pid)))
        goto done;
    s->pg.started_us = time_mono_us();
    if ((st = pg_wait(s)))
        goto done;
    st = pg_setup(s);
done:
    buf_cleanup(&pgdata);
    buf_cleanup(&version);
    buf_cleanup(&port);
    buf_cleanup(&postgres);
    return st;
}
