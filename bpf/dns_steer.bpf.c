// SPDX-License-Identifier: GPL-2.0
/* Per-app DNS steering (DESIGN.md, "DNS"): cgroup sock_addr hooks redirect every DNS query
 * (destination port 53, UDP or TCP) of a process to mamorid's local stub at
 * 127.53.H.L:<stub_port>, H.L being the app's index, and make the reply look as if it came
 * from the resolver the app asked. XDP cannot do this: it runs before any socket, so it never
 * knows which process sent a packet; these hooks run in the sending process's context.
 *
 *   connect4/6      connected UDP (glibc) and TCP
 *   sendmsg4/6      unconnected UDP (sendto with an address)
 *   recvmsg4/6      UDP replies: source stub -> the address the app used
 *   getpeername4/6  TCP: the app sees the resolver it connected to
 *
 * The app comes from the process's cgroup v2 id (`app_of_cgroup`, one systemd app scope each),
 * else from its name (`app_of_comm`, the weak fallback), else it is index 0 ("unknown").
 *
 * connect4/6 also count TCP connections to port 443 of known DNS-over-HTTPS servers per app
 * (`doh_connects`): the only trace of DoH in a TLS library the uprobes cannot read; and they
 * report the connecting process (`doh_clients`), whose TLS libraries the DoH monitor then
 * probes. */
/* vmlinux.h must come first: it defines the types all the others use. */
/* clang-format off */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "dns_steer.h"
/* clang-format on */

/* sock_addr programs return 1 to let the call go on (with the possibly rewritten address). */
#define DNS_STEER_PASS 1

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, DNS_STEER_MAX_CGROUPS);
    __type(key, __u64);
    __type(value, __u32);
} app_of_cgroup SEC(".maps");

struct dns_steer_comm {
    char name[DNS_STEER_COMM_LEN];
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, DNS_STEER_MAX_COMMS);
    __type(key, struct dns_steer_comm);
    __type(value, __u32);
} app_of_comm SEC(".maps");

/* Keyed by the socket's cookie (unique for the boot, never reused). An LRU map rather than
 * socket storage: socket storage allocates on every new socket (about 1.5 µs in connect4,
 * measured by tests/bench/dns), a preallocated LRU entry costs a fraction of that. Entries of
 * closed sockets age out; only more than DNS_STEER_MAX_SOCKETS sockets waiting for an answer
 * at once could push out a live one (its reply would then show the stub's address). */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, DNS_STEER_MAX_SOCKETS);
    __type(key, __u64);
    __type(value, struct dns_steer_origin);
} origin_of_socket SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, DNS_STEER_MAX_DOH_ENDPOINTS);
    __type(key, struct dns_steer_endpoint);
    __type(value, __u32);
} doh_endpoints SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, DNS_STEER_MAX_DOH_CONNECTS);
    __type(key, struct dns_steer_doh_key);
    __type(value, __u64);
} doh_connects SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, DNS_STEER_DOH_CLIENTS_RING_SIZE);
} doh_clients SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, DNS_STEER_CTR_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} counters SEC(".maps");

struct dns_steer_config steer_config = {};

static __always_inline void count(__u32 slot) {
    __u64* value = bpf_map_lookup_elem(&counters, &slot);
    if (value)
        *value += 1; /* per-CPU slot: no other CPU writes it */
}

/* 1 for mamorid itself. */
static __always_inline int exempt_process(void) {
    if (steer_config.exempt_cgroup != 0 &&
        bpf_get_current_cgroup_id() == steer_config.exempt_cgroup)
        return 1;
    if (steer_config.exempt_tgid != 0 &&
        (bpf_get_current_pid_tgid() >> 32) == steer_config.exempt_tgid)
        return 1;
    return 0;
}

/* 1 when the calling process's DNS must not be touched at all. */
static __always_inline int exempt(struct bpf_sock_addr* ctx) {
    if (!steer_config.enabled || steer_config.stub_port == 0)
        return 1;
    if (steer_config.netns_cookie != 0 && bpf_get_netns_cookie(ctx) != steer_config.netns_cookie)
        return 1;
    return exempt_process();
}

static __always_inline __u32 app_index(void) {
    __u64 cgroup = bpf_get_current_cgroup_id();
    __u32* index = bpf_map_lookup_elem(&app_of_cgroup, &cgroup);
    if (index)
        return *index;
    struct dns_steer_comm comm = {};
    if (bpf_get_current_comm(comm.name, sizeof(comm.name)) == 0) {
        index = bpf_map_lookup_elem(&app_of_comm, &comm);
        if (index)
            return *index;
    }
    return DNS_STEER_UNKNOWN_APP;
}

static __always_inline __u32 current_app(void) {
    __u32 index = app_index();
    if (index == DNS_STEER_UNKNOWN_APP)
        count(DNS_STEER_CTR_UNKNOWN);
    return index;
}

/* A TCP connect to port 443 of a known DoH server: one more connection for (app, server), and
 * the process is reported to the DoH monitor. Any network namespace: unlike port 53, this
 * changes nothing about the connection. */
static __always_inline void note_doh(struct bpf_sock_addr* ctx, struct dns_steer_endpoint* to) {
    if (ctx->type != SOCK_STREAM || ctx->user_port != bpf_htons(DNS_STEER_HTTPS_PORT) ||
        !steer_config.enabled || exempt_process())
        return;
    __u32* slot = bpf_map_lookup_elem(&doh_endpoints, to);
    if (!slot)
        return;
    struct dns_steer_doh_client* client = bpf_ringbuf_reserve(&doh_clients, sizeof(*client), 0);
    if (client) {
        client->tgid = bpf_get_current_pid_tgid() >> 32;
        client->endpoint = *slot;
        bpf_ringbuf_submit(client, 0);
    }
    struct dns_steer_doh_key key = {.app_index = app_index(), .endpoint = *slot};
    __u64* connections = bpf_map_lookup_elem(&doh_connects, &key);
    if (connections) {
        __sync_fetch_and_add(connections, 1);
        return;
    }
    __u64 one = 1;
    bpf_map_update_elem(&doh_connects, &key, &one, BPF_NOEXIST);
}

static __always_inline int is_dns_port(__u32 user_port) {
    return user_port == bpf_htons(DNS_STEER_DNS_PORT);
}

static __always_inline int is_stub4(__u32 net_ip4, __u32 user_port) {
    return dns_steer_is_stub_ip4(bpf_ntohl(net_ip4)) &&
           user_port == bpf_htons(steer_config.stub_port);
}

/* ::ffff:a.b.c.d */
static __always_inline int is_v4mapped(const __u32 ip6[4]) {
    return ip6[0] == 0 && ip6[1] == 0 && ip6[2] == bpf_htonl(0x0000ffff);
}

/* Remembers where the socket's query was meant to go; 0 when that cannot be stored (then the
 * query is not steered: a reply the app would drop helps nobody). */
static __always_inline int remember(struct bpf_sock_addr* ctx, __u32 family, __u32 stub_ip4) {
    __u64 cookie = bpf_get_socket_cookie(ctx);
    struct dns_steer_origin origin = {
        .family = family,
        .port = ctx->user_port,
        .stub_ip4 = stub_ip4,
        .stub_port = bpf_htons(steer_config.stub_port),
    };
    if (family == DNS_STEER_AF_INET) {
        origin.ip4 = ctx->user_ip4;
    } else {
        origin.ip6[0] = ctx->user_ip6[0];
        origin.ip6[1] = ctx->user_ip6[1];
        origin.ip6[2] = ctx->user_ip6[2];
        origin.ip6[3] = ctx->user_ip6[3];
    }
    return bpf_map_update_elem(&origin_of_socket, &cookie, &origin, BPF_ANY) == 0;
}

/* The stub address (network byte order) for this process, or 0 when it must not be steered. */
static __always_inline __u32 steer_target(struct bpf_sock_addr* ctx) {
    if (exempt(ctx))
        return 0;
    return bpf_htonl(dns_steer_stub_ip4(current_app()));
}

static __always_inline int steer4(struct bpf_sock_addr* ctx, __u32 counter) {
    if (!is_dns_port(ctx->user_port) || is_stub4(ctx->user_ip4, ctx->user_port))
        return DNS_STEER_PASS;
    if (ctx->type != SOCK_STREAM && ctx->type != SOCK_DGRAM)
        return DNS_STEER_PASS;
    __u32 stub = steer_target(ctx);
    if (stub == 0 || !remember(ctx, DNS_STEER_AF_INET, stub))
        return DNS_STEER_PASS;
    ctx->user_ip4 = stub;
    ctx->user_port = bpf_htons(steer_config.stub_port);
    count(counter);
    return DNS_STEER_PASS;
}

/* Read-only view of a kernel object as another BTF type (kfunc, any program type): struct
 * bpf_sock does not show the IPV6_V6ONLY bit, the struct sock behind it does. */
extern void* bpf_rdonly_cast(const void* obj, __u32 btf_id) __ksym;

/* A v6-only socket cannot reach the stub's v4-mapped address: connect() would fail. */
static __always_inline int v6only(struct bpf_sock_addr* ctx) {
    if (!ctx->sk)
        return 1;
    struct sock* sk = bpf_rdonly_cast(ctx->sk, bpf_core_type_id_kernel(struct sock));
    return BPF_CORE_READ_BITFIELD(sk, __sk_common.skc_ipv6only) != 0;
}

static __always_inline int destination6_is_stub(struct bpf_sock_addr* ctx) {
    __u32 ip6[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
    return is_v4mapped(ip6) && is_stub4(ip6[3], ctx->user_port);
}

SEC("cgroup/connect4")
int dns_connect4(struct bpf_sock_addr* ctx) {
    struct dns_steer_endpoint to = {.family = DNS_STEER_AF_INET, .addr = {ctx->user_ip4}};
    note_doh(ctx, &to);
    return steer4(ctx, DNS_STEER_CTR_CONNECT4);
}

/* In sendmsg4 the socket may also be a dual-stack IPv6 one sending to a v4-mapped address: the
 * kernel hands that to the IPv4 path with the plain IPv4 address. */
SEC("cgroup/sendmsg4")
int dns_sendmsg4(struct bpf_sock_addr* ctx) {
    return steer4(ctx, DNS_STEER_CTR_SENDMSG4);
}

SEC("cgroup/connect6")
int dns_connect6(struct bpf_sock_addr* ctx) {
    __u32 ip6[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
    struct dns_steer_endpoint to = {.family = DNS_STEER_AF_INET6,
                                    .addr = {ip6[0], ip6[1], ip6[2], ip6[3]}};
    if (is_v4mapped(ip6)) {
        to.family = DNS_STEER_AF_INET;
        to.addr[0] = ip6[3];
        to.addr[1] = to.addr[2] = to.addr[3] = 0;
    }
    note_doh(ctx, &to);
    if (!is_dns_port(ctx->user_port) || destination6_is_stub(ctx))
        return DNS_STEER_PASS;
    if (ctx->type != SOCK_STREAM && ctx->type != SOCK_DGRAM)
        return DNS_STEER_PASS;
    __u32 stub = steer_target(ctx);
    if (stub == 0)
        return DNS_STEER_PASS;
    if (v6only(ctx)) {
        count(DNS_STEER_CTR_V6ONLY);
        return DNS_STEER_PASS;
    }
    if (!remember(ctx, DNS_STEER_AF_INET6, stub))
        return DNS_STEER_PASS;
    ctx->user_ip6[0] = 0;
    ctx->user_ip6[1] = 0;
    ctx->user_ip6[2] = bpf_htonl(0x0000ffff);
    ctx->user_ip6[3] = stub;
    ctx->user_port = bpf_htons(steer_config.stub_port);
    count(DNS_STEER_CTR_CONNECT6);
    return DNS_STEER_PASS;
}

/* The kernel refuses (ENOTSUPP) an unconnected IPv6 sendmsg that a program rewrote to a
 * v4-mapped address (udpv6_sendmsg), so such a query cannot reach the IPv4 stub: it is left
 * alone and counted with the v6-only sockets. Queries sent to a v4-mapped address go through
 * sendmsg4 instead and are steered there. */
SEC("cgroup/sendmsg6")
int dns_sendmsg6(struct bpf_sock_addr* ctx) {
    if (!is_dns_port(ctx->user_port) || destination6_is_stub(ctx))
        return DNS_STEER_PASS;
    if (!exempt(ctx))
        count(DNS_STEER_CTR_V6ONLY);
    return DNS_STEER_PASS;
}

/* The origin of a socket whose reply came from the stub; NULL for any other datagram. Works
 * while steering is disabled too: the socket was steered, its app must still accept replies. */
static __always_inline struct dns_steer_origin* origin_of_reply(struct bpf_sock_addr* ctx,
                                                                __u32 source_ip4) {
    if (!dns_steer_is_stub_ip4(bpf_ntohl(source_ip4)))
        return 0;
    __u64 cookie = bpf_get_socket_cookie(ctx);
    struct dns_steer_origin* origin = bpf_map_lookup_elem(&origin_of_socket, &cookie);
    if (!origin || origin->stub_ip4 != source_ip4 || origin->stub_port != ctx->user_port)
        return 0;
    return origin;
}

/* recvmsg4 and getpeername4: the stub's address back to the one the app used. */
static __always_inline int restore_origin4(struct bpf_sock_addr* ctx, __u32 counter) {
    struct dns_steer_origin* origin = origin_of_reply(ctx, ctx->user_ip4);
    if (!origin || origin->family != DNS_STEER_AF_INET)
        return DNS_STEER_PASS;
    ctx->user_ip4 = origin->ip4;
    ctx->user_port = origin->port;
    count(counter);
    return DNS_STEER_PASS;
}

SEC("cgroup/recvmsg4")
int dns_recvmsg4(struct bpf_sock_addr* ctx) {
    return restore_origin4(ctx, DNS_STEER_CTR_RECVMSG);
}

/* Writes the origin back as an IPv6 address: v4 origins (a dual-stack socket that sent to
 * ::ffff:a.b.c.d, steered by sendmsg4/connect4) become v4-mapped again. */
static __always_inline void restore6(struct bpf_sock_addr* ctx,
                                     const struct dns_steer_origin* origin) {
    if (origin->family == DNS_STEER_AF_INET) {
        ctx->user_ip6[0] = 0;
        ctx->user_ip6[1] = 0;
        ctx->user_ip6[2] = bpf_htonl(0x0000ffff);
        ctx->user_ip6[3] = origin->ip4;
    } else {
        ctx->user_ip6[0] = origin->ip6[0];
        ctx->user_ip6[1] = origin->ip6[1];
        ctx->user_ip6[2] = origin->ip6[2];
        ctx->user_ip6[3] = origin->ip6[3];
    }
    ctx->user_port = origin->port;
}

/* recvmsg6 and getpeername6: the v4-mapped stub address back to the one the app used. */
static __always_inline int restore_origin6(struct bpf_sock_addr* ctx, __u32 counter) {
    __u32 ip6[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
    if (!is_v4mapped(ip6))
        return DNS_STEER_PASS;
    struct dns_steer_origin* origin = origin_of_reply(ctx, ip6[3]);
    if (!origin)
        return DNS_STEER_PASS;
    restore6(ctx, origin);
    count(counter);
    return DNS_STEER_PASS;
}

SEC("cgroup/recvmsg6")
int dns_recvmsg6(struct bpf_sock_addr* ctx) {
    return restore_origin6(ctx, DNS_STEER_CTR_RECVMSG);
}

SEC("cgroup/getpeername4")
int dns_getpeername4(struct bpf_sock_addr* ctx) {
    return restore_origin4(ctx, DNS_STEER_CTR_GETPEERNAME);
}

SEC("cgroup/getpeername6")
int dns_getpeername6(struct bpf_sock_addr* ctx) {
    return restore_origin6(ctx, DNS_STEER_CTR_GETPEERNAME);
}

char LICENSE[] SEC("license") = "GPL";
