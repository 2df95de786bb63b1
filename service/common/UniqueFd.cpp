#include "common/UniqueFd.h"

#include <unistd.h>
#include <utility>

namespace mamori {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        reset(other.release());
    }
    return *this;
}

int UniqueFd::release() noexcept {
    return std::exchange(fd_, -1);
}

void UniqueFd::reset(int fd) noexcept {
    const int old = std::exchange(fd_, fd);
    // close() errors are not actionable here: the fd is gone either way on Linux, and retrying
    // on EINTR could close an fd another thread just received.
    if (old >= 0 && old != fd) {
        ::close(old);
    }
}

} // namespace mamori
