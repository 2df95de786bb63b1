#include "kernel/FeatureProbe.h"

#include <sstream>
#include <vector>

namespace mamori::kernel {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescapeOctal(std::string_view field) {
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        const bool escape = field[i] == '\\' && i + 3 < field.size();
        if (escape) {
            const std::string digits(field.substr(i + 1, 3));
            if (digits.find_first_not_of("01234567") == std::string::npos) {
                out += static_cast<char>(std::stoi(digits, nullptr, 8));
                i += 3;
                continue;
            }
        }
        out += field[i];
    }
    return out;
}

std::vector<std::string> splitFields(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> fields;
    for (std::string field; in >> field;) {
        fields.push_back(field);
    }
    return fields;
}

// Line format: id parent major:minor root mount-point options [optional...] - fstype source opts
std::string cgroup2MountOf(const std::string& line) {
    const auto fields = splitFields(line);
    for (std::size_t i = 5; i + 1 < fields.size(); ++i) {
        if (fields[i] == "-") {
            return fields[i + 1] == "cgroup2" ? unescapeOctal(fields[4]) : std::string{};
        }
    }
    return {};
}

} // namespace

std::string cgroupV2MountFrom(std::string_view mountinfo) {
    std::istringstream in{std::string(mountinfo)};
    for (std::string line; std::getline(in, line);) {
        if (auto mount = cgroup2MountOf(line); !mount.empty()) {
            return mount;
        }
    }
    return {};
}

} // namespace mamori::kernel
