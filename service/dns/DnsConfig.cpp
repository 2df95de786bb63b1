#include "dns/DnsConfig.h"

#include "common/Errors.h"

#include <arpa/inet.h>
#include <array>
#include <net/if.h>

namespace mamori::dns {
namespace {

constexpr unsigned long kMaxQueryTimeoutMs = 30000;

std::vector<std::string> splitList(std::string_view text) {
    std::vector<std::string> items;
    while (!text.empty()) {
        const auto end = text.find(';');
        if (const auto item = text.substr(0, end); !item.empty()) {
            items.emplace_back(item);
        }
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    }
    return items;
}

void readGuardInterfaces(const KeyFile& file, const KeyFileEntry& entry, DnsConfig& config) {
    if (entry.value == "none") {
        config.guardEnabled = false;
        config.guardInterfaces.clear();
        return;
    }
    auto names = splitList(entry.value);
    for (const auto& name : names) {
        if (name.size() >= IFNAMSIZ || name.find('/') != std::string::npos) {
            file.fail(entry.line, "GuardInterfaces: '" + name + "' is not an interface name");
        }
    }
    config.guardEnabled = true;
    config.guardInterfaces = std::move(names);
}

std::vector<std::string> addressList(const KeyFile& file, const KeyFileEntry& entry) {
    auto addresses = splitList(entry.value);
    for (const auto& address : addresses) {
        std::array<unsigned char, sizeof(in6_addr)> buffer{};
        if (::inet_pton(AF_INET, address.c_str(), buffer.data()) != 1 &&
            ::inet_pton(AF_INET6, address.c_str(), buffer.data()) != 1) {
            file.fail(entry.line, entry.key + ": '" + address + "' is not an IP address");
        }
    }
    return addresses;
}

std::filesystem::path absolutePath(const KeyFile& file, const KeyFileEntry& entry) {
    std::filesystem::path path(entry.value);
    if (!path.is_absolute()) {
        file.fail(entry.line, entry.key + ": '" + entry.value + "' is not an absolute path");
    }
    return path;
}

DnsConfig::DohMonitorScope dohMonitorScope(const KeyFile& file, const KeyFileEntry& entry) {
    if (entry.value == "all-processes") {
        return DnsConfig::DohMonitorScope::AllProcesses;
    }
    const auto on = parseBool(entry.value);
    if (!on) {
        file.fail(entry.line,
                  "DohMonitor: expected true, false or all-processes, got '" + entry.value + "'");
    }
    return *on ? DnsConfig::DohMonitorScope::DohClients : DnsConfig::DohMonitorScope::Off;
}

// Returns false for a key this group does not know.
bool readEntry(const KeyFile& file, const KeyFileEntry& entry, DnsConfig& config) {
    if (entry.key == "StubPort") {
        config.stubPort = static_cast<std::uint16_t>(file.unsignedValue(entry, 65535));
    } else if (entry.key == "SteeringCgroup") {
        config.steeringCgroup = absolutePath(file, entry);
    } else if (entry.key == "GuardInterfaces") {
        readGuardInterfaces(file, entry, config);
    } else if (entry.key == "QueryTimeoutMs") {
        const auto ms = file.unsignedValue(entry, kMaxQueryTimeoutMs);
        if (ms < 10) {
            file.fail(entry.line, "QueryTimeoutMs: must be at least 10");
        }
        config.queryTimeout = std::chrono::milliseconds(ms);
    } else if (entry.key == "BlockDohCanary") {
        config.blockDohCanary = file.boolValue(entry);
    } else if (entry.key == "DohMonitor") {
        config.dohMonitor = dohMonitorScope(file, entry);
    } else if (entry.key == "DohEndpoints") {
        config.dohEndpoints = addressList(file, entry);
    } else if (entry.key == "ResolverList") {
        config.resolverList = absolutePath(file, entry);
    } else {
        return false;
    }
    return true;
}

} // namespace

void readDnsConfig(const KeyFile& file, const KeyFileGroup& group, DnsConfig& config,
                   std::vector<std::string>& warnings) {
    try {
        file.readKnownKeys(
            group, [&](const KeyFileEntry& entry) { return readEntry(file, entry, config); },
            warnings);
    } catch (const KeyFileError& e) {
        throw MamoriError(ErrorCode::BadConfig, e.what());
    }
}

} // namespace mamori::dns
