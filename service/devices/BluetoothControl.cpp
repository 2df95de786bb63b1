#include "devices/BluetoothControl.h"

#include "common/AtomicFile.h"
#include "common/Errors.h"
#include "common/Hex.h"
#include "common/KeyFile.h"
#include "common/Log.h"
#include "devices/BluezAdminPolicy.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

namespace mamori::devices {
namespace {

constexpr std::string_view kStateFile = "bluetooth.state";
// The same header core's StateStore writes, so that the file reads like every other state file.
constexpr std::string_view kHeaderGroup = "State";
constexpr std::string_view kVersionKey = "FormatVersion";
constexpr std::string_view kFormatVersion = "1";
constexpr std::string_view kRadioGroup = "Radio";
constexpr std::string_view kSoftBlockedKey = "SoftBlocked";
constexpr std::string_view kServicesGroup = "Services";
constexpr std::string_view kAllowListKey = "AllowList";
constexpr char kListSeparator = ';';
// Short (16/32-bit) UUIDs are offsets into the Bluetooth Base UUID (Core spec, Vol 3, Part B,
// 2.5.1); BlueZ accepts both forms, we store one so that duplicates are visible.
constexpr std::string_view kBaseUuidTail = "-0000-1000-8000-00805f9b34fb";

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return out;
}

bool isUuid128(std::string_view text) {
    static constexpr std::array<std::size_t, 5> kLengths{8, 4, 4, 4, 12};
    std::size_t pos = 0;
    for (std::size_t i = 0; i < kLengths.size(); ++i) {
        if (i > 0) {
            if (pos >= text.size() || text[pos] != '-') {
                return false;
            }
            ++pos;
        }
        if (!isHexDigits(text.substr(pos, kLengths.at(i))) || text.size() < pos + kLengths.at(i)) {
            return false;
        }
        pos += kLengths.at(i);
    }
    return pos == text.size();
}

std::vector<std::string> splitList(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto end = text.find(kListSeparator);
        const auto item = text.substr(0, end);
        if (!item.empty()) {
            out.emplace_back(item);
        }
        if (end == std::string_view::npos) {
            break;
        }
        text.remove_prefix(end + 1);
    }
    return out;
}

std::string joinList(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += kListSeparator;
        }
        out += item;
    }
    return out;
}

} // namespace

BluetoothControl::BluetoothControl(std::filesystem::path stateDirectory,
                                   std::filesystem::path rfkillPath)
    : BluetoothControl(std::move(stateDirectory),
                       [path = std::move(rfkillPath)](RfkillDevice::Access access) {
                           return RfkillDevice::open(path, access);
                       }) {}

BluetoothControl::BluetoothControl(std::filesystem::path stateDirectory, RfkillOpener openRfkill)
    : stateDirectory_(std::move(stateDirectory))
    , openRfkill_(std::move(openRfkill)) {
    persisted_ = load();
}

BluetoothControl::~BluetoothControl() = default;
BluetoothControl::BluetoothControl(BluetoothControl&&) noexcept = default;
BluetoothControl& BluetoothControl::operator=(BluetoothControl&&) noexcept = default;

void BluetoothControl::attachBus(sdbus::IConnection& bus) {
    bluez_ = std::make_unique<BluezAdminPolicy>(bus);
}

BluetoothControl::Persisted BluetoothControl::load() const {
    Persisted state;
    // mamori_devices sits below core, so it cannot use core's StateStore; an unreadable file is
    // reported and left in place for the administrator, and the defaults apply.
    std::optional<KeyFile> file;
    try {
        file = KeyFile::load(stateDirectory_ / kStateFile);
    } catch (const KeyFileError& e) {
        log::error(std::string("Bluetooth state unusable, using defaults: ") + e.what());
        return state;
    }
    if (!file) {
        return state;
    }
    if (const auto version = file->value(kHeaderGroup, kVersionKey); version != kFormatVersion) {
        log::error(file->source() + ": format version " + version.value_or("missing") +
                   ", expected " + std::string(kFormatVersion) + "; using defaults");
        return state;
    }
    if (const auto value = file->value(kRadioGroup, kSoftBlockedKey)) {
        if (const auto blocked = parseBool(*value)) {
            state.radioChoiceKnown = true;
            state.radioBlocked = *blocked;
        } else {
            log::warning(file->source() + ": ignoring " + std::string(kSoftBlockedKey) + "=" +
                         *value + " (not a boolean)");
        }
    }
    if (const auto value = file->value(kServicesGroup, kAllowListKey)) {
        state.servicesChoiceKnown = true;
        for (const auto& item : splitList(*value)) {
            try {
                state.allowedServices.push_back(canonicalServiceUuid(item));
            } catch (const MamoriError& e) {
                log::warning(file->source() + ": ignoring a stored service: " + e.what());
            }
        }
    }
    return state;
}

void BluetoothControl::save(const Persisted& state) const {
    KeyFile file;
    file.set(kHeaderGroup, kVersionKey, kFormatVersion);
    if (state.radioChoiceKnown) {
        file.set(kRadioGroup, kSoftBlockedKey, state.radioBlocked ? "true" : "false");
    }
    if (state.servicesChoiceKnown) {
        file.set(kServicesGroup, kAllowListKey, joinList(state.allowedServices));
    }
    try {
        std::filesystem::create_directories(stateDirectory_);
        writeFileAtomically(stateDirectory_ / kStateFile,
                            "# Written by mamorid. Change it through mamorictl, not by hand.\n" +
                                file.serialize());
    } catch (const std::exception& e) {
        throw MamoriError(ErrorCode::StateNotSaved,
                          std::string("could not save the Bluetooth state, nothing changed: ") +
                              e.what());
    }
}

void BluetoothControl::restore() {
    if (persisted_.radioChoiceKnown) {
        try {
            openRfkill_(RfkillDevice::Access::ReadWrite)
                .changeAll(RFKILL_TYPE_BLUETOOTH, persisted_.radioBlocked);
        } catch (const MamoriError& e) {
            log::warning(std::string("could not restore the Bluetooth radio state: ") + e.what());
        }
    }
    if (persisted_.servicesChoiceKnown && bluez_) {
        try {
            bluez_->apply(persisted_.allowedServices);
        } catch (const MamoriError& e) {
            log::warning(std::string("could not restore the Bluetooth service allow-list: ") +
                         e.what());
        }
    }
}

bool BluetoothControl::radioBlocked() const {
    try {
        const auto switches =
            openRfkill_(RfkillDevice::Access::ReadOnly).readSwitches(RFKILL_TYPE_BLUETOOTH);
        if (switches.empty()) {
            return persisted_.radioBlocked;
        }
        return std::all_of(switches.begin(), switches.end(),
                           [](const auto& entry) { return entry.second.softBlocked; });
    } catch (const MamoriError& e) {
        log::debug(std::string("Bluetooth radio state unknown: ") + e.what());
        return persisted_.radioBlocked;
    }
}

bool BluetoothControl::radioPresent() const {
    try {
        return !openRfkill_(RfkillDevice::Access::ReadOnly)
                    .readSwitches(RFKILL_TYPE_BLUETOOTH)
                    .empty();
    } catch (const MamoriError& e) {
        log::debug(std::string("no Bluetooth radio visible: ") + e.what());
        return false;
    }
}

void BluetoothControl::setRadioBlocked(bool blocked) {
    // Opened before anything is saved: a missing rfkill node must not leave a choice on disk
    // that the kernel never saw.
    RfkillDevice rfkill = openRfkill_(RfkillDevice::Access::ReadWrite);
    Persisted next = persisted_;
    next.radioChoiceKnown = true;
    next.radioBlocked = blocked;
    // Saved before the kernel is told, so that a crash in between still restores the choice.
    save(next);
    try {
        rfkill.changeAll(RFKILL_TYPE_BLUETOOTH, blocked);
    } catch (const MamoriError&) {
        try {
            save(persisted_);
        } catch (const MamoriError& e) {
            log::error(std::string("could not roll back the Bluetooth radio state: ") + e.what());
        }
        throw;
    }
    persisted_ = next;
}

std::vector<std::string> BluetoothControl::allowedServices() const {
    return persisted_.allowedServices;
}

void BluetoothControl::setAllowedServices(std::vector<std::string> uuids) {
    // All validated before anything changes, so one bad UUID leaves the old list in force.
    for (auto& uuid : uuids) {
        uuid = canonicalServiceUuid(uuid);
    }
    std::vector<std::string> canonical;
    canonical.reserve(uuids.size());
    for (auto& uuid : uuids) {
        if (std::find(canonical.begin(), canonical.end(), uuid) == canonical.end()) {
            canonical.push_back(std::move(uuid));
        }
    }
    Persisted next = persisted_;
    next.servicesChoiceKnown = true;
    next.allowedServices = std::move(canonical);
    save(next);
    persisted_ = std::move(next);
    if (bluez_) {
        bluez_->apply(persisted_.allowedServices);
    }
}

bool BluetoothControl::bluezAvailable() const {
    return bluez_ && bluez_->available();
}

std::string BluetoothControl::canonicalServiceUuid(std::string_view uuid) {
    std::string_view digits = uuid;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        digits.remove_prefix(2);
    }
    if (digits.size() == 4 && isHexDigits(digits)) {
        return "0000" + lower(digits) + std::string(kBaseUuidTail);
    }
    if (digits.size() == 8 && isHexDigits(digits)) {
        return lower(digits) + std::string(kBaseUuidTail);
    }
    if (isUuid128(uuid)) {
        return lower(uuid);
    }
    throw MamoriError(ErrorCode::InvalidArgs,
                      "uuids: \"" + std::string(uuid) +
                          "\" is not a service UUID (128-bit, or a 16/32-bit short form such "
                          "as 110b or 0x0000110b)");
}

} // namespace mamori::devices
