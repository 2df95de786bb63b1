#include "core/StateStore.h"

#include "common/AtomicFile.h"
#include "common/Errors.h"
#include "common/Log.h"

#include <array>
#include <chrono>
#include <ctime>
#include <system_error>

namespace mamori {
namespace {

constexpr std::string_view kHeaderGroup = "State";
constexpr std::string_view kVersionKey = "FormatVersion";

std::string timestamp() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::array<char, 32> buf{};
    std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &tm);
    return buf.data();
}

} // namespace

StateStore::StateStore(std::filesystem::path directory)
    : directory_(std::move(directory)) {}

std::filesystem::path StateStore::pathOf(std::string_view name) const {
    return directory_ / (std::string(name) + ".state");
}

void StateStore::setAside(const std::filesystem::path& path, const std::string& reason) {
    std::filesystem::path aside = path;
    aside += ".corrupt-" + timestamp();
    std::error_code ec;
    std::filesystem::rename(path, aside, ec);
    if (ec) {
        log::error("state file " + path.string() + " is unusable (" + reason +
                   ") and could not be moved aside: " + ec.message());
        corruptFiles_.push_back(path.string());
        return;
    }
    log::error("state file " + path.string() + " is unusable (" + reason + "); kept as " +
               aside.string() + ", using defaults");
    corruptFiles_.push_back(aside.string());
}

std::optional<KeyFile> StateStore::load(std::string_view name) {
    const auto path = pathOf(name);
    std::optional<KeyFile> file;
    try {
        file = KeyFile::load(path);
    } catch (const KeyFileError& e) {
        setAside(path, e.what());
        return std::nullopt;
    }
    if (!file) {
        return std::nullopt;
    }
    const auto version = file->value(kHeaderGroup, kVersionKey);
    if (version != std::to_string(kFormatVersion)) {
        setAside(path, "format version " + version.value_or("missing") + ", expected " +
                           std::to_string(kFormatVersion));
        return std::nullopt;
    }
    KeyFile content(file->source());
    for (const auto& group : file->groups()) {
        if (group.name == kHeaderGroup) {
            continue;
        }
        for (const auto& entry : group.entries) {
            content.set(group.name, entry.key, entry.value);
        }
    }
    return content;
}

void StateStore::save(std::string_view name, const KeyFile& content) {
    KeyFile out;
    out.set(kHeaderGroup, kVersionKey, std::to_string(kFormatVersion));
    for (const auto& group : content.groups()) {
        for (const auto& entry : group.entries) {
            out.set(group.name, entry.key, entry.value);
        }
    }
    const std::string text =
        "# Written by mamorid. Change it through mamorictl, not by hand.\n" + out.serialize();
    try {
        std::filesystem::create_directories(directory_);
        writeFileAtomically(pathOf(name), text);
    } catch (const std::exception& e) {
        throw MamoriError(ErrorCode::StateNotSaved,
                          std::string("could not save state, nothing changed: ") + e.what());
    }
}

} // namespace mamori
