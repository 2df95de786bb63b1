#include "common/KeyFile.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace mamori {
namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

bool isKeyChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.' ||
           c == '@' || c == '/';
}

bool isValidKey(std::string_view key) {
    return !key.empty() && std::all_of(key.begin(), key.end(), isKeyChar);
}

bool isValidGroupName(std::string_view name) {
    return !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
        return c == '[' || c == ']' || std::iscntrl(static_cast<unsigned char>(c)) != 0;
    });
}

} // namespace

KeyFileError::KeyFileError(std::string source, int line, const std::string& message)
    : std::runtime_error(source + ":" + std::to_string(line) + ": " + message)
    , source_(std::move(source))
    , line_(line) {}

const KeyFileEntry* KeyFileGroup::find(std::string_view key) const {
    const auto it = std::find_if(entries.begin(), entries.end(),
                                 [&](const KeyFileEntry& e) { return e.key == key; });
    return it == entries.end() ? nullptr : &*it;
}

void KeyFile::fail(int line, const std::string& message) const {
    throw KeyFileError(source_, line, message);
}

void KeyFile::readKnownKeys(const KeyFileGroup& group,
                            const std::function<bool(const KeyFileEntry&)>& read,
                            std::vector<std::string>& warnings) const {
    for (const auto& entry : group.entries) {
        if (!read(entry)) {
            warnings.push_back(source_ + ":" + std::to_string(entry.line) + ": unknown key '" +
                               entry.key + "' in [" + group.name + "], ignored");
        }
    }
}

KeyFile KeyFile::parse(std::string_view text, std::string source) {
    KeyFile file(std::move(source));
    int lineNo = 0;
    while (!text.empty()) {
        ++lineNo;
        const auto end = text.find('\n');
        const std::string_view raw = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);

        if (raw.find('\0') != std::string_view::npos) {
            file.fail(lineNo, "NUL byte in line");
        }
        const std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') {
            continue;
        }
        if (line.front() == '[') {
            if (line.back() != ']') {
                file.fail(lineNo, "group header must end with ']'");
            }
            const std::string_view name = line.substr(1, line.size() - 2);
            if (!isValidGroupName(name)) {
                file.fail(lineNo, "invalid group name '" + std::string(name) + "'");
            }
            if (file.group(name) != nullptr) {
                file.fail(lineNo, "duplicate group [" + std::string(name) + "]");
            }
            file.groups_.push_back({std::string(name), lineNo, {}});
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) {
            file.fail(lineNo, "expected 'key=value' or '[Group]'");
        }
        if (file.groups_.empty()) {
            file.fail(lineNo, "key outside of any [Group]");
        }
        const std::string_view key = trim(line.substr(0, eq));
        if (!isValidKey(key)) {
            file.fail(lineNo, "invalid key '" + std::string(key) + "'");
        }
        auto& group = file.groups_.back();
        if (group.find(key) != nullptr) {
            file.fail(lineNo, "duplicate key '" + std::string(key) + "' in [" + group.name + "]");
        }
        group.entries.push_back({std::string(key), std::string(trim(line.substr(eq + 1))), lineNo});
    }
    return file;
}

std::optional<KeyFile> KeyFile::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            return std::nullopt;
        }
        throw KeyFileError(path.string(), 0, "cannot be read");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), path.string());
}

const KeyFileGroup* KeyFile::group(std::string_view name) const {
    const auto it = std::find_if(groups_.begin(), groups_.end(),
                                 [&](const KeyFileGroup& g) { return g.name == name; });
    return it == groups_.end() ? nullptr : &*it;
}

std::optional<std::string> KeyFile::value(std::string_view group, std::string_view key) const {
    const KeyFileGroup* g = this->group(group);
    const KeyFileEntry* e = g == nullptr ? nullptr : g->find(key);
    if (e == nullptr) {
        return std::nullopt;
    }
    return e->value;
}

void KeyFile::set(std::string_view group, std::string_view key, std::string_view value) {
    auto g = std::find_if(groups_.begin(), groups_.end(),
                          [&](const KeyFileGroup& candidate) { return candidate.name == group; });
    if (g == groups_.end()) {
        groups_.push_back({std::string(group), 0, {}});
        g = std::prev(groups_.end());
    }
    for (auto& entry : g->entries) {
        if (entry.key == key) {
            entry.value = value;
            return;
        }
    }
    g->entries.push_back({std::string(key), std::string(value), 0});
}

std::string KeyFile::serialize() const {
    std::string out;
    for (const auto& g : groups_) {
        if (!out.empty()) {
            out += '\n';
        }
        out += "[" + g.name + "]\n";
        for (const auto& e : g.entries) {
            out += e.key + "=" + e.value + "\n";
        }
    }
    return out;
}

std::optional<bool> parseBool(std::string_view text) {
    if (text == "true" || text == "yes" || text == "1") {
        return true;
    }
    if (text == "false" || text == "no" || text == "0") {
        return false;
    }
    return std::nullopt;
}

bool KeyFile::boolValue(const KeyFileEntry& entry) const {
    const auto parsed = parseBool(entry.value);
    if (!parsed) {
        fail(entry.line, entry.key + ": expected true or false, got '" + entry.value + "'");
    }
    return *parsed;
}

unsigned long KeyFile::unsignedValue(const KeyFileEntry& entry, unsigned long max) const {
    unsigned long value = 0;
    const char* begin = entry.value.data();
    const char* end = begin + entry.value.size();
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc{} || ptr != end || entry.value.empty() || value > max) {
        fail(entry.line, entry.key + ": expected a whole number from 0 to " + std::to_string(max) +
                             ", got '" + entry.value + "'");
    }
    return value;
}

} // namespace mamori
