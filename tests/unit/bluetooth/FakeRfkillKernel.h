// Plays the kernel's side of /dev/rfkill, because the machines these tests run on have no
// Bluetooth radio (and often no /dev/rfkill at all). Each open() is a SOCK_SEQPACKET socket pair:
// like the kernel at open, the fake queues one RFKILL_OP_ADD per switch on the new descriptor;
// what the code under test writes is read back by pump(), which applies CHANGE_ALL requests to
// its switches and answers with RFKILL_OP_CHANGE events on every descriptor, as the kernel does.
#pragma once

#include "common/UniqueFd.h"
#include "devices/RfkillDevice.h"

#include <linux/rfkill.h>
#include <vector>

namespace mamori::test {

class FakeRfkillKernel {
public:
    void addSwitch(std::uint32_t index, std::uint8_t type, bool soft, bool hard = false);
    const std::vector<devices::RfkillSwitch>& switches() const { return switches_; }

    // What BluetoothControl's opener calls. Processes writes already made first, as the real
    // kernel handles each write before write(2) returns.
    devices::RfkillDevice open(devices::RfkillDevice::Access access);

    // Reads and applies every request written so far; returns how many there were.
    std::size_t pump();
    // Every request ever written, in order.
    const std::vector<rfkill_event>& requests() const { return requests_; }
    std::size_t opens() const { return opens_; }

    // From now on descriptors opened for writing refuse writes (EBADF).
    bool failWrites = false;

private:
    std::vector<devices::RfkillSwitch> switches_;
    std::vector<UniqueFd> kernelEnds_;
    std::vector<rfkill_event> requests_;
    std::size_t opens_ = 0;
};

} // namespace mamori::test
