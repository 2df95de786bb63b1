// Hand-written bpf(2) calls for the tests, deliberately not going through libbpf's program
// loading or service/kernel, so they can check the feature probe independently.
#pragma once

#include <cstdint>
#include <linux/bpf.h>
#include <optional>
#include <string>
#include <vector>

namespace mamori::test {

struct RawResult {
    int fd = -1;   // owned by the caller when >= 0
    int error = 0; // errno when fd < 0
};

struct RawProgram {
    bpf_prog_type type = BPF_PROG_TYPE_UNSPEC;
    bpf_attach_type expectedAttachType = static_cast<bpf_attach_type>(0);
    std::uint32_t attachBtfId = 0;
    std::vector<bpf_insn> insns;
};

// `r0 = value; exit` - the smallest program every type accepts.
std::vector<bpf_insn> returnConstant(std::int32_t value);

RawResult loadProgram(const RawProgram& program);

// BPF_PROG_TEST_RUN once on a zeroed 64-byte packet; the program's return value or nullopt.
std::optional<std::uint32_t> testRun(int progFd);

// BTF id of `name` of `kind` (BTF_KIND_*) in the running kernel's BTF, 0 when absent.
std::uint32_t vmlinuxBtfId(const std::string& name, unsigned kind);

// Whether an LSM program that loads would also run: true when 'bpf' is in
// /sys/kernel/security/lsm or that file cannot be read (then attaching is all one can check).
bool lsmListAllowsBpf();

// The instructions of a socket filter that writes `value` (8 bytes) into the ring buffer map
// `ringbufFd` with bpf_ringbuf_output() and returns 0.
std::vector<bpf_insn> ringbufOutput(int ringbufFd, std::int32_t value);

} // namespace mamori::test
