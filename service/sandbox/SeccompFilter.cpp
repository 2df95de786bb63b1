#include "sandbox/SeccompFilter.h"

#include "common/UniqueFd.h"

#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace mamori::sandbox {
namespace {

void check(int rc, const char* call) {
    if (rc < 0) {
        throw std::runtime_error(std::string(call) + " failed: " + std::strerror(-rc));
    }
}

} // namespace

SeccompFilter::SeccompFilter(std::uint32_t defaultAction)
    : ctx_(seccomp_init(defaultAction)) {
    if (ctx_ == nullptr) {
        throw std::runtime_error("seccomp_init failed");
    }
}

SeccompFilter::~SeccompFilter() {
    if (ctx_ != nullptr) {
        seccomp_release(ctx_);
    }
}

SeccompFilter::SeccompFilter(SeccompFilter&& other) noexcept
    : ctx_(other.ctx_) {
    other.ctx_ = nullptr;
}

SeccompFilter& SeccompFilter::operator=(SeccompFilter&& other) noexcept {
    if (this != &other) {
        if (ctx_ != nullptr) {
            seccomp_release(ctx_);
        }
        ctx_ = other.ctx_;
        other.ctx_ = nullptr;
    }
    return *this;
}

void SeccompFilter::setAttribute(scmp_filter_attr attribute, std::uint32_t value) {
    check(seccomp_attr_set(ctx_, attribute, value), "seccomp_attr_set");
}

int SeccompFilter::addRule(std::uint32_t action, int syscall,
                           const std::vector<scmp_arg_cmp>& args) {
    return seccomp_rule_add_exact_array(ctx_, action, syscall, static_cast<unsigned>(args.size()),
                                        args.empty() ? nullptr : args.data());
}

std::vector<std::uint8_t> SeccompFilter::exportBpf() const {
    // libseccomp only writes the program to a file descriptor; a memfd keeps it off the disk.
    const UniqueFd fd(memfd_create("mamori-seccomp-bpf", MFD_CLOEXEC));
    if (!fd) {
        throw std::runtime_error(std::string("memfd_create failed: ") + std::strerror(errno));
    }
    check(seccomp_export_bpf(ctx_, fd.get()), "seccomp_export_bpf");
    const off_t size = lseek(fd.get(), 0, SEEK_END);
    std::vector<std::uint8_t> bytes(static_cast<size_t>(size));
    if (pread(fd.get(), bytes.data(), bytes.size(), 0) != size) {
        throw std::runtime_error("reading the exported filter failed");
    }
    return bytes;
}

void SeccompFilter::load() const {
    check(seccomp_load(ctx_), "seccomp_load");
}

} // namespace mamori::sandbox
