// Loads a compiled filter into the running kernel through the real verifier (BPF_PROG_LOAD via
// libbpf's low-level bpf_prog_load; no object files, no skeletons). Stock kernels load the
// Target::XdpHarness form; the Target::LbmProgram form needs the LBM patch (kernel-patches/lbm),
// and is named "mamori_lbm" in the kernel so that LbmHooks can tell its own programs apart.
#pragma once

#include "common/UniqueFd.h"
#include "lbm/CodeGenerator.h"

#include <string>

namespace mamori::lbm {

class ProgramLoader {
public:
    // Returns the program's fd. Throws
    //  - std::system_error (EPERM) when the caller may not load BPF programs (needs root),
    //  - std::length_error when the verifier gives up because the filter is too large,
    //  - std::runtime_error "compiler bug: the verifier rejected rule '<name>': <log tail>"
    //    for any other rejection: the code generator must never emit an unverifiable program,
    //  - std::invalid_argument for a Target::LbmProgram when the kernel has no LBM program type.
    static UniqueFd load(const Program& program);

    // The last `lines` non-empty lines of a verifier log.
    static std::string logTail(const std::string& log, size_t lines);
};

} // namespace mamori::lbm
