// A parser and writer for the keyfile format used by Mamori's config, state files and sandbox
// profiles: `[Group]` headers, `key=value` lines, `#`/`;` comments. Every group and entry keeps
// its line number so that callers can name `file:line` in their own messages.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mamori {

class KeyFileError : public std::runtime_error {
public:
    KeyFileError(std::string source, int line, const std::string& message);
    const std::string& source() const { return source_; }
    int line() const { return line_; }

private:
    std::string source_;
    int line_;
};

struct KeyFileEntry {
    std::string key;
    std::string value;
    int line = 0;
};

struct KeyFileGroup {
    std::string name;
    int line = 0;
    std::vector<KeyFileEntry> entries;

    const KeyFileEntry* find(std::string_view key) const;
};

class KeyFile {
public:
    KeyFile() = default;
    explicit KeyFile(std::string source)
        : source_(std::move(source)) {}

    // Throws KeyFileError naming source:line on syntax errors, duplicate groups or keys.
    static KeyFile parse(std::string_view text, std::string source);
    // Reads and parses a file; std::nullopt when it does not exist. Throws KeyFileError when it
    // cannot be read or parsed.
    static std::optional<KeyFile> load(const std::filesystem::path& path);

    const std::string& source() const { return source_; }
    const std::vector<KeyFileGroup>& groups() const { return groups_; }
    const KeyFileGroup* group(std::string_view name) const;
    std::optional<std::string> value(std::string_view group, std::string_view key) const;

    // Adds or replaces a value; creates the group at the end when missing.
    void set(std::string_view group, std::string_view key, std::string_view value);
    std::string serialize() const;

    // Throws KeyFileError at the entry's line unless value is a boolean (true/false/yes/no/1/0).
    bool boolValue(const KeyFileEntry& entry) const;
    unsigned long unsignedValue(const KeyFileEntry& entry, unsigned long max) const;
    [[noreturn]] void fail(int line, const std::string& message) const;

    // Hands each entry of `group` to `read`; an entry it does not know (false) becomes the
    // warning "<source>:<line>: unknown key 'K' in [G], ignored". KeyFileErrors pass through.
    void readKnownKeys(const KeyFileGroup& group,
                       const std::function<bool(const KeyFileEntry&)>& read,
                       std::vector<std::string>& warnings) const;

private:
    std::string source_;
    std::vector<KeyFileGroup> groups_;
};

std::optional<bool> parseBool(std::string_view text);

} // namespace mamori
