// The kernel's own seccomp selftests (tools/testing/selftests/seccomp/seccomp_bpf.c, built from
// linux-source-6.1 by test-kernel.sh into /data/seccomp_bpf) on the patched kernel: both series
// in, mainline seccomp must behave as before. Reads their TAP output and prints one PASS line
// with the counts, a FAIL line per failed test, and the skipped ones with their reason.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int out[2];
    if (pipe(out) != 0) {
        printf("FAIL kernel-selftests seccomp_bpf: pipe: %m\n");
        return 1;
    }
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        dup2(out[1], 2);
        close(out[0]);
        close(out[1]); // the tests count the descriptors they are given
        execl("/data/seccomp_bpf", "seccomp_bpf", (char*)NULL);
        printf("not ok 0 cannot execute /data/seccomp_bpf\n");
        _exit(127);
    }
    close(out[1]);
    FILE* tap = fdopen(out[0], "r");
    char line[1024];
    int passed = 0, skipped = 0, failed = 0;
    while (fgets(line, sizeof line, tap) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "not ok ", 7) == 0) {
            printf("FAIL kernel-selftests seccomp_bpf: %s\n", line);
            ++failed;
        } else if (strncmp(line, "ok ", 3) == 0 && strstr(line, "# SKIP") != NULL) {
            printf("SKIP kernel-selftests seccomp_bpf: %s\n", line);
            ++skipped;
        } else if (strncmp(line, "ok ", 3) == 0) {
            ++passed;
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (passed == 0 || failed > 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("FAIL kernel-selftests seccomp_bpf: %d passed, %d failed, %d skipped, status 0x%x\n",
               passed, failed, skipped, status);
        return 1;
    }
    printf("PASS kernel-selftests seccomp_bpf: %d passed, %d skipped\n", passed, skipped);
    return 0;
}
