#include "devices/UdevMonitor.h"

#include "common/Errors.h"
#include "common/Log.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <libudev.h>

namespace mamori::devices {
namespace {

struct DeviceDeleter {
    void operator()(udev_device* device) const { udev_device_unref(device); }
};
struct EnumerateDeleter {
    void operator()(udev_enumerate* enumerate) const { udev_enumerate_unref(enumerate); }
};

std::string text(const char* value) {
    return value == nullptr ? std::string() : std::string(value);
}

[[noreturn]] void fail(const std::string& what) {
    throw MamoriError(ErrorCode::Failed, "udev: " + what);
}

// Atomic because a test may arm it from another thread than the one that polls.
std::atomic<bool> lostEventsForTesting{false};

} // namespace

void UdevMonitor::UdevDeleter::operator()(udev* handle) const {
    udev_unref(handle);
}

void UdevMonitor::MonitorDeleter::operator()(udev_monitor* handle) const {
    udev_monitor_unref(handle);
}

UdevMonitor::UdevMonitor()
    : udev_(udev_new()) {
    if (!udev_) {
        fail("cannot create a udev context");
    }
    // "udev" events come after udevd's rules ran, so attributes and properties are complete.
    monitor_.reset(udev_monitor_new_from_netlink(udev_.get(), "udev"));
    if (!monitor_) {
        fail("cannot open the udev netlink monitor");
    }
    // Not fatal: a smaller buffer only makes the overflow recovery run more often.
    if (const int r = udev_monitor_set_receive_buffer_size(monitor_.get(),
                                                           static_cast<int>(kReceiveBufferBytes));
        r < 0) {
        log::warning(std::string("devices: cannot enlarge the udev receive buffer: ") +
                     std::strerror(-r));
    }
    if (udev_monitor_filter_add_match_subsystem_devtype(monitor_.get(), "usb", nullptr) < 0 ||
        udev_monitor_enable_receiving(monitor_.get()) < 0) {
        fail("cannot start the udev monitor");
    }
}

int UdevMonitor::fd() const {
    return udev_monitor_get_fd(monitor_.get());
}

void UdevMonitor::reportLostEventsOnceForTesting() {
    lostEventsForTesting = true;
}

UeventBatch UdevMonitor::receive() {
    UeventBatch batch;
    batch.eventsLost = lostEventsForTesting.exchange(false);
    while (true) {
        errno = 0;
        const std::unique_ptr<udev_device, DeviceDeleter> device(
            udev_monitor_receive_device(monitor_.get()));
        if (!device) {
            // The kernel reports an overflow once, then delivers what it still queued: keep
            // reading so that those events are not left behind.
            if (errno == ENOBUFS) {
                batch.eventsLost = true;
                continue;
            }
            // EAGAIN: the queue is empty. Anything else (a malformed message) was consumed;
            // the loop's poll wakes us again if more is queued.
            return batch;
        }
        batch.events.push_back({text(udev_device_get_action(device.get())),
                                text(udev_device_get_syspath(device.get())),
                                text(udev_device_get_devtype(device.get()))});
    }
}

std::vector<std::string> UdevMonitor::presentDevices() {
    const std::unique_ptr<udev_enumerate, EnumerateDeleter> enumerate(
        udev_enumerate_new(udev_.get()));
    if (!enumerate || udev_enumerate_add_match_subsystem(enumerate.get(), "usb") < 0 ||
        udev_enumerate_scan_devices(enumerate.get()) < 0) {
        fail("cannot enumerate USB devices");
    }
    std::vector<std::string> paths;
    for (udev_list_entry* entry = udev_enumerate_get_list_entry(enumerate.get()); entry != nullptr;
         entry = udev_list_entry_get_next(entry)) {
        std::string path = text(udev_list_entry_get_name(entry));
        // Interfaces are named <device>:<config>.<interface>; only devices are wanted here.
        if (path.substr(path.rfind('/') + 1).find(':') == std::string::npos) {
            paths.push_back(std::move(path));
        }
    }
    // A parent's path is a prefix of its children's: sorting puts hubs before their devices.
    std::sort(paths.begin(), paths.end());
    return paths;
}

} // namespace mamori::devices
