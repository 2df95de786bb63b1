/* Shared between bpf/bt_socket_guard.bpf.c and service/devices/BtSocketPolicy.cpp.
 * Plain C, no includes: the BPF side gets __u32/__u64 from vmlinux.h, user space from
 * <linux/types.h> before including this header. The decision itself lives here, as a static
 * inline function, so that the unit tests run the very code the LSM hook runs. */
#ifndef MAMORI_BPF_BT_SOCKET_GUARD_H
#define MAMORI_BPF_BT_SOCKET_GUARD_H

/* AF_BLUETOOTH from <linux/socket.h>, which neither side can include next to the other's
 * headers. */
#define BT_SOCKET_GUARD_AF_BLUETOOTH 31
/* Bluetooth socket protocols (BTPROTO_L2CAP 0 ... BTPROTO_ISO 8) fit one bit each. */
#define BT_SOCKET_GUARD_MAX_PROTOCOL 31
#define BT_SOCKET_GUARD_ALL_PROTOCOLS 0xffffffffU
/* Apps with a Bluetooth restriction at once; each is one cgroup (a systemd app scope). */
#define BT_SOCKET_GUARD_MAX_CGROUPS 1024
/* The errno a refused socket(2) returns (EPERM), negated as LSM hooks return it. */
#define BT_SOCKET_GUARD_DENY (-1)

/* Value of the `blocked_cgroups` map, keyed by cgroup v2 id (__u64). */
struct bt_socket_guard_rule {
    /* Bit p set: socket(AF_BLUETOOTH, *, p) is refused. */
    __u32 protocol_mask;
    __u32 reserved;
};

/* 1 when a socket(family, *, protocol) call from a cgroup with `rule` (NULL: not in the map)
 * must be refused. Sockets the kernel opens for itself (kern != 0) are never refused: they
 * belong to no app. */
static inline int bt_socket_guard_refuses(const struct bt_socket_guard_rule* rule, int family,
                                          int protocol, int kern) {
    if (!rule || kern != 0 || family != BT_SOCKET_GUARD_AF_BLUETOOTH) {
        return 0;
    }
    /* A protocol outside the mask's range is unknown to us: refuse it whenever anything is
     * refused, rather than let a new protocol slip through. */
    if (protocol < 0 || protocol > BT_SOCKET_GUARD_MAX_PROTOCOL) {
        return rule->protocol_mask != 0;
    }
    return ((rule->protocol_mask >> protocol) & 1U) != 0;
}

#endif
