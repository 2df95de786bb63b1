#include "FakeRfkillKernel.h"

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace mamori::test {
namespace {

void sendEvent(int fd, const devices::RfkillSwitch& entry, std::uint8_t op) {
    rfkill_event event{};
    event.idx = entry.index;
    event.type = entry.type;
    event.op = op;
    event.soft = entry.softBlocked ? 1 : 0;
    event.hard = entry.hardBlocked ? 1 : 0;
    // MSG_NOSIGNAL: the code under test closes its descriptor after each operation, and a
    // CHANGE sent to a closed one must not kill the test with SIGPIPE.
    if (::send(fd, &event, sizeof event, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
        errno != ECONNRESET) {
        throw std::runtime_error("fake rfkill: send failed: " + std::to_string(errno));
    }
}

} // namespace

void FakeRfkillKernel::addSwitch(std::uint32_t index, std::uint8_t type, bool soft, bool hard) {
    switches_.push_back(devices::RfkillSwitch{index, type, soft, hard});
}

devices::RfkillDevice FakeRfkillKernel::open(devices::RfkillDevice::Access access) {
    pump();
    ++opens_;
    if (access == devices::RfkillDevice::Access::ReadWrite && failWrites) {
        // A descriptor open for reading only: every write(2) on it fails with EBADF.
        return devices::RfkillDevice(UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
    }
    std::array<int, 2> ends{-1, -1};
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, ends.data()) != 0) {
        throw std::runtime_error("fake rfkill: socketpair failed: " + std::to_string(errno));
    }
    UniqueFd kernelEnd(ends[0]);
    UniqueFd userEnd(ends[1]);
    for (const auto& entry : switches_) {
        sendEvent(kernelEnd.get(), entry, RFKILL_OP_ADD);
    }
    kernelEnds_.push_back(std::move(kernelEnd));
    return devices::RfkillDevice(std::move(userEnd));
}

std::size_t FakeRfkillKernel::pump() {
    std::size_t handled = 0;
    for (const auto& kernelEnd : kernelEnds_) {
        for (;;) {
            rfkill_event request{};
            const ssize_t n = ::recv(kernelEnd.get(), &request, sizeof request, 0);
            if (n < 0 && errno == ECONNRESET) {
                // The user end was closed with events still unread on it; the socket reports
                // that once, and what it wrote before closing is still queued behind it.
                continue;
            }
            if (n <= 0) {
                break; // nothing queued (EAGAIN) or the other end is gone
            }
            ++handled;
            requests_.push_back(request);
            if (request.op != RFKILL_OP_CHANGE_ALL) {
                continue;
            }
            for (auto& entry : switches_) {
                if (request.type != RFKILL_TYPE_ALL && request.type != entry.type) {
                    continue;
                }
                entry.softBlocked = request.soft != 0;
                for (const auto& end : kernelEnds_) {
                    sendEvent(end.get(), entry, RFKILL_OP_CHANGE);
                }
            }
        }
    }
    return handled;
}

} // namespace mamori::test
