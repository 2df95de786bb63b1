// The named syscall groups a profile may use (`@system-service`, `@network-io`, ...): one table
// the project owns, modelled on systemd's SystemCallFilter= sets. Members are x86_64 names;
// names this libseccomp does not know on the native architecture are skipped silently, so the
// table can list syscalls that only newer kernels have.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::sandbox {

class SyscallGroups {
public:
    // Every group name, with its leading '@', in table order.
    static std::vector<std::string_view> names();
    static bool exists(std::string_view group);
    // The group's syscalls (nested groups expanded, unknown names dropped); empty when the group
    // does not exist.
    static std::set<std::string> expand(std::string_view group);
    // The syscall's number on the native architecture, or a negative value when unknown.
    static int resolve(std::string_view syscall);
    // The native architecture's name for a syscall number; empty when libseccomp knows none.
    static std::string nameOf(int number);
};

} // namespace mamori::sandbox
