// /init of the qemu guest: mounts what the tests need, runs every program in /tests in name
// order (each prints "PASS name" or "FAIL name: why" lines on the serial console), then says
// "MAMORI-GUEST-DONE" and reboots, which ends qemu (it runs with -no-reboot; the tiny kernel
// has no ACPI to power off with).
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int by_name(const struct dirent** a, const struct dirent** b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void run(const char* path) {
    const pid_t pid = fork();
    if (pid == 0) {
        execl(path, path, (char*)NULL);
        printf("FAIL %s: cannot execute\n", path);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("FAIL %s: exited with status 0x%x\n", path, status);
    }
    fflush(stdout);
}

int main(void) {
    mkdir("/proc", 0555);
    mkdir("/sys", 0555);
    mkdir("/dev", 0755);
    mkdir("/tmp", 01777);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("MAMORI-GUEST-START\n");
    struct dirent** entries = NULL;
    const int count = scandir("/tests", &entries, NULL, by_name);
    for (int i = 0; i < count; ++i) {
        if (entries[i]->d_name[0] != '.') {
            char path[512];
            snprintf(path, sizeof path, "/tests/%s", entries[i]->d_name);
            run(path);
        }
        free(entries[i]);
    }
    free(entries);
    printf("MAMORI-GUEST-DONE\n");
    fflush(stdout);
    sync();
    reboot(RB_AUTOBOOT); // with -no-reboot, qemu exits
    return 0;
}
