// The LBM series on the Bluetooth path in the guest: this program is the controller behind
// hci_vhci (vhci_controller.h), a remote device connects, and L2CAP signalling frames are
// injected over the link. The shipped BlueBorne rule (packaging/rules/blueborne.rules, compiled
// by `mamorictl lbm compile`) on the L2CAP receive hook drops the oversized "pending"
// configuration response and counts it, while normal responses and echo requests pass.
// Without the filter the kernel answers the oversized frame (Command Reject, its signalling
// MTU), so its silence under the filter is the filter's doing.
#define GUEST_SUITE "lbm-bluetooth"
#include "guest_report.h"
#include "lbm_guest.h"
#include "vhci_controller.h"

#include <errno.h>
#include <signal.h>

#define HANDLE 0x0042
#define CODE_COMMAND_REJECT 0x01
#define CODE_ECHO_RESPONSE 0x09

static void watchdog(int sig) {
    (void)sig;
    static const char msg[] = "FAIL lbm-bluetooth watchdog: the test took more than 30 s\n";
    if (write(1, msg, sizeof msg - 1) < 0) {
    }
    _exit(1);
}

// A configuration response (code 5) for the absent channel 0x0040 with `result`, followed by
// `options` bytes of options (type 0x7f, as BlueBorne's padding), then an echo request.
static size_t conf_rsp_frame(uint8_t* frame, uint8_t ident, uint16_t result, size_t options,
                             uint8_t echo_ident) {
    size_t n = 4;
    const size_t cmd_len = 6 + options;
    frame[n++] = 0x05;
    frame[n++] = ident;
    frame[n++] = (uint8_t)cmd_len;
    frame[n++] = (uint8_t)(cmd_len >> 8);
    frame[n++] = 0x40, frame[n++] = 0x00;                              // scid
    frame[n++] = 0x00, frame[n++] = 0x00;                              // flags
    frame[n++] = (uint8_t)result, frame[n++] = (uint8_t)(result >> 8); // result
    memset(frame + n, 0x7f, options);
    n += options;
    if (echo_ident) {
        const uint8_t echo[] = {0x08, echo_ident, 4, 0, 'p', 'i', 'n', 'g'};
        memcpy(frame + n, echo, sizeof echo);
        n += sizeof echo;
    }
    frame[0] = (uint8_t)(n - 4), frame[1] = (uint8_t)((n - 4) >> 8); // basic header: length
    frame[2] = 0x01, frame[3] = 0x00;                                // CID 1: signalling
    return n;
}

// Sends a frame and says whether the kernel answered with `code` to `ident` within `ms`.
static int answered(struct vhci* v, const uint8_t* frame, size_t len, uint8_t code, uint8_t ident,
                    int ms) {
    const int err = vhci_send_acl(v, HANDLE, frame, len);
    if (err) {
        printf("lbm-bluetooth: sending the ACL frame: %s\n", strerror(-err));
        return -1;
    }
    return vhci_wait_l2cap_signal_id(v, code, ident, ms);
}

static void test_blueborne(struct vhci* v) {
    uint8_t frame[128];
    char why[160];
    // BlueBorne: result "pending" with 64 bytes of options, a 70-byte command.
    size_t len = conf_rsp_frame(frame, 0x31, 0x0001, 64, 0);
    report("without a filter the oversized response reaches L2CAP (Command Reject)",
           answered(v, frame, len, CODE_COMMAND_REJECT, 0x31, 2000) == 1,
           "no Command Reject within 2 s");

    const int prog = lbm_load("/data/rules/blueborne.bpf");
    report("the shipped BlueBorne rule loads as BPF_PROG_TYPE_LBM", prog >= 0, "see the log");
    if (prog < 0) {
        return;
    }
    const int attached = lbm_attach(prog, BPF_LBM_L2CAP_INGRESS);
    snprintf(why, sizeof why, "BPF_PROG_ATTACH: %s", strerror(errno));
    report("it attaches to the L2CAP receive hook", attached == 0, why);
    const long long packets0 = lbm_counter("l2cap_ingress_packets");
    const long long dropped0 = lbm_counter("l2cap_ingress_dropped");

    len = conf_rsp_frame(frame, 0x32, 0x0001, 64, 0);
    const int rejected = answered(v, frame, len, CODE_COMMAND_REJECT, 0x32, 1000);
    const long long dropped = lbm_counter("l2cap_ingress_dropped") - dropped0;
    snprintf(why, sizeof why, "answered: %d, dropped: %lld", rejected, dropped);
    report("the oversized pending configuration response is dropped and counted",
           rejected == 0 && dropped == 1, why);

    // A normal pending response (no options) with an echo request in the same frame.
    len = conf_rsp_frame(frame, 0x33, 0x0001, 0, 0x34);
    const int echoed = answered(v, frame, len, CODE_ECHO_RESPONSE, 0x34, 2000);
    const long long packets = lbm_counter("l2cap_ingress_packets") - packets0;
    snprintf(why, sizeof why, "echo answered: %d, packets %lld, dropped %lld", echoed, packets,
             lbm_counter("l2cap_ingress_dropped") - dropped0);
    report("a normal configuration response passes (its frame's echo is answered)",
           echoed == 1 && packets == 2 && lbm_counter("l2cap_ingress_dropped") - dropped0 == 1,
           why);
    // The oversized one, just under the rule's 70 bytes, also passes: the rule is exact.
    len = conf_rsp_frame(frame, 0x35, 0x0001, 63, 0);
    report("a 69-byte pending response is not the rule's and reaches L2CAP",
           answered(v, frame, len, CODE_COMMAND_REJECT, 0x35, 2000) == 1,
           "no Command Reject within 2 s");

    const int detached = lbm_detach(prog, BPF_LBM_L2CAP_INGRESS);
    len = conf_rsp_frame(frame, 0x36, 0x0001, 64, 0);
    report("detached, the oversized response reaches L2CAP again",
           detached == 0 && answered(v, frame, len, CODE_COMMAND_REJECT, 0x36, 2000) == 1,
           "detach failed or no Command Reject");
    close(prog);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGALRM, watchdog);
    alarm(30);
    struct vhci v;
    char why[128];
    int err = vhci_open(&v);
    snprintf(why, sizeof why, "vhci_open: %s", strerror(-err));
    report("a controller comes up through hci_vhci", err == 0, why);
    if (err) {
        return 1;
    }
    err = vhci_connect(&v, HANDLE, 3000);
    snprintf(why, sizeof why, "vhci_connect: %s", strerror(-err));
    report("a remote device connects over ACL", err == 0, why);
    if (err == 0) {
        test_blueborne(&v);
    }
    vhci_close(&v);
    return failures == 0 ? 0 : 1;
}
