// `mamorictl devices ...`: the USB devices mamorid knows, their approval, the stored rules, the
// default policy, the emergency allow-all window and the Bluetooth radio.
#include "cli/Commands.h"
#include "cli/JsonWriter.h"
#include "cli/PolkitTtyAgent.h"
#include "client/DevicesClient.h"
#include "common/Names.h"

#include <array>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <optional>

namespace mamori::cli {
namespace {

constexpr const char* kDevicesUsage =
    "devices [list] | devices show ID | devices allow ID [--always] [--interface N]... | "
    "devices block ID [--always] | devices rules | devices add-rule TEXT | "
    "devices remove-rule NAME | devices policy [allow|ask|block] | devices allow-all --for "
    "DURATION | devices bluetooth [on|off]";

[[noreturn]] void usage(const std::string& problem) {
    throw CliError(kExitUsage, problem + "; usage: mamorictl " + kDevicesUsage);
}

void expectCount(const Arguments& args, size_t count, const std::string& verb) {
    if (args.size() != count) {
        usage("wrong number of arguments for 'devices " + verb + "'");
    }
}

// Ids are path elements; anything else cannot name a device and would only make sdbus-c++
// complain about an invalid object path.
const std::string& checkedId(const std::string& id) {
    const bool valid = !id.empty() && id.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                           "0123456789_") == std::string::npos;
    if (!valid) {
        usage("'" + id + "' is not a device id (see 'mamorictl devices list')");
    }
    return id;
}

// An unplugged device's object is gone: the bus says UnknownObject.
template <typename Call> void onDevice(const std::string& id, Call call) {
    try {
        call();
    } catch (const sdbus::Error& e) {
        if (e.getName() == names::error::kUnknownObject) {
            throw CliError(kExitFailure, "no device '" + id + "' (see 'mamorictl devices list')");
        }
        throw;
    }
}

std::optional<unsigned long> parseNumber(const std::string& text) {
    const bool hex = text.starts_with("0x") || text.starts_with("0X");
    const char* begin = text.data() + (hex ? 2 : 0);
    const char* end = text.data() + text.size();
    unsigned long value = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, value, hex ? 16 : 10);
    if (ec != std::errc() || ptr != end || begin == end) {
        return std::nullopt;
    }
    return value;
}

// "90", "90s", "5m", "1h".
std::optional<unsigned long> parseDuration(const std::string& text) {
    static const std::map<char, unsigned long> units{{'s', 1}, {'m', 60}, {'h', 3600}};
    if (text.empty()) {
        return std::nullopt;
    }
    const auto unit = units.find(text.back());
    const std::string digits = unit == units.end() ? text : text.substr(0, text.size() - 1);
    const auto number = parseNumber(digits);
    if (!number || digits.starts_with("0x")) {
        return std::nullopt;
    }
    return *number * (unit == units.end() ? 1 : unit->second);
}

std::string hex4(uint16_t value) {
    std::array<char, 8> buf{};
    std::snprintf(buf.data(), buf.size(), "%04x", value);
    return buf.data();
}

std::string hex2(uint8_t value) {
    std::array<char, 4> buf{};
    std::snprintf(buf.data(), buf.size(), "%02x", value);
    return buf.data();
}

std::string localTime(uint64_t usec) {
    const auto seconds = static_cast<std::time_t>(usec / 1000000);
    std::tm tm{};
    localtime_r(&seconds, &tm);
    std::array<char, 32> buf{};
    std::strftime(buf.data(), buf.size(), "%Y-%m-%d %H:%M:%S", &tm);
    return buf.data();
}

void writeDeviceJson(JsonWriter& json, const DeviceView& device) {
    json.beginObject();
    json.key("id").value(device.id);
    json.key("path").value(device.path);
    json.key("vendor_id").value(hex4(device.idVendor));
    json.key("product_id").value(hex4(device.idProduct));
    json.key("product").value(device.product);
    json.key("manufacturer").value(device.manufacturer);
    json.key("serial").value(device.serial);
    json.key("port").value(device.port);
    json.key("status").value(device.status);
    json.key("decided_by").value(device.decidedBy);
    json.key("waiting_reason").value(device.waitingReason);
    json.key("connect_time_usec").value(static_cast<unsigned long>(device.connectTimeUsec));
    json.key("interfaces").beginArray();
    for (const auto& i : device.interfaces) {
        json.beginObject();
        json.key("number").value(static_cast<unsigned long>(i.number));
        json.key("class").value(static_cast<unsigned long>(i.interfaceClass));
        json.key("subclass").value(static_cast<unsigned long>(i.subClass));
        json.key("protocol").value(static_cast<unsigned long>(i.protocol));
        json.key("authorized").value(i.authorized);
        json.endObject();
    }
    json.endArray();
    json.endObject();
}

std::string describeInterfaces(const DeviceView& device) {
    std::string out;
    for (const auto& i : device.interfaces) {
        out += (out.empty() ? "" : " ") + std::to_string(i.number) + ":" + hex2(i.interfaceClass) +
               (i.authorized ? "" : "(off)");
    }
    return out.empty() ? "-" : out;
}

int list(DevicesClient& client, const Options& options) {
    const auto devices = client.devices();
    if (options.json) {
        JsonWriter json;
        json.beginArray();
        for (const auto& device : devices) {
            writeDeviceJson(json, device);
        }
        json.endArray();
        std::cout << json.str() << '\n';
        return kExitOk;
    }
    if (devices.empty()) {
        std::cout << "No USB devices (is the devices engine enabled? 'mamorictl status')\n";
        return kExitOk;
    }
    std::printf("%-14s %-18s %-9s %-10s %-24s %s\n", "ID", "STATUS", "ID", "PORT", "PRODUCT",
                "INTERFACES (number:class)");
    for (const auto& d : devices) {
        std::printf("%-14s %-18s %-9s %-10s %-24s %s\n", d.id.c_str(), d.status.c_str(),
                    (hex4(d.idVendor) + ":" + hex4(d.idProduct)).c_str(), d.port.c_str(),
                    d.product.c_str(), describeInterfaces(d).c_str());
    }
    return kExitOk;
}

int show(DevicesClient& client, const Options& options, const std::string& id) {
    for (const auto& d : client.devices()) {
        if (d.id != id) {
            continue;
        }
        if (options.json) {
            JsonWriter json;
            writeDeviceJson(json, d);
            std::cout << json.str() << '\n';
            return kExitOk;
        }
        std::cout << "Device " << d.id << " (" << d.path << ")\n"
                  << "  Vendor:Product  " << hex4(d.idVendor) << ":" << hex4(d.idProduct) << '\n'
                  << "  Product         " << d.product << '\n'
                  << "  Manufacturer    " << d.manufacturer << '\n'
                  << "  Serial          " << d.serial << '\n'
                  << "  Port            " << d.port << '\n'
                  << "  Status          " << d.status << '\n';
        if (!d.decidedBy.empty()) {
            std::cout << "  Decided by      " << d.decidedBy << '\n';
        }
        if (!d.waitingReason.empty()) {
            std::cout << "  Waiting because " << d.waitingReason << '\n';
        }
        std::cout << "  Connected       " << localTime(d.connectTimeUsec) << '\n'
                  << "  Interfaces:\n";
        for (const auto& i : d.interfaces) {
            std::cout << "    " << static_cast<unsigned>(i.number) << "  class "
                      << hex2(i.interfaceClass) << " subclass " << hex2(i.subClass) << " protocol "
                      << hex2(i.protocol) << "  "
                      << (i.authorized ? "authorized" : "not authorized") << '\n';
        }
        return kExitOk;
    }
    throw CliError(kExitFailure, "no device '" + id + "' (see 'mamorictl devices list')");
}

// `allow ID [--always] [--interface N]...` and `block ID [--always]`.
int decide(Bus& bus, const Options& options, const Arguments& args, bool allow) {
    const std::string verb = allow ? "allow" : "block";
    std::string id;
    bool always = false;
    std::vector<uint8_t> interfaces;
    for (size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--always") {
            always = true;
        } else if (allow && args[i] == "--interface") {
            if (i + 1 >= args.size()) {
                usage("'--interface' needs an interface number");
            }
            const auto number = parseNumber(args[++i]);
            if (!number || *number > 255) {
                usage("'" + args[i] + "' is not an interface number (0-255)");
            }
            interfaces.push_back(static_cast<uint8_t>(*number));
        } else if (args[i].starts_with("-")) {
            usage("unknown option '" + args[i] + "' for 'devices " + verb + "'");
        } else if (id.empty()) {
            id = checkedId(args[i]);
        } else {
            usage("'devices " + verb + "' takes one device id");
        }
    }
    if (id.empty()) {
        usage("'devices " + verb + "' needs a device id");
    }
    const std::string scope(always ? names::device::kScopeAlways : names::device::kScopeOnce);
    const PolkitTtyAgent agent;
    DeviceClient device(bus.connection(), id);
    onDevice(id, [&] {
        if (allow) {
            device.Authorize(scope, interfaces);
        } else {
            device.Block(scope);
        }
    });
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("id").value(id).key("decision").value(verb);
        json.key("scope").value(scope).endObject();
        std::cout << json.str() << '\n';
    } else {
        std::cout << "Device " << id << (allow ? " allowed" : " blocked")
                  << (always ? " (remembered)" : "") << ".\n";
    }
    return kExitOk;
}

int rules(DevicesClient& client, const Options& options) {
    const PolkitTtyAgent agent;
    const auto stored = client.ListRules();
    if (options.json) {
        JsonWriter json;
        json.beginArray();
        for (const auto& rule : stored) {
            json.beginObject().key("name").value(rule.get<0>());
            json.key("text").value(rule.get<1>()).endObject();
        }
        json.endArray();
        std::cout << json.str() << '\n';
        return kExitOk;
    }
    if (stored.empty()) {
        std::cout << "No stored device rules.\n";
    }
    for (const auto& rule : stored) {
        std::cout << rule.get<1>() << '\n';
    }
    return kExitOk;
}

int policy(DevicesClient& client, const Options& options, const Arguments& args) {
    if (args.size() > 2) {
        usage("'devices policy' takes at most one of allow, ask, block");
    }
    if (args.size() == 2) {
        const PolkitTtyAgent agent;
        client.SetDefaultPolicy(args[1]);
    }
    const auto current = client.DefaultPolicy();
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("default_policy").value(current).endObject();
        std::cout << json.str() << '\n';
    } else {
        std::cout << "Default policy for new devices: " << current << '\n';
    }
    return kExitOk;
}

int allowAll(DevicesClient& client, const Options& options, const Arguments& args) {
    if (args.size() != 3 || args[1] != "--for") {
        usage("'devices allow-all' needs --for DURATION (e.g. 5m; 0 closes the window)");
    }
    const auto seconds = parseDuration(args[2]);
    if (!seconds || *seconds > UINT32_MAX) {
        usage("'" + args[2] + "' is not a duration (e.g. 90s, 5m, 1h)");
    }
    const PolkitTtyAgent agent;
    client.AllowAll(static_cast<uint32_t>(*seconds));
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("allow_all_until_usec");
        json.value(static_cast<unsigned long>(client.AllowAllUntil())).endObject();
        std::cout << json.str() << '\n';
    } else if (*seconds == 0) {
        std::cout << "Allow-all window closed.\n";
    } else {
        std::cout << "Every USB device plugged in until " << localTime(client.AllowAllUntil())
                  << " is allowed.\n";
    }
    return kExitOk;
}

// `devices bluetooth services [UUID...|none]`: show or set the allowed Bluetooth services.
int bluetoothServices(DevicesClient& client, const Options& options, const Arguments& args) {
    if (args.size() > 2) {
        std::vector<std::string> uuids(args.begin() + 2, args.end());
        if (uuids == std::vector<std::string>{"none"}) {
            uuids.clear();
        }
        const PolkitTtyAgent agent;
        client.SetBluetoothAllowedServices(uuids);
    }
    const auto services = client.BluetoothAllowedServices();
    const bool enforced = client.BluetoothPolicyEnforced();
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("allowed_services").beginArray();
        for (const auto& uuid : services) {
            json.value(uuid);
        }
        json.endArray().key("enforced_by_bluez").value(enforced).endObject();
        std::cout << json.str() << '\n';
        return kExitOk;
    }
    if (services.empty()) {
        std::cout << "Every Bluetooth service is allowed.\n";
    } else {
        std::cout << "Allowed Bluetooth services:\n";
        for (const auto& uuid : services) {
            std::cout << "  " << uuid << '\n';
        }
    }
    if (!enforced) {
        std::cout << "BlueZ is not running: the list is stored and applied when it starts.\n";
    }
    return kExitOk;
}

int bluetooth(DevicesClient& client, const Options& options, const Arguments& args) {
    if (args.size() >= 2 && args[1] == "services") {
        return bluetoothServices(client, options, args);
    }
    if (args.size() > 2 || (args.size() == 2 && args[1] != "on" && args[1] != "off")) {
        usage("'devices bluetooth' takes on, off or services [UUID...|none]");
    }
    if (args.size() == 2) {
        const PolkitTtyAgent agent;
        client.SetBluetoothBlocked(args[1] == "off");
    }
    const bool blocked = client.BluetoothBlocked();
    if (options.json) {
        JsonWriter json;
        json.beginObject().key("bluetooth_blocked").value(blocked).endObject();
        std::cout << json.str() << '\n';
    } else {
        std::cout << "Bluetooth is " << (blocked ? "off (blocked)" : "on") << ".\n";
    }
    return kExitOk;
}

} // namespace

int commandDevices(Bus& bus, const Options& options, const Arguments& args) {
    const std::string verb = args.empty() ? "list" : args[0];
    if (verb == "allow" || verb == "block") {
        return decide(bus, options, args, verb == "allow");
    }
    DevicesClient client(bus.connection());
    if (verb == "list") {
        expectCount(args, args.empty() ? 0 : 1, verb);
        return list(client, options);
    }
    if (verb == "show") {
        expectCount(args, 2, verb);
        return show(client, options, checkedId(args[1]));
    }
    if (verb == "rules") {
        expectCount(args, 1, verb);
        return rules(client, options);
    }
    if (verb == "add-rule") {
        expectCount(args, 2, verb);
        const PolkitTtyAgent agent;
        const auto name = client.AddRule(args[1]);
        if (options.json) {
            JsonWriter json;
            json.beginObject().key("name").value(name).endObject();
            std::cout << json.str() << '\n';
        } else {
            std::cout << "Rule " << name << " stored.\n";
        }
        return kExitOk;
    }
    if (verb == "remove-rule") {
        expectCount(args, 2, verb);
        const PolkitTtyAgent agent;
        client.RemoveRule(args[1]);
        if (options.json) {
            JsonWriter json;
            json.beginObject().key("name").value(args[1]).key("removed").value(true).endObject();
            std::cout << json.str() << '\n';
        } else {
            std::cout << "Rule " << args[1] << " removed.\n";
        }
        return kExitOk;
    }
    if (verb == "policy") {
        return policy(client, options, args);
    }
    if (verb == "allow-all") {
        return allowAll(client, options, args);
    }
    if (verb == "bluetooth") {
        return bluetooth(client, options, args);
    }
    usage("unknown devices action '" + verb + "'");
}

} // namespace mamori::cli
