#include "sandbox/StatefulFilter.h"

#include "ebpf/BpfAssembler.h"
#include "ebpf/BpfInstruction.h"
#include "patched_kernel.h"

#include <bpf/bpf.h>
#include <cerrno>
#include <cstring>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdexcept>
#include <sys/syscall.h>
#include <system_error>
#include <unistd.h>

namespace mamori::sandbox {
namespace {

using ebpf::BpfAssembler;
using ebpf::Label;
using namespace ebpf::insn;

constexpr int kPathBytes = 256;
constexpr int16_t kKeySlot = -8;
constexpr int16_t kPathSlot = kKeySlot - kPathBytes;
constexpr int kSerializeGroups = 64; // the patch's groups per process
constexpr size_t kLogBytes = size_t{1} << 20;

int16_t argumentOffset(unsigned index) {
    return static_cast<int16_t>(offsetof(seccomp_data, args) + sizeof(__u64) * index);
}

uint32_t seccompReturn(const Action& action) {
    switch (action.kind) {
    case ActionKind::Errno:
        return SECCOMP_RET_ERRNO | (static_cast<uint32_t>(action.errnoValue) & SECCOMP_RET_DATA);
    case ActionKind::Log:
        return SECCOMP_RET_LOG;
    case ActionKind::Kill:
        break;
    }
    return SECCOMP_RET_KILL_PROCESS;
}

class Generator {
public:
    explicit Generator(const Profile& profile)
        : profile_(profile) {}

    StatefulFilter run(const Plan& plan) {
        StatefulFilter out;
        const Label allow = a_.newLabel();
        a_.emit(mov64Reg(R6, R1));
        // Other architectures are the classic filter's business (it kills them).
        a_.emit(ldx(BPF_W, R0, R6, offsetof(seccomp_data, arch)));
        a_.jump32Imm(BPF_JNE, R0, static_cast<int32_t>(AUDIT_ARCH_X86_64), allow);
        a_.emit(ldx(BPF_W, R7, R6, offsetof(seccomp_data, nr)));
        for (const auto& row : plan.syscalls) {
            if (row.treatment == Treatment::Stateful) {
                emitRow(row, out);
                out.syscalls.push_back(row.name);
            }
        }
        a_.bind(allow);
        emitReturn(SECCOMP_RET_ALLOW);
        out.instructions = a_.finish();
        return out;
    }

private:
    void emitRow(const SyscallPlan& row, StatefulFilter& out) {
        const Label next = a_.newLabel();
        const Label overLimit = a_.newLabel();
        const Label badPath = a_.newLabel();
        a_.jumpImm(BPF_JNE, R7, row.number, next);
        if (row.limit) {
            emitLimit(out.counters++, *row.limit, overLimit, out);
        }
        if (row.pathPrefix) {
            emitPathCheck(*row.pathPrefix, row.pathIndex, badPath);
        }
        if (const int group = groupOf(row.name); group >= 0) {
            a_.emit(mov64Imm(R1, group));
            a_.emit(call(MAMORI_BPF_FUNC_SECCOMP_SERIALIZE));
        }
        emitReturn(SECCOMP_RET_ALLOW);
        a_.bind(overLimit);
        emitReturn(seccompReturn(profile_.denyAction));
        a_.bind(badPath);
        emitReturn(seccompReturn(profile_.defaultAction));
        a_.bind(next);
    }

    // counters[index] += 1; beyond `limit` the call is refused.
    void emitLimit(unsigned index, unsigned long limit, Label refuse, StatefulFilter& out) {
        a_.emit(stImm(BPF_W, R10, kKeySlot, static_cast<int32_t>(index)));
        out.counterMapLoads.push_back(a_.size());
        for (const auto& slot : ldMapFd(R1, -1)) {
            a_.emit(slot);
        }
        a_.emit(mov64Reg(R2, R10));
        a_.emit(alu64Imm(BPF_ADD, R2, kKeySlot));
        a_.emit(call(BPF_FUNC_map_lookup_elem));
        a_.jumpImm(BPF_JEQ, R0, 0, refuse);
        a_.emit(mov64Imm(R1, 1));
        a_.emit(atomicAdd64(R0, R1, 0));
        a_.emit(ldx(BPF_DW, R1, R0, 0));
        a_.loadImm64(R2, limit);
        a_.jumpReg(BPF_JGT, R1, R2, refuse);
    }

    // The path argument read into a zeroed stack buffer: under `prefix` (at a `/` boundary)
    // with no `..` component, else `refuse`.
    void emitPathCheck(const std::string& prefix, unsigned index, Label refuse) {
        for (int offset = 0; offset < kPathBytes; offset += 8) {
            a_.emit(stImm(BPF_DW, R10, static_cast<int16_t>(kPathSlot + offset), 0));
        }
        a_.emit(mov64Reg(R1, R10));
        a_.emit(alu64Imm(BPF_ADD, R1, kPathSlot));
        a_.emit(mov64Imm(R2, kPathBytes));
        a_.emit(ldx(BPF_DW, R3, R6, argumentOffset(index)));
        a_.emit(call(BPF_FUNC_probe_read_user_str));
        a_.jumpImm(BPF_JSLE, R0, 0, refuse);          // unreadable
        a_.jumpImm(BPF_JSGE, R0, kPathBytes, refuse); // filled: maybe cut short
        for (size_t i = 0; i < prefix.size(); ++i) {
            emitByteJump(i, BPF_JNE, static_cast<unsigned char>(prefix[i]), refuse);
        }
        if (!prefix.ends_with('/')) {
            const Label boundary = a_.newLabel();
            emitByteJump(prefix.size(), BPF_JEQ, 0, boundary);
            emitByteJump(prefix.size(), BPF_JNE, '/', refuse);
            a_.bind(boundary);
        }
        // "/.." followed by "/" or the end, anywhere in the buffer (zeros after the string).
        for (size_t i = 0; i + 3 < kPathBytes; ++i) {
            const Label next = a_.newLabel();
            emitByteJump(i, BPF_JNE, '/', next);
            emitByteJump(i + 1, BPF_JNE, '.', next);
            emitByteJump(i + 2, BPF_JNE, '.', next);
            a_.emit(ldx(BPF_B, R1, R10, static_cast<int16_t>(kPathSlot + i + 3)));
            a_.jumpImm(BPF_JEQ, R1, '/', refuse);
            a_.jumpImm(BPF_JEQ, R1, 0, refuse);
            a_.bind(next);
        }
    }

    void emitByteJump(size_t at, uint8_t op, int32_t value, Label target) {
        a_.emit(ldx(BPF_B, R1, R10, static_cast<int16_t>(kPathSlot + static_cast<int>(at))));
        a_.jumpImm(op, R1, value, target);
    }

    void emitReturn(uint32_t value) {
        a_.emit(mov64Imm(R0, static_cast<int32_t>(value)));
        a_.emit(exit());
    }

    // The serialization group of `name`: the index of the first pair naming it, or -1.
    int groupOf(const std::string& name) const {
        for (size_t i = 0; i < profile_.pairs.size(); ++i) {
            const auto& pair = profile_.pairs[i];
            if (pair.first != name && pair.second != name) {
                continue;
            }
            if (i >= kSerializeGroups) {
                throw std::length_error(pair.origin.str() + ": more than 64 serialized pairs; " +
                                        "the kernel serializes 64 groups per process");
            }
            return static_cast<int>(i);
        }
        return -1;
    }

    const Profile& profile_;
    BpfAssembler a_;
};

int loadProgram(const std::vector<bpf_insn>& insns, char* log, size_t logSize) {
    bpf_prog_load_opts options{};
    options.sz = sizeof options;
    options.log_buf = log;
    options.log_size = static_cast<uint32_t>(logSize);
    options.log_level = log != nullptr ? 1 : 0;
    return bpf_prog_load(static_cast<bpf_prog_type>(MAMORI_BPF_PROG_TYPE_SECCOMP), "mamori_sandbox",
                         "GPL", insns.data(), insns.size(), &options);
}

// The last line of a verifier log, which names what it refused.
std::string lastLine(const std::string& log) {
    const auto end = log.find_last_not_of('\n');
    if (end == std::string::npos) {
        return {};
    }
    const auto start = log.find_last_of('\n', end);
    return log.substr(start == std::string::npos ? 0 : start + 1, end - start);
}

} // namespace

StatefulFilter StatefulFilter::compile(const Plan& plan, const Profile& profile) {
    return Generator(profile).run(plan);
}

UniqueFd StatefulFilter::load() const {
    UniqueFd counterMap;
    std::vector<bpf_insn> insns = instructions;
    if (counters > 0) {
        counterMap.reset(bpf_map_create(BPF_MAP_TYPE_ARRAY, "mamori_limits", sizeof(uint32_t),
                                        sizeof(uint64_t), counters, nullptr));
        if (!counterMap) {
            throw std::system_error(errno, std::generic_category(),
                                    "cannot create the count-limit map of the seccomp-eBPF filter");
        }
        for (const size_t at : counterMapLoads) {
            insns.at(at).imm = counterMap.get();
        }
    }
    UniqueFd program(loadProgram(insns, nullptr, 0));
    if (program) {
        return program;
    }
    const int error = errno;
    std::string log(kLogBytes, '\0');
    program.reset(loadProgram(insns, log.data(), log.size()));
    if (program) {
        return program;
    }
    log.resize(std::strlen(log.c_str()));
    throw std::system_error(error, std::generic_category(),
                            "cannot load the seccomp-eBPF filter" +
                                (log.empty() ? std::string() : " (" + lastLine(log) + ")"));
}

int StatefulFilter::install(int programFd) {
    int fd = programFd;
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, MAMORI_SECCOMP_FILTER_FLAG_EXTENDED, &fd) !=
        0) {
        return -errno;
    }
    return 0;
}

} // namespace mamori::sandbox
