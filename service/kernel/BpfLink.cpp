#include "kernel/BpfLink.h"

#include "kernel/BpfError.h"

#include <bpf/libbpf.h>
#include <utility>

namespace mamori::kernel {

BpfLink BpfLink::adopt(bpf_link* maybeNull, std::string_view what) {
    return BpfLink(throwIfNull(maybeNull, what));
}

BpfLink& BpfLink::operator=(BpfLink&& other) noexcept {
    if (this != &other) {
        reset(other.release());
    }
    return *this;
}

bpf_link* BpfLink::release() noexcept {
    return std::exchange(link_, nullptr);
}

void BpfLink::reset(bpf_link* owned) noexcept {
    bpf_link* old = std::exchange(link_, owned);
    if (old != nullptr && old != owned) {
        bpf_link__destroy(old);
    }
}

} // namespace mamori::kernel
