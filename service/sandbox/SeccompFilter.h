// Owns one libseccomp filter context (scmp_filter_ctx) and releases it exactly once. Every
// libseccomp failure becomes a std::runtime_error naming the call and the errno.
#pragma once

#include <cstdint>
#include <seccomp.h>
#include <vector>

namespace mamori::sandbox {

class SeccompFilter {
public:
    explicit SeccompFilter(std::uint32_t defaultAction);
    ~SeccompFilter();
    SeccompFilter(SeccompFilter&& other) noexcept;
    SeccompFilter& operator=(SeccompFilter&& other) noexcept;
    SeccompFilter(const SeccompFilter&) = delete;
    SeccompFilter& operator=(const SeccompFilter&) = delete;

    void setAttribute(scmp_filter_attr attribute, std::uint32_t value);
    // Returns the libseccomp error (negative errno) instead of throwing, so callers can name
    // the profile line that produced the rule.
    int addRule(std::uint32_t action, int syscall, const std::vector<scmp_arg_cmp>& args);
    // The classic BPF program, as the kernel would receive it.
    std::vector<std::uint8_t> exportBpf() const;
    // Installs the filter on the calling thread (needs NO_NEW_PRIVS or CAP_SYS_ADMIN).
    void load() const;
    scmp_filter_ctx get() const { return ctx_; }

private:
    scmp_filter_ctx ctx_ = nullptr;
};

} // namespace mamori::sandbox
