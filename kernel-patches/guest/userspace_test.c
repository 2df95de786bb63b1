// Mamori's own user space on the patched kernel, as built for the host (dynamically linked; run-
// guest.sh copies the libraries into the initramfs): mamorid's feature probe finds both patch
// series; `mamorictl lbm attach` — the LbmHooks code the devices engine uses for the
// administrator's packet rules — stops qemu's keyboard, is replaced by a later filter without
// a gap, and is taken off by `mamorictl lbm detach`; and mamori-run, with no mamorid to
// supervise, enforces a profile's count limit, path prefix and serialized pair through one
// seccomp-eBPF filter (guest/profiles/stateful.profile, guest/sandboxed_calls.c).
#define GUEST_SUITE "userspace"
#include "guest_process.h"
#include "guest_report.h"
#include "usb_keyboard.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

// "name value" of `output`'s line starting with name, or "".
static const char* valueOf(const char* output, const char* name) {
    static char value[256];
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s ", name);
    const char* line = lineOf(output, prefix);
    snprintf(value, sizeof value, "%s", line[0] != '\0' ? line + strlen(prefix) : "");
    return value;
}

static void sandbox(void) {
    static char out[262144];
    static char why[sizeof out + 64];
    char* explain[] = {
        "/data/bin/mamori-run",  "--explain", "/data/profiles/stateful.profile", "--",
        "/data/sandboxed_calls", NULL};
    int status = run(explain, out, sizeof out);
    snprintf(why, sizeof why, "status %d: %s", status, out);
    report("mamori-run --explain puts the stateful rules in the seccomp-eBPF filter",
           status == 0 && strstr(lineOf(out, "  keyctl:"), "seccomp-eBPF filter") != NULL &&
               strstr(out, "needs the supervisor: no") != NULL,
           why);

    mkdir("/tmp/allowed", 0755);
    char* launch[] = {"/data/bin/mamori-run", "/data/profiles/stateful.profile", "--",
                      "/data/sandboxed_calls", NULL};
    status = run(launch, out, sizeof out);
    snprintf(why, sizeof why, "status %d: %s", status, out);
    report("mamori-run starts the program without mamorid", status == 0, why);
    report("[Limits] keyctl=3: three calls pass, then EDQUOT",
           strcmp(valueOf(out, "keyctl-allowed"), "3") == 0 &&
               strcmp(valueOf(out, "keyctl-refused"), "2") == 0,
           why);
    report("[Arguments] path prefix: a path under /tmp/allowed opens",
           strcmp(valueOf(out, "open-under-prefix"), "opened") == 0, why);
    report("[Arguments] path prefix: other paths, look-alikes and .. are refused (EACCES)",
           strcmp(valueOf(out, "open-elsewhere"), "Permission denied") == 0 &&
               strcmp(valueOf(out, "open-prefix-lookalike"), "Permission denied") == 0 &&
               strcmp(valueOf(out, "open-dotdot"), "Permission denied") == 0,
           why);
    const int waited = atoi(valueOf(out, "getppid-waited-ms"));
    report("[Serialize] getppid waits for the other thread's clock_nanosleep",
           waited >= 150 && waited <= 1000, why);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    setenv("HOME", "/tmp", 1);
    probe();
    sandbox();
    const int keyboard = open_keyboard();
    report("qemu's USB keyboard is there", keyboard >= 0, "no evdev node with 0627:0001");
    if (keyboard >= 0) {
        packetRules(keyboard);
    }
    return failures == 0 ? 0 : 1;
}
