// devices_bench [--devices N] [--burst N] [--rules N]: how long the USB engine takes from a
// device's uevent to its decision, over a plug storm, and what 1,000 stored rules cost in
// memory. Runs under umockdev-wrapper: sysfs and uevents are a umockdev testbed, the engine's
// code paths (udev monitor, sysfs reads and writes, rule evaluation) are the real ones.
//
// The engine runs on its own thread (as in mamorid, where it shares nothing with the sender);
// this thread plays the kernel. Every device exists in sysfs before its "add" uevent, as the
// kernel does it. umockdev's uevent queue holds only 10 datagrams (net.unix.max_dgram_qlen) and
// its sender aborts when it is full, so the storm goes out in bursts (2 uevents per device:
// the device and its interface) and the next burst waits until the previous one is decided.
// Each device's latency is its own: from just before its uevent is sent to the engine's
// `added` report, queueing behind the devices ahead of it in the burst included.
#include "TempDir.h"
#include "TestLoop.h"
#include "UsbTestbed.h"
#include "devices/DecisionStore.h"
#include "devices/DeviceIdentity.h"
#include "devices/UsbEngine.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace mamori::devices;
using Clock = std::chrono::steady_clock;

struct Options {
    int devices = 500;
    int burst = 4; // 8 datagrams: under umockdev's queue of 10
    int rules = 1000;
};

struct StormResult {
    std::vector<double> latencyUs; // per device, uevent sent -> `added` reported
    std::vector<double> sendUs;    // per device, what umockdev's sender took for the uevent
    int wrongStatus = 0;
    int missing = 0;
};

int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

double percentile(std::vector<double> values, double q) {
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

long vmRssKiB() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::strtol(line.c_str() + 6, nullptr, 10);
        }
    }
    return -1;
}

DevicesConfig benchConfig(const fs::path& directory) {
    DevicesConfig config;
    config.allowFirstKeyboard = false;
    // Longer than the run: no timeout may turn a waiting device into a blocked one meanwhile.
    config.approvalTimeout = std::chrono::hours(1);
    config.kernelCommandLine = directory / "cmdline";
    std::ofstream(config.kernelCommandLine) << "quiet\n";
    return config;
}

// `count` rules as "Authorize always" stores them: one per device identity (vendor, product,
// serial, descriptor hash), for devices that are not the storm's.
std::vector<std::string> storedRules(int count) {
    std::vector<std::string> texts;
    for (int i = 0; static_cast<int>(texts.size()) < count; ++i) {
        mamori::lbm::DeviceDescription d;
        d.idVendor = static_cast<uint16_t>(0x4000 + i / 100);
        d.idProduct = static_cast<uint16_t>(i);
        d.serial = "SN" + std::to_string(100000 + i);
        d.descriptorHash = DeviceIdentity::sha256Hex("device " + std::to_string(i));
        d.interfaces.push_back({0, 8, 6, 0x50, {}});
        for (auto& text : DeviceIdentity::allowRules(d, {0}, false)) {
            if (static_cast<int>(texts.size()) < count) {
                texts.push_back(DecisionStore::canonical(text));
            }
        }
    }
    return texts;
}

// One storm on root hub `bus`: `devices` sticks of `vendor`, each of which must end `expected`.
StormResult storm(UsbTestbed& bed, const fs::path& stateDirectory, int bus, uint16_t vendor,
                  DeviceStatus expected, const Options& options) {
    const std::string hub = bed.addRootHub(bus);
    std::vector<std::string> paths;
    std::vector<std::string> interfaces;
    std::map<std::string, std::size_t> indexOf; // filled before the engine thread starts

    TestLoop loop;
    const auto count = static_cast<std::size_t>(options.devices);
    std::vector<std::atomic<int64_t>> sent(count);
    std::vector<std::atomic<int64_t>> decided(count);
    std::atomic<int> done{0};
    std::atomic<int> wrong{0};
    UsbEngineEvents events{[&](const UsbDevice& device) {
                               const auto it = indexOf.find(device.id);
                               if (it == indexOf.end()) {
                                   return;
                               }
                               decided[it->second] = nowNs();
                               if (device.status != expected) {
                                   ++wrong;
                               }
                               ++done;
                           },
                           {},
                           {}};
    UsbEngine engine(loop.hooks(), stateDirectory, benchConfig(stateDirectory.parent_path()),
                     events);
    engine.start();

    // Creating a node makes umockdev send its own "add": dropped unread here, so that the
    // engine sees each device once, through the uevent this function times.
    for (int i = 0; i < options.devices; ++i) {
        const std::string name = std::to_string(bus) + "-" + std::to_string(i + 1);
        indexOf[DeviceIdentity::idForSysName(name)] = paths.size();
        paths.push_back(bed.addDevice(
            hub, {name, vendor, 0x0001, "B" + std::to_string(i), "Bench stick", 0, {kStorage}}));
        interfaces.push_back(paths.back() + "/" + name + ":1.0");
        if ((i + 1) % options.burst == 0) {
            loop.dropQueued();
        }
    }
    loop.dropQueued();

    std::atomic<bool> stop{false};
    std::thread engineThread(
        [&] { loop.runUntil([&] { return stop.load(); }, std::chrono::hours(1)); });
    StormResult result;
    for (int first = 0; first < options.devices; first += options.burst) {
        const int last = std::min(options.devices, first + options.burst);
        for (int i = first; i < last; ++i) {
            const auto at = static_cast<std::size_t>(i);
            const int64_t before = nowNs();
            sent[at] = before;
            bed.uevent(paths[at], "add");
            result.sendUs.push_back(static_cast<double>(nowNs() - before) / 1000.0);
            bed.uevent(interfaces[at], "add");
        }
        const auto deadline = Clock::now() + std::chrono::seconds(10);
        while (done.load() < last && Clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::microseconds(20));
        }
    }
    stop = true;
    engineThread.join();
    engine.stop();

    for (std::size_t i = 0; i < count; ++i) {
        if (decided[i] == 0) {
            ++result.missing;
            continue;
        }
        result.latencyUs.push_back(static_cast<double>(decided[i] - sent[i]) / 1000.0);
    }
    result.wrongStatus = wrong;
    for (const auto& path : paths) {
        bed.remove(path); // the next storm's engine must not find them present
    }
    return result;
}

void printStormRow(const char* what, const StormResult& r) {
    std::printf("| %s | %zu | %.0f | %.0f | %.0f | %.0f |\n", what, r.latencyUs.size(),
                percentile(r.latencyUs, 0.5), percentile(r.latencyUs, 0.99),
                percentile(r.latencyUs, 1.0), percentile(r.sendUs, 0.5));
    if (r.missing != 0 || r.wrongStatus != 0) {
        std::printf("\nWARNING: %s: %d devices never reported, %d with the wrong status\n\n", what,
                    r.missing, r.wrongStatus);
    }
}

bool parseOptions(int argc, char** argv, Options& options) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const int value = std::atoi(argv[i + 1]);
        if (value <= 0) {
            return false;
        }
        if (std::strcmp(argv[i], "--devices") == 0) {
            options.devices = value;
        } else if (std::strcmp(argv[i], "--burst") == 0) {
            options.burst = std::min(value, 5); // 2 uevents each, 10 fit in umockdev's queue
        } else if (std::strcmp(argv[i], "--rules") == 0) {
            options.rules = value;
        } else {
            return false;
        }
    }
    return argc % 2 == 1;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parseOptions(argc, argv, options)) {
        std::fprintf(stderr, "usage: devices_bench [--devices N] [--burst N<=5] [--rules N]\n");
        return 2;
    }
    UsbTestbed bed; // umockdev only reports the mock environment once a testbed exists
    if (!UsbTestbed::active()) {
        std::fprintf(stderr, "devices_bench: run it under umockdev-wrapper (it fakes /sys)\n");
        return 2;
    }
    const TempDir work;
    const std::vector<std::string> manyRules = storedRules(options.rules);

    // Memory first, in a process that has not run a storm yet. A first engine on an empty
    // store warms up everything that does not depend on the rules (parser tables, libudev);
    // the second one's RSS growth is what the stored rules cost.
    const fs::path emptyState = work.path() / "empty" / "state";
    const fs::path fullState = work.path() / "full" / "state";
    fs::create_directories(emptyState);
    fs::create_directories(fullState);
    DecisionStore(fullState).assign(manyRules);
    const auto rulesBytes = fs::file_size(fullState / "devices.rules");
    TestLoop idle;
    const UsbEngine warm(idle.hooks(), emptyState, benchConfig(emptyState.parent_path()), {});
    const long rssBefore = vmRssKiB();
    const auto loadStart = Clock::now();
    auto loaded = std::make_unique<UsbEngine>(
        idle.hooks(), fullState, benchConfig(fullState.parent_path()), UsbEngineEvents{});
    const double loadMs =
        std::chrono::duration<double, std::milli>(Clock::now() - loadStart).count();
    const long rssAfter = vmRssKiB();
    const std::size_t storedCount = loaded->storedRules().size();
    loaded.reset();

    // (a) allowed by a stored rule; (a') the same rule behind 1,000 others that do not match;
    // (b) no rule: default policy "ask", reported as waiting (the approval signal's source).
    const fs::path allowState = work.path() / "allow" / "state";
    fs::create_directories(allowState);
    DecisionStore(allowState).assign({"rule bench-allow allow { usb.idVendor == 0x1111 }"});
    const StormResult allowed =
        storm(bed, allowState, 1, 0x1111, DeviceStatus::Authorized, options);

    const fs::path behindState = work.path() / "behind" / "state";
    fs::create_directories(behindState);
    std::vector<std::string> behind = manyRules;
    behind.emplace_back("rule bench-allow allow { usb.idVendor == 0x1111 }");
    DecisionStore(behindState).assign(behind);
    const StormResult allowedBehind =
        storm(bed, behindState, 2, 0x1111, DeviceStatus::Authorized, options);

    const fs::path askState = work.path() / "ask" / "state";
    fs::create_directories(askState);
    const StormResult waiting = storm(bed, askState, 3, 0x2222, DeviceStatus::Waiting, options);

    std::printf("Plug storm: %d devices per row, uevents in bursts of %d devices (2 uevents "
                "each), latency per device from its uevent to the engine's report.\n\n",
                options.devices, options.burst);
    std::printf("| decision | devices | median (µs) | p99 (µs) | max (µs) | umockdev send, "
                "median (µs) |\n|---|---|---|---|---|---|\n");
    printStormRow("allowed by a stored rule (1 rule)", allowed);
    const std::string label =
        "allowed by a stored rule behind " + std::to_string(manyRules.size()) + " others";
    printStormRow(label.c_str(), allowedBehind);
    printStormRow("waiting for approval (no rule, policy ask)", waiting);

    std::printf("\nStored rules in the engine:\n\n| stored rules | rules file | RSS growth | load "
                "time |\n|---|---|---|---|\n");
    std::printf("| %zu | %.0f KiB | %ld KiB | %.1f ms |\n", storedCount,
                static_cast<double>(rulesBytes) / 1024.0, rssAfter - rssBefore, loadMs);
    return 0;
}
