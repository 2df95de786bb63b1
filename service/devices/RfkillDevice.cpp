#include "devices/RfkillDevice.h"

#include "common/Errors.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace mamori::devices {
namespace {

std::string errnoText(int error) {
    return {std::strerror(error)};
}

} // namespace

RfkillDevice RfkillDevice::open(const std::filesystem::path& path, Access access) {
    const int flags = (access == Access::ReadWrite ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK;
    UniqueFd fd(::open(path.c_str(), flags));
    if (!fd) {
        const int error = errno;
        std::string hint;
        if (error == ENOENT) {
            hint = " (no rfkill support: the kernel lacks CONFIG_RFKILL or the rfkill module is "
                   "not loaded)";
        }
        throw MamoriError(ErrorCode::Failed,
                          "cannot open " + path.string() + ": " + errnoText(error) + hint);
    }
    return RfkillDevice(std::move(fd));
}

RfkillDevice::RfkillDevice(UniqueFd fd)
    : fd_(std::move(fd)) {
    // Reading must stop at "nothing queued" instead of waiting for the next event.
    const int flags = ::fcntl(fd_.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK) < 0) {
        throw MamoriError(ErrorCode::Failed,
                          "cannot make the rfkill descriptor non-blocking: " + errnoText(errno));
    }
}

std::map<std::uint32_t, RfkillSwitch> RfkillDevice::readSwitches(std::uint8_t type) {
    for (;;) {
        rfkill_event event{};
        // The kernel hands out one event per read and never more than the size asked for, so
        // the 8-byte version-1 record works on every kernel (newer ones add fields after it).
        const ssize_t n = ::read(fd_.get(), &event, sizeof event);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            throw MamoriError(ErrorCode::Failed, "cannot read rfkill events: " + errnoText(errno));
        }
        if (n == 0) {
            break; // a fake node whose other end went away; the kernel never returns 0
        }
        if (static_cast<std::size_t>(n) < sizeof event) {
            throw MamoriError(ErrorCode::Failed, "truncated rfkill event (" + std::to_string(n) +
                                                     " of " + std::to_string(sizeof event) +
                                                     " bytes)");
        }
        // A copy: the struct is packed, and map functions take the key by reference.
        const std::uint32_t index = event.idx;
        switch (event.op) {
        case RFKILL_OP_ADD:
        case RFKILL_OP_CHANGE:
            switches_[index] = RfkillSwitch{index, event.type, event.soft != 0, event.hard != 0};
            break;
        case RFKILL_OP_DEL:
            switches_.erase(index);
            break;
        default:
            break; // CHANGE_ALL is a request, never an event; ignore anything newer
        }
    }
    std::map<std::uint32_t, RfkillSwitch> result;
    for (const auto& [index, entry] : switches_) {
        if (type == RFKILL_TYPE_ALL || entry.type == type) {
            result.emplace(index, entry);
        }
    }
    return result;
}

void RfkillDevice::changeAll(std::uint8_t type, bool softBlocked) {
    rfkill_event request{};
    request.op = RFKILL_OP_CHANGE_ALL;
    request.type = type;
    request.soft = softBlocked ? 1 : 0;
    for (;;) {
        const ssize_t n = ::write(fd_.get(), &request, sizeof request);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw MamoriError(ErrorCode::Failed, "cannot write to rfkill: " + errnoText(errno));
        }
        if (static_cast<std::size_t>(n) != sizeof request) {
            throw MamoriError(ErrorCode::Failed, "short write to rfkill (" + std::to_string(n) +
                                                     " of " + std::to_string(sizeof request) +
                                                     " bytes)");
        }
        return;
    }
}

} // namespace mamori::devices
