// Run by guest/userspace_test.c under `mamori-run profiles/stateful.profile`: makes the calls
// the profile's stateful rules are about and prints what happened, one "name value" per line.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double nowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char* openResult(const char* path) {
    const int fd = open(path, O_RDONLY | O_CREAT, 0600);
    if (fd < 0) {
        return strerror(errno);
    }
    close(fd);
    return "opened";
}

static void* sleepInGroup(void* unused) {
    (void)unused;
    const struct timespec pause = {0, 400 * 1000 * 1000};
    clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, NULL);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int allowed = 0;
    int refusedEdquot = 0;
    for (int i = 0; i < 5; ++i) {
        if (syscall(SYS_keyctl, 0, -3, 0) != -1 || errno != EDQUOT) {
            ++allowed;
        } else {
            ++refusedEdquot;
        }
    }
    printf("keyctl-allowed %d\nkeyctl-refused %d\n", allowed, refusedEdquot);
    printf("open-under-prefix %s\n", openResult("/tmp/allowed/notes"));
    printf("open-elsewhere %s\n", openResult("/tmp/secret"));
    printf("open-prefix-lookalike %s\n", openResult("/tmp/allowedness"));
    printf("open-dotdot %s\n", openResult("/tmp/allowed/../secret"));

    pthread_t sleeper;
    pthread_create(&sleeper, NULL, sleepInGroup, NULL);
    // Let it start sleeping; spinning on the vDSO clock makes no syscall of the group.
    for (const double settle = nowMs() + 100; nowMs() < settle;) {
    }
    const double start = nowMs();
    syscall(SYS_getppid);
    printf("getppid-waited-ms %.0f\n", nowMs() - start);
    pthread_join(sleeper, NULL);
    return 0;
}
