// One open descriptor on the kernel's rfkill control node (/dev/rfkill): reads the events the
// kernel queues (one RFKILL_OP_ADD per existing switch at open, then ADD/DEL/CHANGE as things
// happen) and writes change requests. Works on any path, so tests can hand it a fake node.
#pragma once

#include "common/UniqueFd.h"

#include <cstdint>
#include <filesystem>
#include <linux/rfkill.h>
#include <map>

namespace mamori::devices {

struct RfkillSwitch {
    std::uint32_t index = 0;
    std::uint8_t type = RFKILL_TYPE_ALL;
    bool softBlocked = false;
    bool hardBlocked = false;
};

class RfkillDevice {
public:
    enum class Access { ReadOnly, ReadWrite };

    // Non-blocking descriptor on `path`; throws MamoriError(Failed) naming the path and errno.
    static RfkillDevice open(const std::filesystem::path& path, Access access);
    // Adopts an already open descriptor (a test's end of a socket pair, say). It is made
    // non-blocking, because reading stops at "nothing queued".
    explicit RfkillDevice(UniqueFd fd);

    // Reads every queued event without blocking and folds it into the switch table: ADD and
    // CHANGE set a switch's state, DEL forgets it. Returns the switches of `type` (all types
    // for RFKILL_TYPE_ALL) keyed by index. Throws MamoriError(Failed) on a read error or a
    // truncated event.
    std::map<std::uint32_t, RfkillSwitch> readSwitches(std::uint8_t type = RFKILL_TYPE_ALL);

    // RFKILL_OP_CHANGE_ALL: soft-block (or unblock) every switch of `type`, including ones
    // registered later. Throws MamoriError(Failed) naming the errno when the write fails.
    void changeAll(std::uint8_t type, bool softBlocked);

    int fd() const noexcept { return fd_.get(); }

private:
    UniqueFd fd_;
    std::map<std::uint32_t, RfkillSwitch> switches_;
};

} // namespace mamori::devices
