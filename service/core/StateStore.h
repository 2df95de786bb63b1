// Mamori's persistent state: one keyfile per concern in the state directory, each carrying a
// format version. Writes are atomic. A file that cannot be understood is never silently
// dropped: it is moved aside and reported, and the caller falls back to defaults.
#pragma once

#include "common/KeyFile.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mamori {

class StateStore {
public:
    static constexpr unsigned kFormatVersion = 1;

    explicit StateStore(std::filesystem::path directory);

    const std::filesystem::path& directory() const { return directory_; }

    // Content of <name>.state without its version header; std::nullopt when absent or corrupt.
    std::optional<KeyFile> load(std::string_view name);
    // Throws MamoriError(StateNotSaved) when the file cannot be written; the old file stays.
    void save(std::string_view name, const KeyFile& content);

    // Where files that could not be read were moved to, in the order found.
    const std::vector<std::string>& corruptFiles() const { return corruptFiles_; }

private:
    std::filesystem::path pathOf(std::string_view name) const;
    void setAside(const std::filesystem::path& path, const std::string& reason);

    std::filesystem::path directory_;
    std::vector<std::string> corruptFiles_;
};

} // namespace mamori
