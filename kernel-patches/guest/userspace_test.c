// Mamori's own user space on the patched kernel, as built for the host (dynamically linked; run-
// guest.sh copies the libraries into the initramfs): mamorid's feature probe finds both patch
// series, and `mamorictl lbm attach` — the LbmHooks code the devices engine uses for the
// administrator's packet rules — stops qemu's keyboard, is replaced by a later filter without
// a gap, and is taken off by `mamorictl lbm detach`.
#define GUEST_SUITE "userspace"
#include "guest_report.h"
#include "usb_keyboard.h"

#include <string.h>
#include <sys/wait.h>

// Runs argv, returns its exit status and its output (stdout and stderr) in `out`.
static int run(char* const argv[], char* out, size_t size) {
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
    while (used + 1 < size && (got = read(pipeFds[0], out + used, size - 1 - used)) > 0) {
        used += (size_t)got;
    }
    out[used] = '\0';
    close(pipeFds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The line of `output` starting with `prefix`, or "" (for the messages).
static const char* lineOf(const char* output, const char* prefix) {
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

static void probe(void) {
    static char out[8192];
    char* argv[] = {"/data/bin/mamorid", "--probe", NULL};
    const int status = run(argv, out, sizeof out);
    const char* seccomp = lineOf(out, "seccomp_ebpf ");
    const char* lbm = lineOf(out, "lbm ");
    report("mamorid --probe finds seccomp-eBPF", status == 0 && strstr(seccomp, " yes ") != NULL,
           seccomp[0] != '\0' ? seccomp : out);
    report("mamorid --probe finds LBM", status == 0 && strstr(lbm, " yes ") != NULL,
           lbm[0] != '\0' ? lbm : out);
}

static void packetRules(int keyboard) {
    static char out[4096];
    char why[4200];
    char* attach[] = {"/data/bin/mamorictl", "lbm", "attach", "/data/rules/qemu-keyboard.rules",
                      NULL};
    int status = run(attach, out, sizeof out);
    snprintf(why, sizeof why, "status %d: %s", status, out);
    report("mamorictl lbm attach puts the keyboard rule on the USB hooks",
           status == 0 && strstr(out, "usb_ingress, usb_egress") != NULL, why);
    count_keys(keyboard, 300);
    const int during = count_keys(keyboard, 1500);
    snprintf(why, sizeof why, "%d key events in 1.5 s", during);
    report("no key arrives under the attached rule file", during == 0, why);

    char* status_argv[] = {"/data/bin/mamorictl", "lbm", "status", NULL};
    status = run(status_argv, out, sizeof out);
    const char* usb = lineOf(out, "usb_ingress:");
    report("mamorictl lbm status shows Mamori's filter and its drops",
           status == 0 && strstr(usb, "1 Mamori") != NULL && strstr(usb, " 0 dropped") == NULL,
           usb[0] != '\0' ? usb : out);

    // A new rule file replaces the old filter (attach first, then the old one off): the
    // benchmark's rule matches nothing here, so the keys come back.
    char* replace[] = {"/data/bin/mamorictl", "lbm", "attach", "/data/rules/bench-1-rule.rules",
                       NULL};
    status = run(replace, out, sizeof out);
    snprintf(why, sizeof why, "status %d: %s", status, out);
    report("attaching another rule file replaces the earlier filter",
           status == 0 && strstr(out, "replaced 2") != NULL && count_keys(keyboard, 1000) > 0, why);

    char* detach[] = {"/data/bin/mamorictl", "lbm", "detach", NULL};
    status = run(detach, out, sizeof out);
    snprintf(why, sizeof why, "status %d: %s", status, out);
    report("mamorictl lbm detach takes Mamori's filters off",
           status == 0 && strstr(out, "took 2 ") != NULL, why);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    probe();
    const int keyboard = open_keyboard();
    report("qemu's USB keyboard is there", keyboard >= 0, "no evdev node with 0627:0001");
    if (keyboard >= 0) {
        packetRules(keyboard);
    }
    return failures == 0 ? 0 : 1;
}
