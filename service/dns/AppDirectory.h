// Which app each stub address stands for, and what the stub has seen of each app. An app gets
// its index (the H.L of 127.53.H.L) once and keeps it across restarts, because a socket that
// connected before mamorid restarted still sends to its old stub address: a reused index would
// hand that socket's queries to another app's resolver.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::dns {

class AppDirectory {
public:
    using Clock = std::chrono::system_clock;

    struct App {
        std::string id; // "" for index 0: processes that belong to no app
        std::uint16_t index = 0;
        std::uint64_t queries = 0;
        Clock::time_point lastQuery{};
    };

    // Loads `file` when it exists; a corrupt one is kept aside (file.corrupt-<time>) with a
    // warning and the directory starts empty. Never throws for a bad file.
    explicit AppDirectory(std::filesystem::path file);

    // The app's index, handed out on first sight. std::nullopt when the id cannot be stored
    // (control characters) or all 65535 indexes are taken; the app then counts as unknown.
    std::optional<std::uint16_t> indexFor(std::string_view appId);
    // The app an index stands for; index 0 and unknown indexes give the "no app" entry.
    const App& byIndex(std::uint16_t index) const;
    void recordQuery(std::uint16_t index);

    // Apps that sent at least one query, by id.
    std::vector<App> seen() const;

    bool dirty() const noexcept { return dirty_; }
    // Atomic; throws std::system_error naming the file.
    void save();

private:
    void load();
    App* find(std::uint16_t index);

    std::filesystem::path file_;
    std::map<std::uint16_t, App> byIndex_;
    std::map<std::string, std::uint16_t, std::less<>> byId_;
    App unknown_;
    bool dirty_ = false;
};

} // namespace mamori::dns
