#include "sandbox/supervisor/TaskMemory.h"

#include "common/UniqueFd.h"

#include <array>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace mamori::sandbox {

std::optional<std::string> TaskMemory::readString(pid_t tid, std::uint64_t address) {
    const std::string path = "/proc/" + std::to_string(tid) + "/mem";
    const UniqueFd mem(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!mem) {
        return std::nullopt;
    }
    std::string result;
    std::array<char, 256> chunk{};
    // Page by page would be exact; 256-byte reads stop short at an unmapped page, which only
    // makes a path that ends right before one unreadable (refused, never wrongly allowed).
    while (result.size() < kMaxString) {
        const ssize_t got = ::pread(mem.get(), chunk.data(), chunk.size(),
                                    static_cast<off_t>(address + result.size()));
        if (got <= 0) {
            return std::nullopt;
        }
        const auto* end = static_cast<const char*>(std::memchr(chunk.data(), '\0', size_t(got)));
        if (end != nullptr) {
            result.append(chunk.data(), size_t(end - chunk.data()));
            return result;
        }
        result.append(chunk.data(), size_t(got));
    }
    return std::nullopt;
}

pid_t TaskMemory::threadGroupOf(pid_t tid) {
    std::ifstream status("/proc/" + std::to_string(tid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("Tgid:")) {
            return static_cast<pid_t>(std::stol(line.substr(5)));
        }
    }
    return -1;
}

} // namespace mamori::sandbox
