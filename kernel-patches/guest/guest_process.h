// Running Mamori's programs from a guest test: in the foreground with their output captured,
// or in the background with their output in a log file.
#ifndef MAMORI_GUEST_PROCESS_H
#define MAMORI_GUEST_PROCESS_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

// Runs argv, returns its exit status and its output (stdout and stderr) in `out`.
static inline int run(char* const argv[], char* out, size_t size) {
    int pipeFds[2];
    if (pipe(pipeFds) != 0) {
        return -1;
    }
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(pipeFds[1], 1);
        dup2(pipeFds[1], 2);
        close(pipeFds[0]);
        close(pipeFds[1]);
        execv(argv[0], argv);
        printf("cannot execute %s: %m\n", argv[0]);
        _exit(127);
    }
    close(pipeFds[1]);
    size_t used = 0;
    ssize_t got;
    char rest[4096];
    while ((got = used + 1 < size ? read(pipeFds[0], out + used, size - 1 - used)
                                  : read(pipeFds[0], rest, sizeof rest)) > 0) {
        used += used + 1 < size ? (size_t)got : 0; // beyond `size`: drained, not kept
    }
    out[used] = '\0';
    close(pipeFds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The line of `output` starting with `prefix`, or "" (for the messages).
static inline const char* lineOf(const char* output, const char* prefix) {
    static char line[512];
    line[0] = '\0';
    for (const char* p = output; p != NULL && *p != '\0';) {
        const char* end = strchr(p, '\n');
        const size_t length = end != NULL ? (size_t)(end - p) : strlen(p);
        if (strncmp(p, prefix, strlen(prefix)) == 0) {
            snprintf(line, sizeof line, "%.*s", (int)length, p);
            break;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    return line;
}

// Starts argv in the background, its output appended to `log`.
static inline pid_t start(char* const argv[], const char* log) {
    const pid_t pid = fork();
    if (pid == 0) {
        const int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

#endif
