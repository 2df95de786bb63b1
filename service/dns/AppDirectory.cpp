#include "dns/AppDirectory.h"

#include "common/AtomicFile.h"
#include "common/Log.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace mamori::dns {
namespace {

constexpr std::uint32_t kMaxIndex = 65535;

bool storable(std::string_view id) {
    return !id.empty() && id.size() <= 255 && std::none_of(id.begin(), id.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
}

template <typename Number> bool parseNumber(std::string_view text, Number& out) {
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end;
}

// One line: index \t queries \t last query (s since the epoch) \t app id.
std::optional<AppDirectory::App> parseLine(std::string_view line) {
    std::vector<std::string_view> fields;
    for (int i = 0; i < 3; ++i) {
        const auto tab = line.find('\t');
        if (tab == std::string_view::npos) {
            return std::nullopt;
        }
        fields.push_back(line.substr(0, tab));
        line.remove_prefix(tab + 1);
    }
    AppDirectory::App app;
    std::int64_t seconds = 0;
    if (!parseNumber(fields[0], app.index) || app.index == 0 ||
        !parseNumber(fields[1], app.queries) || !parseNumber(fields[2], seconds) ||
        !storable(line)) {
        return std::nullopt;
    }
    app.lastQuery = AppDirectory::Clock::time_point(std::chrono::seconds(seconds));
    app.id = std::string(line);
    return app;
}

} // namespace

AppDirectory::AppDirectory(std::filesystem::path file)
    : file_(std::move(file)) {
    load();
}

void AppDirectory::load() {
    std::ifstream in(file_);
    if (!in) {
        return;
    }
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        const auto app = parseLine(line);
        if (!app || byIndex_.count(app->index) != 0 || byId_.count(app->id) != 0) {
            const auto aside =
                file_.string() + ".corrupt-" + std::to_string(Clock::to_time_t(Clock::now()));
            std::error_code ignored;
            std::filesystem::rename(file_, aside, ignored);
            log::warning(file_.string() + ":" + std::to_string(number) +
                         ": not an app entry; the app list was kept aside as " + aside +
                         " and starts empty");
            byIndex_.clear();
            byId_.clear();
            return;
        }
        byId_.emplace(app->id, app->index);
        byIndex_.emplace(app->index, *app);
    }
}

std::optional<std::uint16_t> AppDirectory::indexFor(std::string_view appId) {
    if (const auto it = byId_.find(appId); it != byId_.end()) {
        return it->second;
    }
    if (!storable(appId)) {
        return std::nullopt;
    }
    // The lowest free index: the set is small and new apps are rare.
    std::uint32_t candidate = 1;
    for (const auto& [index, app] : byIndex_) {
        if (index != candidate) {
            break;
        }
        ++candidate;
    }
    if (candidate > kMaxIndex) {
        return std::nullopt;
    }
    const auto index = static_cast<std::uint16_t>(candidate);
    byIndex_.emplace(index, App{std::string(appId), index, 0, {}});
    byId_.emplace(std::string(appId), index);
    dirty_ = true;
    return index;
}

AppDirectory::App* AppDirectory::find(std::uint16_t index) {
    const auto it = byIndex_.find(index);
    return it == byIndex_.end() ? &unknown_ : &it->second;
}

const AppDirectory::App& AppDirectory::byIndex(std::uint16_t index) const {
    const auto it = byIndex_.find(index);
    return it == byIndex_.end() ? unknown_ : it->second;
}

void AppDirectory::recordQuery(std::uint16_t index) {
    App* app = find(index);
    ++app->queries;
    app->lastQuery = Clock::now();
    dirty_ = dirty_ || app != &unknown_;
}

std::vector<AppDirectory::App> AppDirectory::seen() const {
    std::vector<App> out;
    if (unknown_.queries != 0) {
        out.push_back(unknown_);
    }
    for (const auto& [id, index] : byId_) {
        const auto& app = byIndex_.at(index);
        if (app.queries != 0) {
            out.push_back(app);
        }
    }
    return out;
}

void AppDirectory::save() {
    std::ostringstream out;
    for (const auto& [index, app] : byIndex_) {
        out << index << '\t' << app.queries << '\t'
            << std::chrono::duration_cast<std::chrono::seconds>(app.lastQuery.time_since_epoch())
                   .count()
            << '\t' << app.id << '\n';
    }
    writeFileAtomically(file_, out.str());
    dirty_ = false;
}

} // namespace mamori::dns
