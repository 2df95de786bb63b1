// What the running kernel's seccomp can guarantee: the constant-action cache (5.11), the user
// notifier, and the seccomp-eBPF patch. The compiler states each plan line's guarantee from
// this, so `explain` tells the truth about this machine; tests pass fixed values.
#pragma once

#include <string>

namespace mamori::sandbox {

struct KernelSeccomp {
    std::string release;
    bool constantActionCache = false;
    bool userNotif = false;
    // The seccomp-eBPF patches (kernel-patches/seccomp-ebpf), and this process may load a
    // filter (CAP_BPF, or kernel.seccomp.ebpf_unprivileged): unsupervised sandboxes then get
    // their stateful rules as a seccomp-eBPF filter (StatefulFilter).
    bool seccompEbpf = false;

    static KernelSeccomp probe();
    // A stock kernel of 5.11 or later: cache and notifier, no eBPF patch.
    static KernelSeccomp stock();
    // Whether `fd` is a seccomp user-notification listener (what the launcher hands over and
    // mamorid accepts).
    static bool isNotifierFd(int fd);
};

} // namespace mamori::sandbox
