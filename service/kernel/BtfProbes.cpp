// Probes for program types that only exist with the patches in kernel-patches/. There is no
// program to load for them yet, so the honest test is whether the kernel's own BTF knows the
// program type's enum value.
#include "ProbeSupport.h"

#include <bpf/btf.h>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

namespace mamori::kernel::probe {

namespace {

struct BtfDeleter {
    void operator()(btf* b) const noexcept { btf__free(b); }
};
using BtfPtr = std::unique_ptr<btf, BtfDeleter>;

// The value of `enumerator` in the kernel's enum bpf_prog_type, or nullopt if it is absent.
std::optional<std::int64_t> progTypeValue(const btf* vmlinux, std::string_view enumerator) {
    const int id = btf__find_by_name_kind(vmlinux, "bpf_prog_type", BTF_KIND_ENUM);
    if (id < 0) {
        return std::nullopt;
    }
    const btf_type* type = btf__type_by_id(vmlinux, static_cast<__u32>(id));
    // `struct` needed: libbpf has a function of the same name.
    const struct btf_enum* values = btf_enum(type);
    for (int i = 0; i < btf_vlen(type); ++i) {
        if (enumerator == btf__name_by_offset(vmlinux, values[i].name_off)) {
            return values[i].val;
        }
    }
    return std::nullopt;
}

FeatureResult probeProgType(std::string_view enumerator, std::string_view patch) {
    const BtfPtr vmlinux(btf__load_vmlinux_btf());
    if (!vmlinux) {
        return unavailable(std::string("cannot read the kernel's BTF: ") + std::strerror(errno));
    }
    const std::string name(enumerator);
    if (const auto value = progTypeValue(vmlinux.get(), enumerator)) {
        return available("kernel BTF has " + name + " = " + std::to_string(*value));
    }
    return unavailable("kernel has no " + name + " (needs the " + std::string(patch) +
                       " patch from kernel-patches/)");
}

} // namespace

FeatureResult probeSeccompEbpf(const Environment& /*env*/) {
    return probeProgType("BPF_PROG_TYPE_SECCOMP", "seccomp-eBPF");
}

FeatureResult probeLbm(const Environment& /*env*/) {
    return probeProgType("BPF_PROG_TYPE_LBM", "LBM");
}

} // namespace mamori::kernel::probe
