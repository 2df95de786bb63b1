/* Shared between bpf/dns_guard.bpf.c and service/dns/DnsGuard.cpp.
 * Plain C, no includes: the BPF side gets __u8/__u32/__u64 from vmlinux.h, user space from
 * <linux/types.h> before including this header.
 *
 * The XDP guard on the interface facing the upstream resolvers: a DNS answer (UDP or TCP from
 * source port 53, TCP from 853) whose source is a configured resolver is counted in that
 * resolver's slot and passes; a UDP one from any other source is dropped (off-path spoofing)
 * and counted; a TCP one from any other source passes and is counted as unknown. */
#ifndef MAMORI_BPF_DNS_GUARD_H
#define MAMORI_BPF_DNS_GUARD_H

/* Slots of `traffic`: the service's resolvers, by their index in its list. */
#define DNS_GUARD_MAX_RESOLVERS 64
/* Entries of `resolvers`: twice the slots, so that user space can insert a whole new set
 * before it deletes the old one (no moment where a configured resolver is missing). */
#define DNS_GUARD_RESOLVER_ENTRIES (2 * DNS_GUARD_MAX_RESOLVERS)

/* Source ports that make a packet a DNS answer: plain DNS (UDP, TCP) and DNS over TLS (TCP). */
#define DNS_GUARD_DNS_PORT 53
#define DNS_GUARD_DOT_PORT 853

/* AF_INET / AF_INET6, which neither side can include next to the other's headers. */
#define DNS_GUARD_AF_INET 2
#define DNS_GUARD_AF_INET6 10

/* Key of `resolvers` (value: the __u32 slot). IPv4 addresses fill the first 4 bytes of
 * `address`, the rest is zero; both in network byte order as on the wire. */
struct dns_guard_resolver_key {
    __u32 family;
    __u8 address[16];
};

/* Value of the per-CPU `traffic` array, one per slot. `bytes` counts whole Ethernet frames
 * (headers included, no FCS) as the guard saw them. */
struct dns_guard_traffic {
    __u64 packets;
    __u64 bytes;
};

/* In .bss, written by user space through the skeleton's mmap. */
struct dns_guard_config {
    /* 0: every packet passes, nothing is counted. */
    __u32 enabled;
    /* How many slots are in use; 0: nothing is dropped (without resolvers the guard cannot
     * tell a spoofed answer from a real one) and nothing counted. */
    __u32 resolver_count;
};

/* Slots of the per-CPU `counters` array. */
enum dns_guard_counter {
    DNS_GUARD_CTR_DROPPED_PACKETS = 0, /* UDP answers from non-resolvers, dropped */
    DNS_GUARD_CTR_DROPPED_BYTES = 1,   /* their Ethernet frame bytes */
    DNS_GUARD_CTR_UNKNOWN_TCP = 2,     /* TCP answers from non-resolvers, passed */
    DNS_GUARD_CTR_COUNT = 3,
};

#endif
