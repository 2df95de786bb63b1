#include "RawBpf.h"

#include <array>
#include <bpf/btf.h>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <sys/syscall.h>
#include <unistd.h>

namespace mamori::test {

namespace {

long sysBpf(bpf_cmd cmd, bpf_attr& attr) {
    return ::syscall(__NR_bpf, cmd, &attr, sizeof(attr));
}

bpf_insn insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off,
              std::int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xfU;
    i.src_reg = src & 0xfU;
    i.off = off;
    i.imm = imm;
    return i;
}

bpf_insn exitInsn() {
    return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

bpf_insn movImm(std::uint8_t dst, std::int32_t imm) {
    return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}

} // namespace

std::vector<bpf_insn> returnConstant(std::int32_t value) {
    return {movImm(BPF_REG_0, value), exitInsn()};
}

RawResult loadProgram(const RawProgram& program) {
    static constexpr char kLicense[] = "GPL";
    bpf_attr attr{};
    attr.prog_type = program.type;
    attr.expected_attach_type = program.expectedAttachType;
    attr.attach_btf_id = program.attachBtfId;
    attr.insns = reinterpret_cast<std::uintptr_t>(program.insns.data());
    attr.insn_cnt = static_cast<std::uint32_t>(program.insns.size());
    attr.license = reinterpret_cast<std::uintptr_t>(kLicense);
    const long fd = sysBpf(BPF_PROG_LOAD, attr);
    if (fd < 0) {
        return {-1, errno};
    }
    return {static_cast<int>(fd), 0};
}

std::optional<std::uint32_t> testRun(int progFd) {
    std::array<std::uint8_t, 64> packet{};
    bpf_attr attr{};
    attr.test.prog_fd = static_cast<std::uint32_t>(progFd);
    attr.test.data_in = reinterpret_cast<std::uintptr_t>(packet.data());
    attr.test.data_size_in = packet.size();
    attr.test.repeat = 1;
    if (sysBpf(BPF_PROG_TEST_RUN, attr) != 0) {
        return std::nullopt;
    }
    return attr.test.retval;
}

std::uint32_t vmlinuxBtfId(const std::string& name, unsigned kind) {
    btf* vmlinux = btf__load_vmlinux_btf();
    if (vmlinux == nullptr) {
        return 0;
    }
    const int id = btf__find_by_name_kind(vmlinux, name.c_str(), kind);
    btf__free(vmlinux);
    return id > 0 ? static_cast<std::uint32_t>(id) : 0;
}

bool lsmListAllowsBpf() {
    std::ifstream in("/sys/kernel/security/lsm");
    if (!in) {
        return true;
    }
    std::string list;
    std::getline(in, list);
    std::istringstream names(list);
    for (std::string name; std::getline(names, name, ',');) {
        if (name == "bpf") {
            return true;
        }
    }
    return false;
}

std::vector<bpf_insn> ringbufOutput(int ringbufFd, std::int32_t value) {
    return {
        // *(u64 *)(r10 - 8) = value
        insn(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, -8, value),
        // r1 = map (a 16-byte ld_imm64: the second half carries the upper 32 bits, here 0)
        insn(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, ringbufFd),
        insn(0, 0, 0, 0, 0),
        // r2 = r10 - 8; r3 = 8; r4 = 0
        insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
        insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -8),
        movImm(BPF_REG_3, 8),
        movImm(BPF_REG_4, 0),
        insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output),
        movImm(BPF_REG_0, 0),
        exitInsn(),
    };
}

} // namespace mamori::test
