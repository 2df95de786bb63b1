/* What the patches in kernel-patches/ add to the kernel's ABI, with the numbers they give it on
 * Linux 6.1, for user space built against stock UAPI headers (which do not have them): the
 * feature probe, the LBM filter loader and the guest tests use these names. The guest tests
 * check each value against the patched kernel's own headers at compile time
 * (kernel-patches/guest/lbm_guest.h), so a patch that moves one cannot pass.
 *
 * The numbers follow the last ones 6.1 uses; later mainline kernels give the same numbers to
 * other things (BPF_PROG_TYPE_NETFILTER is 32 since 6.4), which is why user space first
 * probes for the patches (SECCOMP_FILTER_FLAG_EXTENDED, /sys/kernel/lbm) before it uses them.
 * Plain C, no includes.
 */
#ifndef MAMORI_PATCHED_KERNEL_H
#define MAMORI_PATCHED_KERNEL_H

/* seccomp-eBPF (kernel-patches/seccomp-ebpf) */
#define MAMORI_BPF_PROG_TYPE_SECCOMP 32
#define MAMORI_SECCOMP_FILTER_FLAG_EXTENDED (1UL << 15)
#define MAMORI_BPF_FUNC_SECCOMP_SERIALIZE 210
#define MAMORI_SECCOMP_EBPF_UNPRIVILEGED_SYSCTL "/proc/sys/kernel/seccomp/ebpf_unprivileged"

/* LBM (kernel-patches/lbm); the context is struct lbm_context of bpf/lbm_packet.h */
#define MAMORI_BPF_PROG_TYPE_LBM 33
#define MAMORI_BPF_LBM_USB_INGRESS 44
#define MAMORI_BPF_LBM_USB_EGRESS 45
#define MAMORI_BPF_LBM_HCI_INGRESS 46
#define MAMORI_BPF_LBM_HCI_EGRESS 47
#define MAMORI_BPF_LBM_L2CAP_INGRESS 48
#define MAMORI_LBM_SYSFS_DIR "/sys/kernel/lbm"

#endif
