// The one exception type of service/kernel: every failed libbpf, bpf(2), cgroup or seccomp call
// surfaces as a BpfError carrying errno, so callers can tell "not permitted" from "not there".
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mamori::kernel {

class BpfError : public std::runtime_error {
public:
    // `what` names the step that failed ("load BPF skeleton feature_probe"); `error` may be
    // negative as libbpf returns it, it is stored positive.
    BpfError(std::string_view what, int error);

    int error() const noexcept { return error_; }

private:
    int error_;
};

// libbpf 1.x convention: int-returning calls give -errno. Returns rc when it is not an error.
int throwIfNegative(int rc, std::string_view what);

// libbpf 1.x convention: pointer-returning calls give nullptr and set errno.
template <typename T> T* throwIfNull(T* ptr, std::string_view what) {
    if (ptr == nullptr) {
        const int error = errno; // before the throw allocates and possibly clobbers errno
        throw BpfError(what, error);
    }
    return ptr;
}

} // namespace mamori::kernel
