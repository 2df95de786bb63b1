#include "lbm/ProgramLoader.h"

#include "patched_kernel.h"

#include <bpf/bpf.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <regex>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace mamori::lbm {
namespace {

// Large enough for the tail of a 1M-instruction verification; the kernel keeps the end of the
// log when it does not fit (rotating log since 6.4), and the end is what names the failure.
constexpr size_t kLogSize = size_t{16} * 1024 * 1024;
constexpr size_t kLogTailLines = 6;

int loadOnce(const Program& program, char* log, size_t logSize, uint32_t logLevel) {
    bpf_prog_load_opts options{};
    options.sz = sizeof options;
    options.log_buf = log;
    options.log_size = static_cast<uint32_t>(logSize);
    options.log_level = logLevel;
    const auto type = program.target == Target::LbmProgram
                          ? static_cast<bpf_prog_type>(MAMORI_BPF_PROG_TYPE_LBM)
                          : BPF_PROG_TYPE_XDP;
    const int fd = bpf_prog_load(type, "mamori_lbm", "GPL", program.instructions.data(),
                                 program.instructions.size(), &options);
    return fd >= 0 ? fd : -errno;
}

// The instruction the verifier stopped at: the last "<n>: (" line of its log.
std::optional<size_t> failingInstruction(const std::string& log) {
    static const std::regex line(R"((?:^|\n)(\d+): \()");
    std::optional<size_t> last;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator();
         ++it) {
        last = std::stoul((*it)[1].str());
    }
    return last;
}

// The verifier's own limits, as opposed to a rejected instruction: a million processed
// instructions, or more than 8192 branches waiting to be explored (BPF_COMPLEXITY_LIMIT_JMP_SEQ),
// which long rule files reach first: every comparison a rule makes leaves one behind.
bool tooComplex(const std::string& log, int error) {
    return error == E2BIG || log.find("BPF program is too large") != std::string::npos ||
           log.find("jumps is too complex") != std::string::npos;
}

} // namespace

std::string ProgramLoader::logTail(const std::string& log, size_t lines) {
    std::vector<std::string> kept;
    size_t start = 0;
    while (start < log.size()) {
        size_t end = log.find('\n', start);
        if (end == std::string::npos) {
            end = log.size();
        }
        if (end > start) {
            kept.push_back(log.substr(start, end - start));
        }
        start = end + 1;
    }
    std::string tail;
    const size_t first = kept.size() > lines ? kept.size() - lines : 0;
    for (size_t i = first; i < kept.size(); ++i) {
        tail += (tail.empty() ? "" : " | ") + kept[i];
    }
    return tail;
}

UniqueFd ProgramLoader::load(const Program& program) {
    // The program type's number means something else on kernels without the patch.
    if (program.target == Target::LbmProgram && !std::filesystem::exists(MAMORI_LBM_SYSFS_DIR)) {
        throw std::invalid_argument(
            "this kernel has no LBM program type (" MAMORI_LBM_SYSFS_DIR
            " is missing): packet filters need the LBM patches from kernel-patches/");
    }
    // First without a log: verification is faster and the log is only needed on failure.
    int result = loadOnce(program, nullptr, 0, 0);
    if (result >= 0) {
        return UniqueFd(result);
    }
    if (result == -EPERM) {
        throw std::system_error(EPERM, std::generic_category(),
                                "loading an eBPF filter needs root (CAP_BPF and CAP_NET_ADMIN)");
    }
    std::vector<char> log(kLogSize, '\0');
    result = loadOnce(program, log.data(), log.size(), 1);
    if (result >= 0) {
        return UniqueFd(result);
    }
    const std::string text(log.data(), strnlen(log.data(), log.size()));
    if (tooComplex(text, -result)) {
        throw std::length_error("rule file too large for the kernel verifier (" +
                                std::to_string(program.rules.size()) + " rules, " +
                                std::to_string(program.instructions.size()) +
                                " instructions): " + logTail(text, 2) + "; split the rule file");
    }
    const auto at = failingInstruction(text);
    const std::string rule = at ? ruleNameAt(program, *at) : std::string("?");
    std::string detail = logTail(text, kLogTailLines);
    if (detail.empty()) {
        detail = std::strerror(-result);
    }
    throw std::runtime_error("compiler bug: the verifier rejected rule '" + rule + "': " + detail);
}

} // namespace mamori::lbm
