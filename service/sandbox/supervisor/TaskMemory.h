// Reads a sandboxed task's memory for the supervisor's pointer checks. What it reads can be
// changed by another thread of the task right after (TOCTOU): callers use it only where the
// profile accepted that (AllowUnsafePointerChecks) and the plan says so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace mamori::sandbox {

class TaskMemory {
public:
    static constexpr size_t kMaxString = 4096; // PATH_MAX

    // The NUL-terminated string at `address` in task `tid`; nullopt when it cannot be read or
    // is longer than kMaxString.
    static std::optional<std::string> readString(pid_t tid, std::uint64_t address);
    // The thread group (process) of a task id, from /proc; -1 when it is gone.
    static pid_t threadGroupOf(pid_t tid);
};

} // namespace mamori::sandbox
