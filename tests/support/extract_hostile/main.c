/* extract_hostile - a stand-in for ingest-extract that misbehaves on purpose, for the sandbox
 * tests (tests/unit/services/ingest/test_sandbox.c). It takes the extractor's arguments and
 * sets the same limits and seccomp filter (services/ingest/extract/limits.c), then does what the
 * first word of its input says: spin (burn CPU), alloc (touch memory until it fails), sleep
 * (outlive the wall time), crash (SIGSEGV), syscall (a forbidden socket()), flood (answer
 * forever), garbage (a malformed answer), exit3 (exit status 3), fork (leave a grandchild that
 * keeps stdout open), ok (a valid empty answer). Built without sanitizers (their shadow memory
 * would defeat RLIMIT_AS).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "services/ingest/extract/extract.h"

static void emit(const void *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w <= 0)
            exit(1);
        p = (const char *)p + w;
        n -= (size_t)w;
    }
}

int main(int argc, char **argv)
{
    int cpu = 0, mem = 0;
    char cmd[32] = "";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--cpu") == 0)
            cpu = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--mem") == 0)
            mem = atoi(argv[i + 1]);
    }
    if (extract_limits_set(cpu, mem) != ST_OK)
        return 10;
    ssize_t n = read(0, cmd, sizeof cmd - 1);
    if (n < 0)
        return 11;
    cmd[n] = '\0';
    cmd[strcspn(cmd, " \n")] = '\0';
    if (strcmp(cmd, "fork") == 0 && fork() == 0) { /* before the filter, which forbids it */
        sleep(600);
        return 0;
    }
    if (extract_seccomp_install() != ST_OK)
        return 12;

    if (strcmp(cmd, "spin") == 0) {
        volatile unsigned long x = 0;
        for (;;)
            x++;
    } else if (strcmp(cmd, "alloc") == 0) {
        for (;;) {
            char *p = malloc(16 << 20);
            if (!p)
                abort();
            memset(p, 1, 16 << 20);
        }
    } else if (strcmp(cmd, "sleep") == 0 || strcmp(cmd, "fork") == 0) {
        for (;;)
            sleep(60);
    } else if (strcmp(cmd, "crash") == 0) {
        raise(SIGSEGV);
    } else if (strcmp(cmd, "syscall") == 0) {
        return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 13;
    } else if (strcmp(cmd, "flood") == 0) {
        static char junk[1 << 16];
        for (;;)
            emit(junk, sizeof junk);
    } else if (strcmp(cmd, "garbage") == 0) {
        emit("\0\0\0\5hello", 9);
    } else if (strcmp(cmd, "exit3") == 0) {
        return 3;
    } else if (strcmp(cmd, "ok") == 0) {
        emit("\0\0\0\0", 4);
    }
    return 0;
}
