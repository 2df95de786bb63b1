// mamorid itself on the patched kernel: with the guest's keyboard rule as its administrator
// rule file, its devices engine puts the packet rule on the LBM hooks when it starts, so the
// typing keyboard falls silent; the filter stays when mamorid stops (protection does not drop
// while the service restarts), and a restart replaces it without a gap. A private system bus
// (dbus-daemon, as built for the host) is started for it.
#define GUEST_SUITE "mamorid"
#include "guest_process.h"
#include "guest_report.h"
#include "usb_keyboard.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

// Mamori's programs on the USB ingress hook, from `mamorictl lbm status`; -1 if it fails.
static int mamoriFiltersOnUsb(void) {
    static char out[4096];
    char* argv[] = {"/data/bin/mamorictl", "lbm", "status", NULL};
    int count = -1;
    if (run(argv, out, sizeof out) != 0 ||
        sscanf(lineOf(out, "usb_ingress:"), "usb_ingress: %d Mamori", &count) != 1) {
        return -1;
    }
    return count;
}

static int waitForFilter(int seconds) {
    for (int i = 0; i < seconds * 10; ++i) {
        if (mamoriFiltersOnUsb() == 1) {
            return 1;
        }
        usleep(100 * 1000);
    }
    return 0;
}

static void dumpLog(const char* path) {
    FILE* f = fopen(path, "r");
    char line[512];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        printf("  %s", line);
    }
    if (f != NULL) {
        fclose(f);
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const int keyboard = open_keyboard();
    report("qemu's USB keyboard is there", keyboard >= 0, "no evdev node with 0627:0001");
    if (keyboard < 0) {
        return 1;
    }
    // dbus-daemon looks up who runs it; the initramfs has no user database.
    mkdir("/etc", 0755);
    FILE* passwd = fopen("/etc/passwd", "w");
    FILE* group = fopen("/etc/group", "w");
    if (passwd != NULL && group != NULL) {
        fputs("root:x:0:0:root:/root:/bin/sh\n", passwd);
        fputs("root:x:0:\n", group);
    }
    if (passwd != NULL) {
        fclose(passwd);
    }
    if (group != NULL) {
        fclose(group);
    }
    char* bus[] = {"/data/bin/dbus-daemon", "--config-file=/data/mamorid/bus.conf", "--nofork",
                   NULL};
    const pid_t busPid = start(bus, "/tmp/bus.log");
    for (int i = 0; i < 50 && access("/tmp/system_bus_socket", F_OK) != 0; ++i) {
        usleep(100 * 1000);
    }
    setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/tmp/system_bus_socket", 1);
    setenv("CONFIGURATION_DIRECTORY", "/data/mamorid", 1);
    setenv("STATE_DIRECTORY", "/tmp/mamori-state", 1);
    mkdir("/tmp/mamori-state", 0700);
    char* daemon[] = {"/data/bin/mamorid", NULL};

    pid_t mamorid = start(daemon, "/tmp/mamorid.log");
    const int attached = waitForFilter(15);
    report("mamorid's devices engine puts the rule file's packet rule on the LBM hooks", attached,
           "no Mamori filter on usb_ingress within 15 s");
    count_keys(keyboard, 300);
    int keys = count_keys(keyboard, 1500);
    char why[128];
    snprintf(why, sizeof why, "%d key events in 1.5 s", keys);
    report("the typing keyboard falls silent", attached && keys == 0, why);

    kill(mamorid, SIGTERM);
    waitpid(mamorid, NULL, 0);
    keys = count_keys(keyboard, 1500);
    snprintf(why, sizeof why, "%d Mamori filters, %d key events in 1.5 s", mamoriFiltersOnUsb(),
             keys);
    report("the filter stays when mamorid stops", mamoriFiltersOnUsb() == 1 && keys == 0, why);

    mamorid = start(daemon, "/tmp/mamorid.log");
    sleep(3);
    keys = count_keys(keyboard, 1500);
    snprintf(why, sizeof why, "%d Mamori filters, %d key events in 1.5 s", mamoriFiltersOnUsb(),
             keys);
    report("a restart replaces it: one filter, still silent",
           mamoriFiltersOnUsb() == 1 && keys == 0, why);
    kill(mamorid, SIGTERM);
    waitpid(mamorid, NULL, 0);
    kill(busPid, SIGTERM);
    waitpid(busPid, NULL, 0);

    char* detach[] = {"/data/bin/mamorictl", "lbm", "detach", NULL};
    waitpid(start(detach, "/tmp/detach.log"), NULL, 0);
    report("keys arrive again once the filter is taken off", count_keys(keyboard, 1000) > 0,
           "no key events after mamorictl lbm detach");
    if (failures) {
        printf("mamorid's log:\n");
        dumpLog("/tmp/mamorid.log");
        printf("the bus's log:\n");
        dumpLog("/tmp/bus.log");
    }
    return failures == 0 ? 0 : 1;
}
