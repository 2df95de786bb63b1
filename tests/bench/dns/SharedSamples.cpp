#include "SharedSamples.h"

#include <algorithm>
#include <cerrno>
#include <memory>
#include <sys/mman.h>
#include <system_error>

namespace mamori::bench {

SharedSamples::SharedSamples(std::size_t count)
    : count_(count)
    , bytes_(std::max<std::size_t>(count, 1) * sizeof(Sample)) {
    void* memory =
        ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        throw std::system_error(errno, std::generic_category(), "mmap");
    }
    samples_ = static_cast<Sample*>(memory);
    std::uninitialized_default_construct_n(samples_, count_);
}

SharedSamples::~SharedSamples() {
    ::munmap(samples_, bytes_);
}

} // namespace mamori::bench
