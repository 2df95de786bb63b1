/* Shared between bpf/dns_steer.bpf.c and service/dns/DnsSteering.cpp.
 * Plain C, no includes: the BPF side gets __u16/__u32/__u64 from vmlinux.h, user space from
 * <linux/types.h> before including this header. The address arithmetic lives here, as static
 * inline functions, so that the loader and its tests compute the very addresses the hooks use.
 *
 * Steering: a DNS query (destination port 53) of an app is redirected to the local stub at
 * 127.53.H.L:<stub_port>, where (H << 8 | L) is the app's index; the stub learns the app from
 * the destination address its query arrived on. Index 0 is "unknown app". IPv6 sockets are
 * steered to the v4-mapped ::ffff:127.53.H.L (dual-stack sockets only). */
#ifndef MAMORI_BPF_DNS_STEER_H
#define MAMORI_BPF_DNS_STEER_H

/* 127.53.0.0/16 in host byte order: the stub's addresses, one per app index. */
#define DNS_STEER_STUB_NET 0x7f350000U
#define DNS_STEER_STUB_MASK 0xffff0000U
/* The only destination port steered. */
#define DNS_STEER_DNS_PORT 53
/* App indexes are 1..65535; 0 means "no app known for this process". */
#define DNS_STEER_UNKNOWN_APP 0
#define DNS_STEER_MAX_APP_INDEX 0xffffU
/* Entries of `app_of_cgroup` (one per running app scope) and `app_of_comm`. */
#define DNS_STEER_MAX_CGROUPS 65536
#define DNS_STEER_MAX_COMMS 4096
/* TASK_COMM_LEN: the key of `app_of_comm` is the process name, NUL-padded. */
#define DNS_STEER_COMM_LEN 16
/* Sockets whose steered query's origin is remembered at once (`origin_of_socket`, LRU). */
#define DNS_STEER_MAX_SOCKETS 65536

/* Connections to port 443 of known DNS-over-HTTPS servers, for apps whose TLS the DoH monitor
 * cannot read (statically linked, stripped TLS): counted per (app, endpoint), never changed. */
#define DNS_STEER_HTTPS_PORT 443
#define DNS_STEER_MAX_DOH_ENDPOINTS 256
#define DNS_STEER_MAX_DOH_CONNECTS 4096
/* Bytes of the `doh_clients` ring buffer (a power of two): room for 4096 reports. */
#define DNS_STEER_DOH_CLIENTS_RING_SIZE (64 * 1024)

/* AF_INET / AF_INET6, which neither side can include next to the other's headers. */
#define DNS_STEER_AF_INET 2
#define DNS_STEER_AF_INET6 10

/* In .bss, written by user space through the skeleton's mmap. */
struct dns_steer_config {
    /* 0: every hook lets everything pass untouched. */
    __u32 enabled;
    /* The stub's UDP/TCP port, host byte order; 0 disables steering like enabled == 0. */
    __u32 stub_port;
    /* mamorid's own cgroup v2 id and process id (tgid): its upstream queries to port 53
     * must never come back to its own stub. 0: none. */
    __u64 exempt_cgroup;
    __u32 exempt_tgid;
    __u32 reserved;
    /* The network namespace (its cookie) the stub listens in: only sockets of that namespace
     * can reach 127.53.H.L there. A container with a network namespace of its own keeps its
     * DNS. 0: every namespace (tests of the hooks alone). */
    __u64 netns_cookie;
};

/* Key of `doh_endpoints`: an IPv4 address is family AF_INET with addr[0] set (network byte
 * order), the rest zero; IPv4-mapped IPv6 destinations are looked up as IPv4. */
struct dns_steer_endpoint {
    __u32 family;
    __u32 addr[4];
};

/* Key of `doh_connects` (value: __u64 connections). */
struct dns_steer_doh_key {
    __u32 app_index;
    __u32 endpoint; /* the slot `doh_endpoints` gives the address */
};

/* One record of the `doh_clients` ring buffer: process `tgid` connected to port 443 of DoH
 * endpoint `endpoint` (its slot). The DoH monitor then probes that process's TLS libraries. */
struct dns_steer_doh_client {
    __u32 tgid;
    __u32 endpoint;
};

/* Slots of the per-CPU `counters` array. */
enum dns_steer_counter {
    DNS_STEER_CTR_CONNECT4 = 0,    /* connect() to port 53 steered, IPv4 sockets */
    DNS_STEER_CTR_CONNECT6 = 1,    /* connect() to port 53 steered, IPv6 (dual-stack) sockets */
    DNS_STEER_CTR_SENDMSG4 = 2,    /* unconnected sendmsg()/sendto() steered, IPv4 */
    DNS_STEER_CTR_SENDMSG6 = 3,    /* unconnected sendmsg()/sendto() steered, IPv6 */
    DNS_STEER_CTR_RECVMSG = 4,     /* replies whose source was put back to what the app used */
    DNS_STEER_CTR_V6ONLY = 5,      /* IPV6_V6ONLY sockets (or v6 sendmsg) that cannot be steered */
    DNS_STEER_CTR_UNKNOWN = 6,     /* steered queries of processes with no app (index 0) */
    DNS_STEER_CTR_GETPEERNAME = 7, /* getpeername() answered with the resolver the app asked */
    DNS_STEER_CTR_COUNT = 8,
};

/* Per socket (by cookie): where the app meant its last steered query to go. */
struct dns_steer_origin {
    /* IPv4 destination (network byte order) when family == DNS_STEER_AF_INET. */
    __u32 ip4;
    /* IPv6 destination (network byte order words) when family == DNS_STEER_AF_INET6. */
    __u32 ip6[4];
    /* Destination port, network byte order as in sockaddr (always 53 today). */
    __u32 port;
    __u32 family;
    /* The stub address and port (network byte order) this socket's query went to: a reply
     * from there is the stub's answer, even after the stub port changed. */
    __u32 stub_ip4;
    __u32 stub_port;
};

/* The stub address for an app index, host byte order. Out-of-range indexes are "unknown". */
static inline __u32 dns_steer_stub_ip4(__u32 app_index) {
    if (app_index > DNS_STEER_MAX_APP_INDEX)
        app_index = DNS_STEER_UNKNOWN_APP;
    return DNS_STEER_STUB_NET | app_index;
}

/* 1 when a host-order IPv4 address is one of the stub's. */
static inline int dns_steer_is_stub_ip4(__u32 host_ip4) {
    return (host_ip4 & DNS_STEER_STUB_MASK) == DNS_STEER_STUB_NET;
}

/* The app index a stub address (host byte order) stands for; the stub uses the same rule. */
static inline __u32 dns_steer_app_of_stub_ip4(__u32 host_ip4) {
    return host_ip4 & ~DNS_STEER_STUB_MASK;
}

#endif
