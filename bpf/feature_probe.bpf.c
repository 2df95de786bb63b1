// SPDX-License-Identifier: GPL-2.0
/* Tiny programs whose only job is to find out whether this kernel lets us load and attach each
 * program type the engines need. User space loads exactly one of them at a time (the others
 * have autoload switched off) so that one refused type cannot hide whether another works. */
/* vmlinux.h must come first: it defines the types all the others use. */
/* clang-format off */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "feature_probe.h"
/* clang-format on */

/* Set before load. The uprobe only counts calls that carry this value so that other threads or
 * processes running the same binary (another probe, a forked test) cannot fake or spoil a hit. */
const volatile __u64 uprobe_cookie = 0;

struct feature_probe_counters counters = {};

SEC("xdp")
int probe_xdp(struct xdp_md* ctx) {
    return XDP_PASS;
}

SEC("cgroup/connect4")
int probe_connect4(struct bpf_sock_addr* ctx) {
    __sync_fetch_and_add(&counters.connect4_calls, 1);
    return 1; /* allow the connect */
}

SEC("uprobe")
int BPF_KPROBE(probe_uprobe, __u64 cookie) {
    if (cookie == uprobe_cookie)
        __sync_fetch_and_add(&counters.uprobe_hits, 1);
    return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_tp_btf, struct pt_regs* regs, long id) {
    return 0;
}

SEC("lsm/file_open")
int BPF_PROG(probe_lsm, struct file* file) {
    return 0; /* never deny: this hook only tells us whether BPF LSM works */
}

/* Not a feature of its own: loaded only when the LSM program is refused, to tell "BPF
 * trampolines are unavailable" (fentry refused the same way) from an LSM-specific refusal. */
SEC("fentry/bpf_fentry_test1")
int BPF_PROG(probe_fentry, int a) {
    return 0;
}

SEC("socket")
int probe_socket_filter(struct __sk_buff* skb) {
    return FEATURE_PROBE_SOCKET_RETVAL;
}

char LICENSE[] SEC("license") = "GPL";
