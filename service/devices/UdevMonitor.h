// A libudev monitor for the "usb" subsystem, plus the enumeration of USB devices already
// present. Started before the enumeration so that no device slips between the two; the engine
// ignores an "add" for a device it already knows.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

struct udev;
struct udev_monitor;

namespace mamori::devices {

struct Uevent {
    std::string action;  // "add", "remove", "bind", "change", ...
    std::string sysPath; // /sys/devices/...
    std::string devType; // "usb_device", "usb_interface" (may be empty)
};

// What one receive() found on the socket.
struct UeventBatch {
    std::vector<Uevent> events;
    // The socket overflowed (recv failed with ENOBUFS): the kernel dropped events that no
    // longer fit, so `events` is not the whole story and the caller must re-read sysfs.
    bool eventsLost = false;
};

class UdevMonitor {
public:
    // The netlink socket's receive buffer. The default (about 200 KiB) holds a few hundred
    // uevents; a docking station or a hub full of devices can send more than that at once.
    static constexpr std::size_t kReceiveBufferBytes = std::size_t{4} * 1024 * 1024;

    // Throws MamoriError(Failed) when udev or the netlink socket cannot be set up.
    UdevMonitor();

    int fd() const;
    // Every event queued on the socket; empty when none is (the socket is non-blocking).
    UeventBatch receive();
    // sysfs paths of the usb_device devices present now (root hubs included), parents first.
    std::vector<std::string> presentDevices();

    // Test seam: the next receive() reports lost events as a real overflow would. Needed
    // because umockdev's stand-in for the netlink socket (an AF_UNIX datagram socket, written
    // through a non-blocking socket) drops what does not fit on the sending side, so the receiver
    // never sees ENOBUFS. Process-wide, consumed by the first receive() of any monitor.
    static void reportLostEventsOnceForTesting();

private:
    struct UdevDeleter {
        void operator()(udev* handle) const;
    };
    struct MonitorDeleter {
        void operator()(udev_monitor* handle) const;
    };
    std::unique_ptr<udev, UdevDeleter> udev_;
    std::unique_ptr<udev_monitor, MonitorDeleter> monitor_;
};

} // namespace mamori::devices
