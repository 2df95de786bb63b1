// Owns one bpftool-generated skeleton (`struct T` from <T>.skel.h); destroys it exactly once.
//
// bpftool 7 gives the skeleton struct C++ static members (T::open, T::load, T::destroy) that
// forward to T__open / T__load / T__destroy, and the default SkeletonTraits uses those. Specialize
// SkeletonTraits<T> to supply other functions (older bpftool, fakes in tests) and, optionally, a
// `name` for error messages:
//
//   template <> struct mamori::kernel::SkeletonTraits<feature_probe> {
//       static constexpr std::string_view name = "feature_probe";
//       static feature_probe* open() { return feature_probe__open(); }
//       static int load(feature_probe* s) { return feature_probe__load(s); }
//       static void destroy(feature_probe* s) { feature_probe__destroy(s); }
//   };
#pragma once

#include "kernel/BpfError.h"

#include <string>
#include <string_view>
#include <utility>

namespace mamori::kernel {

template <typename T> struct SkeletonTraits {
    static T* open() { return T::open(); }
    static int load(T* skel) { return T::load(skel); }
    static void destroy(T* skel) { T::destroy(skel); }
};

template <typename T, typename Traits = SkeletonTraits<T>> class BpfSkeleton {
public:
    // Opens (parses the embedded object, creates nothing in the kernel yet) so that the caller
    // can still set rodata and autoload before load().
    static BpfSkeleton open() {
        T* raw = Traits::open();
        if (raw == nullptr) {
            const int error = errno; // before step() allocates and possibly clobbers errno
            throw BpfError(step("open"), error);
        }
        return BpfSkeleton(raw);
    }

    BpfSkeleton() noexcept = default;
    explicit BpfSkeleton(T* owned) noexcept
        : skel_(owned) {}
    ~BpfSkeleton() { reset(); }

    BpfSkeleton(BpfSkeleton&& other) noexcept
        : skel_(other.release()) {}
    BpfSkeleton& operator=(BpfSkeleton&& other) noexcept {
        if (this != &other) {
            reset(other.release());
        }
        return *this;
    }
    BpfSkeleton(const BpfSkeleton&) = delete;
    BpfSkeleton& operator=(const BpfSkeleton&) = delete;

    void load() {
        const int rc = Traits::load(skel_);
        if (rc != 0) {
            throw BpfError(step("load"), rc);
        }
    }

    T* get() const noexcept { return skel_; }
    T* operator->() const noexcept { return skel_; }
    T& operator*() const noexcept { return *skel_; }
    explicit operator bool() const noexcept { return skel_ != nullptr; }

    T* release() noexcept { return std::exchange(skel_, nullptr); }
    void reset(T* owned = nullptr) noexcept {
        T* old = std::exchange(skel_, owned);
        if (old != nullptr && old != owned) {
            Traits::destroy(old);
        }
    }

private:
    static std::string step(std::string_view verb) {
        std::string what(verb);
        what += " BPF skeleton";
        if constexpr (requires { Traits::name; }) {
            what += ' ';
            what += Traits::name;
        }
        return what;
    }

    T* skel_ = nullptr;
};

} // namespace mamori::kernel
