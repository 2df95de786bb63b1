// SPDX-License-Identifier: GPL-2.0
/* XDP guard against off-path DNS spoofing (DESIGN.md, "DNS"), attached to the interfaces that
 * face the upstream resolvers. A DNS answer is a UDP packet from source port 53 or a TCP
 * segment from source port 53 or 853 (DoT):
 *
 *   source is a configured resolver   count packets/bytes in its slot, pass
 *   UDP from any other source         drop, count as dropped
 *   TCP from any other source         pass, count as unknown: an off-path attacker cannot
 *                                     guess the sequence number, so the TCP stack already
 *                                     rejects a spoofed segment, and dropping here would
 *                                     break other TCP services on port 53/853
 *
 * Everything else passes untouched: other ports, non-IP frames, and anything the guard cannot
 * judge (truncated or malformed headers, non-first fragments, a second VLAN tag, IPv6
 * extension headers beyond DNS_GUARD_MAX_EXT_HEADERS or other than hop-by-hop, routing,
 * fragment and destination options). Such packets are passed rather than dropped because the
 * kernel's own stack rejects what is malformed, and the guard must never break other traffic.
 * With the guard disabled, or with no resolver configured, everything passes. */
/* vmlinux.h must come first: it defines the types all the others use. */
/* clang-format off */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "dns_guard.h"
/* clang-format on */

/* UAPI values that vmlinux.h, holding only types and enums, does not carry. */
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define IPV4_FRAGMENT_OFFSET 0x1fff
#define IPV6_FRAGMENT_OFFSET 0xfff8
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_DEST 60

/* Enough for hop-by-hop + routing + fragment + destination options, in any order. */
#define DNS_GUARD_MAX_EXT_HEADERS 4

/* Own definitions: these kernel structs are not in every kernel's BTF. */
struct guard_vlan_tag {
    __be16 tci;
    __be16 encapsulated_proto;
};

struct guard_ipv6_ext {
    __u8 nexthdr;
    __u8 hdrlen; /* in 8-byte units, not counting the first 8 bytes */
};

struct guard_ipv6_fragment {
    __u8 nexthdr;
    __u8 reserved;
    __be16 frag_off;
    __be32 identification;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, DNS_GUARD_RESOLVER_ENTRIES);
    __type(key, struct dns_guard_resolver_key);
    __type(value, __u32);
} resolvers SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, DNS_GUARD_MAX_RESOLVERS);
    __type(key, __u32);
    __type(value, struct dns_guard_traffic);
} traffic SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, DNS_GUARD_CTR_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} counters SEC(".maps");

struct dns_guard_config guard_config = {};

/* A packet being parsed: `pos` is the next header, `end` the end of the frame, `left` how many
 * bytes of the IP datagram are left from `pos` on (the datagram may end before the frame,
 * which is then padded to the Ethernet minimum). */
struct cursor {
    void* pos;
    void* end;
    __u32 left;
};

/* What the guard judges a DNS answer by. */
struct answer {
    struct dns_guard_resolver_key source;
    __u8 protocol;
};

static __always_inline void count(__u32 slot, __u64 amount) {
    __u64* value = bpf_map_lookup_elem(&counters, &slot);
    if (value)
        *value += amount; /* per-CPU slot: no other CPU writes it */
}

static __always_inline void count_resolver(__u32 slot, __u64 bytes) {
    if (slot >= DNS_GUARD_MAX_RESOLVERS)
        return;
    struct dns_guard_traffic* value = bpf_map_lookup_elem(&traffic, &slot);
    if (!value)
        return;
    value->packets += 1;
    value->bytes += bytes;
}

/* Ethernet and at most one 802.1Q/802.1AD tag; returns the EtherType (network order), 0 when
 * the frame is too short. */
static __always_inline __be16 parse_ethernet(struct cursor* c) {
    struct ethhdr* eth = c->pos;
    if ((void*)(eth + 1) > c->end)
        return 0;
    c->pos = eth + 1;
    __be16 proto = eth->h_proto;
    if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
        return proto;
    struct guard_vlan_tag* tag = c->pos;
    if ((void*)(tag + 1) > c->end)
        return 0;
    c->pos = tag + 1;
    return tag->encapsulated_proto;
}

/* 1 when `c` now points at the transport header of a first (or only) fragment. */
static __always_inline int parse_ipv4(struct cursor* c, struct answer* a) {
    struct iphdr* ip = c->pos;
    if ((void*)(ip + 1) > c->end)
        return 0;
    if (ip->version != 4 || ip->ihl < 5)
        return 0;
    /* A non-first fragment starts in the middle of the datagram: no ports to judge. */
    if (ip->frag_off & bpf_htons(IPV4_FRAGMENT_OFFSET))
        return 0;
    __u32 header = ip->ihl * 4; /* 20..60: ihl is 4 bits */
    __u32 total = bpf_ntohs(ip->tot_len);
    if (total < header)
        return 0;
    /* A frame cut short of its datagram is dropped by the IP stack anyway. */
    if ((void*)ip + total > c->end || (void*)ip + header > c->end)
        return 0;
    a->source.family = DNS_GUARD_AF_INET;
    __builtin_memcpy(a->source.address, &ip->saddr, sizeof(ip->saddr));
    a->protocol = ip->protocol;
    c->pos = (void*)ip + header;
    c->left = total - header;
    return 1;
}

/* Walks hop-by-hop, routing, fragment and destination options headers; 1 when `c` then points
 * at the transport header, whose protocol is in a->protocol. */
static __always_inline int skip_ipv6_extensions(struct cursor* c, struct answer* a) {
    for (int i = 0; i < DNS_GUARD_MAX_EXT_HEADERS; i++) {
        __u8 next = a->protocol;
        if (next == NEXTHDR_FRAGMENT) {
            struct guard_ipv6_fragment* frag = c->pos;
            if ((void*)(frag + 1) > c->end || c->left < sizeof(*frag))
                return 0;
            if (frag->frag_off & bpf_htons(IPV6_FRAGMENT_OFFSET))
                return 0; /* non-first fragment: no ports to judge */
            a->protocol = frag->nexthdr;
            c->pos = frag + 1;
            c->left -= sizeof(*frag);
        } else if (next == NEXTHDR_HOP || next == NEXTHDR_ROUTING || next == NEXTHDR_DEST) {
            struct guard_ipv6_ext* ext = c->pos;
            if ((void*)(ext + 1) > c->end)
                return 0;
            __u32 length = (ext->hdrlen + 1) * 8; /* 8..2048 */
            if (c->left < length)
                return 0;
            a->protocol = ext->nexthdr;
            c->pos += length;
            c->left -= length;
        } else {
            return 1;
        }
    }
    return a->protocol != NEXTHDR_HOP && a->protocol != NEXTHDR_ROUTING &&
           a->protocol != NEXTHDR_FRAGMENT && a->protocol != NEXTHDR_DEST;
}

static __always_inline int parse_ipv6(struct cursor* c, struct answer* a) {
    struct ipv6hdr* ip6 = c->pos;
    if ((void*)(ip6 + 1) > c->end)
        return 0;
    if (ip6->version != 6)
        return 0;
    __u32 payload = bpf_ntohs(ip6->payload_len);
    if ((void*)(ip6 + 1) + payload > c->end)
        return 0;
    a->source.family = DNS_GUARD_AF_INET6;
    __builtin_memcpy(a->source.address, &ip6->saddr, sizeof(ip6->saddr));
    a->protocol = ip6->nexthdr;
    c->pos = ip6 + 1;
    /* 0 for a jumbogram (RFC 2675), which is then never judged. */
    c->left = payload;
    return skip_ipv6_extensions(c, a);
}

/* 1 when the transport header is whole and comes from a DNS source port. */
static __always_inline int from_dns_port(struct cursor* c, const struct answer* a) {
    if (a->protocol == IPPROTO_UDP) {
        struct udphdr* udp = c->pos;
        if ((void*)(udp + 1) > c->end || c->left < sizeof(*udp))
            return 0;
        return udp->source == bpf_htons(DNS_GUARD_DNS_PORT);
    }
    if (a->protocol == IPPROTO_TCP) {
        struct tcphdr* tcp = c->pos;
        if ((void*)(tcp + 1) > c->end || c->left < sizeof(*tcp))
            return 0;
        return tcp->source == bpf_htons(DNS_GUARD_DNS_PORT) ||
               tcp->source == bpf_htons(DNS_GUARD_DOT_PORT);
    }
    return 0;
}

/* 1 when the frame is a DNS answer; its source address and protocol are then in *a. */
static __always_inline int parse_answer(struct xdp_md* ctx, struct answer* a) {
    struct cursor c = {
        .pos = (void*)(long)ctx->data,
        .end = (void*)(long)ctx->data_end,
    };
    __be16 proto = parse_ethernet(&c);
    int parsed = 0;
    if (proto == bpf_htons(ETH_P_IP))
        parsed = parse_ipv4(&c, a);
    else if (proto == bpf_htons(ETH_P_IPV6))
        parsed = parse_ipv6(&c, a);
    return parsed && from_dns_port(&c, a);
}

SEC("xdp")
int dns_guard(struct xdp_md* ctx) {
    if (!guard_config.enabled || guard_config.resolver_count == 0)
        return XDP_PASS;
    struct answer a = {};
    if (!parse_answer(ctx, &a))
        return XDP_PASS;
    __u64 bytes = ctx->data_end - ctx->data;
    __u32* slot = bpf_map_lookup_elem(&resolvers, &a.source);
    if (slot) {
        count_resolver(*slot, bytes);
        return XDP_PASS;
    }
    if (a.protocol == IPPROTO_TCP) {
        count(DNS_GUARD_CTR_UNKNOWN_TCP, 1);
        return XDP_PASS;
    }
    count(DNS_GUARD_CTR_DROPPED_PACKETS, 1);
    count(DNS_GUARD_CTR_DROPPED_BYTES, bytes);
    return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
