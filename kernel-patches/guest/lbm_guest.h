// What the LBM guest tests share: loading a filter that Mamori's rule compiler produced
// (`mamorictl lbm compile --target lbm`, raw struct bpf_insn), attaching it to a hook, reading
// the hook's counters, and compile-time checks that the kernel's struct lbm_context is the one
// the rule compiler targets (bpf/lbm_packet.h) and that the numbers user space uses for the
// patches' additions (bpf/patched_kernel.h) are the kernel's.
#ifndef MAMORI_LBM_GUEST_H
#define MAMORI_LBM_GUEST_H

#include "bpf_insn.h"

#include <fcntl.h>
#include <linux/lbm.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

// User space's copy of the layout, renamed so that both can be compared here.
#define lbm_subsystem mamori_lbm_subsystem
#define lbm_direction mamori_lbm_direction
#define lbm_packet_meta mamori_lbm_packet_meta
#define lbm_context mamori_lbm_context
#define LBM_SUBSYS_USB_URB MAMORI_LBM_SUBSYS_USB_URB
#define LBM_SUBSYS_BT_HCI MAMORI_LBM_SUBSYS_BT_HCI
#define LBM_SUBSYS_BT_L2CAP MAMORI_LBM_SUBSYS_BT_L2CAP
#define LBM_DIR_INGRESS MAMORI_LBM_DIR_INGRESS
#define LBM_DIR_EGRESS MAMORI_LBM_DIR_EGRESS
#include "lbm_packet.h"
#undef lbm_subsystem
#undef lbm_direction
#undef lbm_packet_meta
#undef lbm_context
#undef LBM_SUBSYS_USB_URB
#undef LBM_SUBSYS_BT_HCI
#undef LBM_SUBSYS_BT_L2CAP
#undef LBM_DIR_INGRESS
#undef LBM_DIR_EGRESS

#define LBM_SAME_FIELD(f)                                                                          \
    _Static_assert(offsetof(struct lbm_context, f) == offsetof(struct mamori_lbm_context, f) &&    \
                       sizeof(((struct lbm_context*)0)->f) ==                                      \
                           sizeof(((struct mamori_lbm_context*)0)->f),                             \
                   "struct lbm_context." #f " differs between the kernel and bpf/lbm_packet.h")
LBM_SAME_FIELD(data);
LBM_SAME_FIELD(data_end);
LBM_SAME_FIELD(meta.subsystem);
LBM_SAME_FIELD(meta.direction);
LBM_SAME_FIELD(meta.len);
LBM_SAME_FIELD(meta.usb_pipe);
LBM_SAME_FIELD(meta.usb_endpoint);
LBM_SAME_FIELD(meta.usb_transfer_type);
LBM_SAME_FIELD(meta.usb_status);
LBM_SAME_FIELD(meta.usb_actual_length);
LBM_SAME_FIELD(meta.usb_id_vendor);
LBM_SAME_FIELD(meta.usb_id_product);
LBM_SAME_FIELD(meta.usb_setup);
LBM_SAME_FIELD(meta.bt_hci_type);
LBM_SAME_FIELD(meta.bt_hci_handle);
_Static_assert(sizeof(struct lbm_context) == sizeof(struct mamori_lbm_context),
               "struct lbm_context has a different size in the kernel and bpf/lbm_packet.h");
_Static_assert((int)LBM_SUBSYS_USB_URB == (int)MAMORI_LBM_SUBSYS_USB_URB &&
                   (int)LBM_SUBSYS_BT_HCI == (int)MAMORI_LBM_SUBSYS_BT_HCI &&
                   (int)LBM_SUBSYS_BT_L2CAP == (int)MAMORI_LBM_SUBSYS_BT_L2CAP &&
                   (int)LBM_DIR_INGRESS == (int)MAMORI_LBM_DIR_INGRESS &&
                   (int)LBM_DIR_EGRESS == (int)MAMORI_LBM_DIR_EGRESS,
               "the subsystem and direction codes differ");

#include "patched_kernel.h"

#include <linux/seccomp.h>
_Static_assert(MAMORI_BPF_PROG_TYPE_SECCOMP == BPF_PROG_TYPE_SECCOMP &&
                   MAMORI_SECCOMP_FILTER_FLAG_EXTENDED == SECCOMP_FILTER_FLAG_EXTENDED &&
                   MAMORI_BPF_FUNC_SECCOMP_SERIALIZE == BPF_FUNC_seccomp_serialize &&
                   MAMORI_BPF_PROG_TYPE_LBM == BPF_PROG_TYPE_LBM &&
                   MAMORI_BPF_LBM_USB_INGRESS == BPF_LBM_USB_INGRESS &&
                   MAMORI_BPF_LBM_USB_EGRESS == BPF_LBM_USB_EGRESS &&
                   MAMORI_BPF_LBM_HCI_INGRESS == BPF_LBM_HCI_INGRESS &&
                   MAMORI_BPF_LBM_HCI_EGRESS == BPF_LBM_HCI_EGRESS &&
                   MAMORI_BPF_LBM_L2CAP_INGRESS == BPF_LBM_L2CAP_INGRESS,
               "bpf/patched_kernel.h does not match the patched kernel's headers");

static char lbmVerifierLog[262144];

// Loads a compiled rule file from the initramfs (/data/rules/NAME.bpf) as a BPF_PROG_TYPE_LBM
// program; on failure prints the verifier's log and returns -1.
static inline int lbm_load(const char* path) {
    const int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0 || st.st_size % 8 != 0) {
        printf("lbm_load: cannot read %s\n", path);
        return -1;
    }
    struct bpf_insn* insns = malloc((size_t)st.st_size);
    const ssize_t got = read(fd, insns, (size_t)st.st_size);
    close(fd);
    int prog = -1;
    if (got == st.st_size) {
        prog = prog_load(BPF_PROG_TYPE_LBM, insns, (size_t)st.st_size / 8, lbmVerifierLog,
                         sizeof lbmVerifierLog);
        if (prog < 0) {
            printf("lbm_load: %s refused (%m):\n%s\n", path, lbmVerifierLog);
        }
    }
    free(insns);
    return prog;
}

static inline int lbm_attach_call(int cmd, int prog, enum bpf_attach_type hook) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attach_bpf_fd = (uint32_t)prog;
    attr.attach_type = hook;
    return (int)bpf_call(cmd, &attr);
}

static inline int lbm_attach(int prog, enum bpf_attach_type hook) {
    return lbm_attach_call(BPF_PROG_ATTACH, prog, hook);
}

static inline int lbm_detach(int prog, enum bpf_attach_type hook) {
    return lbm_attach_call(BPF_PROG_DETACH, prog, hook);
}

// /sys/kernel/lbm/<hook>_<packets|dropped>, or -1.
static inline long long lbm_counter(const char* name) {
    char path[128];
    snprintf(path, sizeof path, "/sys/kernel/lbm/%s", name);
    FILE* f = fopen(path, "r");
    long long value = -1;
    if (f != NULL) {
        if (fscanf(f, "%lld", &value) != 1) {
            value = -1;
        }
        fclose(f);
    }
    return value;
}

static inline double lbm_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

// Average run time of a program in ns per run since stats were enabled (BPF_ENABLE_STATS).
static inline double lbm_prog_ns_per_run(int prog) {
    struct bpf_prog_info info;
    memset(&info, 0, sizeof info);
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.info.bpf_fd = (uint32_t)prog;
    attr.info.info_len = sizeof info;
    attr.info.info = (uint64_t)(uintptr_t)&info;
    if (bpf_call(BPF_OBJ_GET_INFO_BY_FD, &attr) != 0 || info.run_cnt == 0) {
        return -1;
    }
    return (double)info.run_time_ns / (double)info.run_cnt;
}

static inline int lbm_enable_run_time_stats(void) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.enable_stats.type = BPF_STATS_RUN_TIME;
    return (int)bpf_call(BPF_ENABLE_STATS, &attr);
}

#endif
