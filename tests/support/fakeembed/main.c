/* fakeembed - the fake OpenAI-compatible embeddings server (tests/support/fakeembed.h) as a
 * program, for clients in other processes (tests/fakeembed/judge.mjs runs the official openai
 * npm client against it).
 *
 *   fakeembed [--port N] [--key K] [--dims N] [--models a,b] [--unnormalised] [--reversed]
 *
 * Prints "fakeembed listening on http://127.0.0.1:<port>/v1" on stdout once it listens, then
 * serves until SIGINT/SIGTERM or until its standard input closes. Controls: POST /_fake/fail,
 * POST /_fake/reset, GET /_fake/stats.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/fakeembed.h"

static void usage(void)
{
    fprintf(stderr, "usage: fakeembed [--port N] [--key K] [--dims N] [--models a,b] "
                    "[--unnormalised] [--reversed]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    fakeembed_opts_t o = {0};
    sigset_t set;
    int sig;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--unnormalised") == 0)
            o.unnormalised = true;
        else if (strcmp(a, "--reversed") == 0)
            o.reversed = true;
        else if (!v)
            usage();
        else if (strcmp(a, "--port") == 0 && ++i)
            o.port = atoi(v);
        else if (strcmp(a, "--key") == 0 && ++i)
            o.api_key = v;
        else if (strcmp(a, "--dims") == 0 && ++i)
            o.dims = atoi(v);
        else if (strcmp(a, "--models") == 0 && ++i)
            o.models = v;
        else
            usage();
    }
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before the server's thread starts */
    fakeembed_t *f = fakeembed_start(&o);
    if (!f)
        return 1;
    printf("fakeembed listening on http://127.0.0.1:%d/v1\n", fakeembed_port(f));
    fflush(stdout);
    if (isatty(STDIN_FILENO) || getenv("FAKEEMBED_IGNORE_STDIN")) {
        sigwait(&set, &sig);
    } else { /* the parent holds our stdin: its end is ours (no orphan server) */
        char buf[256];
        while (read(STDIN_FILENO, buf, sizeof buf) > 0)
            ;
    }
    fakeembed_stop(f);
    return 0;
}
