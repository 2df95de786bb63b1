// A profile's stateful rules as one seccomp-eBPF filter, for kernels with the seccomp-eBPF
// patches (kernel-patches/seccomp-ebpf), stacked on the classic filter, which then allows these
// syscalls and leaves them to it (stacked filters: the most restrictive answer wins):
//  - [Limits]: a per-sandbox count in an array map shared by every process under the filter;
//    beyond the limit the call takes DenyAction (sound: the kernel counts, nothing races);
//  - [Serialize]: bpf_seccomp_serialize(pair) holds the pair's group from the filter's ALLOW
//    to the end of the call, so a pair never overlaps (sound, unlike the notifier's);
//  - path prefixes: the path is read at the call (at most 255 bytes; longer or unreadable paths
//    take DefaultAction) and must lie under the prefix without `..`. Refusing on it is sound;
//    allowing on it still races with another thread rewriting the string afterwards (the
//    paper's write-protected copies are not in the patch), hence AllowUnsafePointerChecks.
// Built with service/ebpf's assembler; loading needs CAP_BPF unless the administrator set
// kernel.seccomp.ebpf_unprivileged.
#pragma once

#include "common/UniqueFd.h"
#include "sandbox/Plan.h"
#include "sandbox/Profile.h"

#include <cstddef>
#include <linux/bpf.h>
#include <string>
#include <vector>

namespace mamori::sandbox {

struct StatefulFilter {
    std::vector<bpf_insn> instructions;
    // The ld_imm64 slots that take the counter map's fd when the filter is loaded.
    std::vector<size_t> counterMapLoads;
    unsigned counters = 0; // one per limited syscall
    std::vector<std::string> syscalls;

    // The rows of `plan` with Treatment::Stateful, compiled. Throws std::length_error when a
    // profile has more serialized pairs than the kernel's 64 groups.
    static StatefulFilter compile(const Plan& plan, const Profile& profile);

    // Creates the counter map, loads the program and returns its fd (the map lives as long as
    // the program). Throws std::system_error naming the step and, for a refused program, the
    // verifier's last lines.
    UniqueFd load() const;

    // seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_EXTENDED, &fd); no_new_privs must be
    // set. Returns 0 or -errno.
    static int install(int programFd);
};

} // namespace mamori::sandbox
