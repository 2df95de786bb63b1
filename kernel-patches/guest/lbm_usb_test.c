// The LBM series on the USB path in the guest: qemu's USB keyboard (0627:0001) types all the
// time (run-guest.sh presses a key through QMP every 100 ms) next to a USB stick. A filter
// compiled by `mamorictl lbm compile` from guest/rules/qemu-keyboard.rules drops the keyboard's
// interrupt URBs on completion: no key reaches the input layer while the stick still reads
// and writes; detached, the keys come back. The cost per URB is tests/bench/kernel's.
#define _GNU_SOURCE // O_DIRECT
#define GUEST_SUITE "lbm-usb"
#include "guest_report.h"
#include "lbm_guest.h"
#include "usb_keyboard.h"

#include <errno.h>
#include <string.h>

#define SECTOR 512

static int open_stick(void) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int fd = open("/dev/sda", O_RDWR | O_DIRECT);
        if (fd >= 0) {
            return fd;
        }
        usleep(100 * 1000);
    }
    return -1;
}

// Writes a pattern to a sector of the stick and reads it back, both bypassing the page cache,
// so each is a real bulk transfer through the filtered URB path.
static int stick_round_trip(int fd, unsigned sector, unsigned char* buf) {
    memset(buf, (int)(0x40 + sector % 64), SECTOR);
    if (pwrite(fd, buf, SECTOR, (off_t)sector * SECTOR) != SECTOR) {
        return -1;
    }
    memset(buf, 0, SECTOR);
    if (pread(fd, buf, SECTOR, (off_t)sector * SECTOR) != SECTOR) {
        return -1;
    }
    return buf[0] == 0x40 + sector % 64 && buf[SECTOR - 1] == 0x40 + sector % 64 ? 0 : -1;
}

static void test_keyboard_filter(int keyboard, int stick, unsigned char* buf) {
    char why[160];
    const int before = count_keys(keyboard, 1000);
    snprintf(why, sizeof why, "%d key events in 1 s without a filter", before);
    report("keys arrive without a filter", before > 0, why);

    const int prog = lbm_load("/data/rules/qemu-keyboard.bpf");
    report("the compiled keyboard rule loads as BPF_PROG_TYPE_LBM", prog >= 0, "see the log");
    if (prog < 0) {
        return;
    }
    const long long dropped0 = lbm_counter("usb_ingress_dropped");
    const int attached = lbm_attach(prog, BPF_LBM_USB_INGRESS);
    snprintf(why, sizeof why, "BPF_PROG_ATTACH: %s", strerror(errno));
    report("the filter attaches to the USB ingress hook", attached == 0, why);
    count_keys(keyboard, 300); // what was already on its way
    const int during = count_keys(keyboard, 1500);
    const long long dropped = lbm_counter("usb_ingress_dropped") - dropped0;
    snprintf(why, sizeof why, "%d key events in 1.5 s, %lld URBs dropped", during, dropped);
    report("no key arrives while the filter drops the keyboard's URBs", during == 0 && dropped > 0,
           why);
    int stick_ok = 1;
    for (unsigned s = 0; s < 64 && stick_ok; ++s) {
        stick_ok = stick_round_trip(stick, s, buf) == 0;
    }
    report("the USB stick writes and reads back 64 sectors meanwhile", stick_ok,
           "a write or read failed or came back different");

    const int detached = lbm_detach(prog, BPF_LBM_USB_INGRESS);
    snprintf(why, sizeof why, "BPF_PROG_DETACH: %s", strerror(errno));
    report("the filter detaches", detached == 0, why);
    errno = 0;
    const int again = lbm_detach(prog, BPF_LBM_USB_INGRESS);
    report("detaching it twice says ENOENT", again < 0 && errno == ENOENT, strerror(errno));
    const int after = count_keys(keyboard, 1000);
    snprintf(why, sizeof why, "%d key events in 1 s after detaching", after);
    report("keys arrive again once the filter is removed", after > 0, why);
    close(prog);
}

static void test_refusals(void) {
    const int prog = lbm_load("/data/rules/qemu-keyboard.bpf");
    if (prog < 0) {
        report("refusals", 0, "no program");
        return;
    }
    errno = 0;
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attach_bpf_fd = (uint32_t)prog;
    attr.attach_type = BPF_LBM_USB_INGRESS;
    attr.target_fd = 3;
    report("a target is refused (the hooks are global)",
           bpf_call(BPF_PROG_ATTACH, &attr) < 0 && errno == EINVAL, strerror(errno));
    lbm_attach(prog, BPF_LBM_USB_EGRESS);
    errno = 0;
    report("the same program twice on a hook is refused (EEXIST)",
           lbm_attach(prog, BPF_LBM_USB_EGRESS) < 0 && errno == EEXIST, strerror(errno));
    lbm_detach(prog, BPF_LBM_USB_EGRESS);
    // A program writing to its context or returning 2 never loads.
    const struct bpf_insn writes[] = {ST_W(BPF_REG_1, 8, 1), MOV64_IMM(BPF_REG_0, 0), EXIT()};
    report("a context write is refused by the verifier",
           prog_load(BPF_PROG_TYPE_LBM, writes, 3, NULL, 0) < 0, "loaded");
    const struct bpf_insn two[] = {MOV64_IMM(BPF_REG_0, 2), EXIT()};
    report("a verdict other than 0 or 1 is refused by the verifier",
           prog_load(BPF_PROG_TYPE_LBM, two, 2, NULL, 0) < 0, "loaded");
    close(prog);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const int keyboard = open_keyboard();
    report("qemu's USB keyboard is there", keyboard >= 0, "no evdev node with 0627:0001");
    const int stick = open_stick();
    report("the USB stick is there", stick >= 0, "no /dev/sda");
    unsigned char* buf = aligned_alloc(4096, 4096);
    if (keyboard >= 0 && stick >= 0) {
        test_keyboard_filter(keyboard, stick, buf);
        test_refusals();
    }
    return failures == 0 ? 0 : 1;
}
