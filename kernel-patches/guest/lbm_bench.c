// The LBM series' cost, inside the qemu guest (software emulation: compare ratios), printed as
// "BENCH lbm-<usb|l2cap> <none|rules-1|rules-10> <us per operation>" lines (and the filters'
// own ns per packet) for tests/bench/kernel/run.sh:
//  - per URB: the USB stick's 512-byte O_DIRECT reads (3 URBs each: command, data, status)
//    with no filter, then a 1-rule and a 10-rule program on both USB hooks;
//  - per frame: L2CAP echo round trips over hci_vhci with no filter, then a 1-rule (the shipped
//    BlueBorne rule) and a 10-rule program on the HCI hooks and L2CAP reception.
// Besides the time per operation, the kernel's BPF run-time statistics give the filter's own
// time per packet.
#define _GNU_SOURCE // O_DIRECT
#include "lbm_guest.h"
#include "vhci_controller.h"

#include <errno.h>

#define SECTOR 512
#define HANDLE 0x0042
#ifndef BENCH_ROUNDS
#define BENCH_ROUNDS 5
#endif
// Enough that the guest clock (a jiffy, 4 ms, under tinyconfig) is under 2 % of a measurement.
#define BENCH_OPS 5000

static const enum bpf_attach_type usbHooks[] = {BPF_LBM_USB_INGRESS, BPF_LBM_USB_EGRESS};
static const enum bpf_attach_type btHooks[] = {BPF_LBM_HCI_INGRESS, BPF_LBM_HCI_EGRESS,
                                               BPF_LBM_L2CAP_INGRESS};

static int attach_all(int prog, const enum bpf_attach_type* hooks, int n) {
    for (int i = 0; i < n; ++i) {
        if (lbm_attach(prog, hooks[i]) != 0) {
            printf("BENCH-ERROR attach: %s\n", strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void detach_all(int prog, const enum bpf_attach_type* hooks, int n) {
    for (int i = 0; i < n; ++i) {
        lbm_detach(prog, hooks[i]);
    }
}

static double stick_read_us(int stick, unsigned char* buf, int rounds) {
    const double start = lbm_now_ms();
    for (int i = 0; i < rounds; ++i) {
        if (pread(stick, buf, SECTOR, (off_t)(i % 1024) * SECTOR) != SECTOR) {
            return -1;
        }
    }
    return (lbm_now_ms() - start) * 1000.0 / rounds;
}

static double echo_us(struct vhci* v, int rounds) {
    uint8_t frame[] = {8, 0, 0x01, 0x00, 0x08, 0, 4, 0, 'p', 'i', 'n', 'g'};
    const double start = lbm_now_ms();
    for (int i = 0; i < rounds; ++i) {
        frame[5] = (uint8_t)(1 + i % 200);
        if (vhci_send_acl(v, HANDLE, frame, sizeof frame) != 0 ||
            vhci_wait_l2cap_signal_id(v, 0x09, frame[5], 1000) != 1) {
            return -1;
        }
    }
    return (lbm_now_ms() - start) * 1000.0 / rounds;
}

struct subject {
    const char* name;
    const char* files[2];
    const enum bpf_attach_type* hooks;
    int hookCount;
};

typedef double (*measure_fn)(void* arg, int rounds);

static double measure_stick(void* arg, int rounds) {
    static unsigned char* buf;
    if (buf == NULL) {
        buf = aligned_alloc(4096, 4096);
    }
    return stick_read_us(*(int*)arg, buf, rounds);
}

static double measure_echo(void* arg, int rounds) {
    return echo_us((struct vhci*)arg, rounds);
}

// Rounds alternate no filter, 1 rule and 10 rules so that drift in the emulator hits all three
// alike; tests/bench/kernel/run.sh takes the medians.
static void run(const struct subject* s, measure_fn measure, void* arg, int rounds) {
    int progs[2];
    for (int i = 0; i < 2; ++i) {
        progs[i] = lbm_load(s->files[i]);
        if (progs[i] < 0) {
            return;
        }
    }
    static const int rules[] = {1, 10};
    measure(arg, BENCH_OPS / 10); // warm up
    for (int round = 0; round < rounds; ++round) {
        printf("BENCH lbm-%s none %.1f\n", s->name, measure(arg, BENCH_OPS));
        for (int i = 0; i < 2; ++i) {
            if (attach_all(progs[i], s->hooks, s->hookCount) != 0) {
                return;
            }
            printf("BENCH lbm-%s rules-%d %.1f\n", s->name, rules[i], measure(arg, BENCH_OPS));
            detach_all(progs[i], s->hooks, s->hookCount);
        }
    }
    for (int i = 0; i < 2; ++i) {
        printf("BENCH lbm-%s filter-ns-%d %.0f\n", s->name, rules[i],
               lbm_prog_ns_per_run(progs[i]));
        close(progs[i]);
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const int stats = lbm_enable_run_time_stats();
    int stick = -1;
    for (int attempt = 0; attempt < 100 && stick < 0; ++attempt) {
        stick = open("/dev/sda", O_RDONLY | O_DIRECT);
        if (stick < 0) {
            usleep(100 * 1000);
        }
    }
    const struct subject usb = {
        "usb", {"/data/rules/bench-1-rule.bpf", "/data/rules/bench-10-rules.bpf"}, usbHooks, 2};
    if (stick >= 0) {
        run(&usb, measure_stick, &stick, BENCH_ROUNDS);
    }
    struct vhci v;
    if (vhci_open(&v) == 0) {
        if (vhci_connect(&v, HANDLE, 3000) == 0) {
            const struct subject bt = {
                "l2cap",
                {"/data/rules/blueborne.bpf", "/data/rules/bench-10-l2cap-rules.bpf"},
                btHooks,
                3};
            run(&bt, measure_echo, &v, BENCH_ROUNDS);
        }
        vhci_close(&v);
    }
    close(stats);
    printf("PASS lbm-bench ran\n");
    return 0;
}
