// Owns one `struct bpf_link*`; destroying it detaches the program.
#pragma once

#include <string_view>

struct bpf_link;

namespace mamori::kernel {

class BpfLink {
public:
    // Takes the result of a bpf_program__attach*() call; throws BpfError (with the errno libbpf
    // set) when that call returned nullptr. Call it directly on the attach result so that
    // nothing in between can overwrite errno.
    static BpfLink adopt(bpf_link* maybeNull, std::string_view what);

    BpfLink() noexcept = default;
    explicit BpfLink(bpf_link* owned) noexcept
        : link_(owned) {}
    ~BpfLink() { reset(); }

    BpfLink(BpfLink&& other) noexcept
        : link_(other.release()) {}
    BpfLink& operator=(BpfLink&& other) noexcept;
    BpfLink(const BpfLink&) = delete;
    BpfLink& operator=(const BpfLink&) = delete;

    bpf_link* get() const noexcept { return link_; }
    explicit operator bool() const noexcept { return link_ != nullptr; }

    bpf_link* release() noexcept;
    void reset(bpf_link* owned = nullptr) noexcept;

private:
    bpf_link* link_ = nullptr;
};

} // namespace mamori::kernel
