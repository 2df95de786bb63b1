// SPDX-License-Identifier: GPL-2.0
/* Refuses AF_BLUETOOTH sockets to the apps the Bluetooth policy blocks, on kernels with BPF LSM
 * (`bpf` in lsm=). Apps are told apart by their cgroup v2 id (each desktop app runs in its own
 * systemd scope). This cannot stop attacks on the kernel's own Bluetooth parsing (BlueBorne):
 * those never pass through a user socket; only the LBM kernel hooks filter them. */
/* vmlinux.h must come first: it defines the types all the others use. */
/* clang-format off */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bt_socket_guard.h"
/* clang-format on */

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, BT_SOCKET_GUARD_MAX_CGROUPS);
    __type(key, __u64);
    __type(value, struct bt_socket_guard_rule);
} blocked_cgroups SEC(".maps");

/* Refusals so far, for the Devices status and for tests (user space reads it through .bss). */
__u64 refused = 0;

SEC("lsm/socket_create")
int BPF_PROG(bt_socket_create, int family, int type, int protocol, int kern, int ret) {
    /* An earlier LSM (or BPF program) already refused: keep its answer. */
    if (ret != 0)
        return ret;
    /* Cheap test first: nearly every socket created is not Bluetooth. */
    if (family != BT_SOCKET_GUARD_AF_BLUETOOTH)
        return 0;
    __u64 cgroup = bpf_get_current_cgroup_id();
    const struct bt_socket_guard_rule* rule = bpf_map_lookup_elem(&blocked_cgroups, &cgroup);
    if (bt_socket_guard_refuses(rule, family, protocol, kern)) {
        __sync_fetch_and_add(&refused, 1);
        return BT_SOCKET_GUARD_DENY;
    }
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
