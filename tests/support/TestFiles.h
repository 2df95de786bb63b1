// Small file helpers shared by the test suites.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mamori::test {

// The whole file, or an empty string when it cannot be read.
inline std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace mamori::test
