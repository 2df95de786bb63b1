/* Shared between bpf/feature_probe.bpf.c and service/kernel/FeatureProbe.cpp.
 * Plain C, no includes: the BPF side gets __u32/__u64 from vmlinux.h, user space from
 * <linux/types.h> before including this header. */
#ifndef MAMORI_BPF_FEATURE_PROBE_H
#define MAMORI_BPF_FEATURE_PROBE_H

/* The socket filter returns this so a BPF_PROG_TEST_RUN result can be told apart from a
 * zeroed or default retval. */
#define FEATURE_PROBE_SOCKET_RETVAL 0x6d616d6fU

/* Lives in .bss; user space reads it through the skeleton's mmap()ed view. */
struct feature_probe_counters {
    __u64 uprobe_hits;
    __u64 connect4_calls;
};

#endif
