#include "ProbeSupport.h"

#include <array>
#include <cerrno>
#include <fstream>
#include <linux/capability.h>
#include <sstream>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace mamori::kernel::probe {

namespace {

// libcap is not worth a dependency for one capget(2).
bool hasEffective(int cap) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
    if (::syscall(SYS_capget, &header, data.data()) != 0) {
        return false;
    }
    const auto word = static_cast<std::size_t>(cap / 32);
    return word < data.size() && (data[word].effective & (1U << (cap % 32))) != 0;
}

bool holds(Privilege p) {
    switch (p) {
    case Privilege::Bpf:
        return hasEffective(CAP_BPF) || hasEffective(CAP_SYS_ADMIN);
    case Privilege::Perfmon:
        return hasEffective(CAP_PERFMON) || hasEffective(CAP_SYS_ADMIN);
    case Privilege::NetAdmin:
        return hasEffective(CAP_NET_ADMIN);
    }
    return false;
}

std::string_view capabilityName(Privilege p) {
    switch (p) {
    case Privilege::Bpf:
        return "CAP_BPF";
    case Privilege::Perfmon:
        return "CAP_PERFMON";
    case Privilege::NetAdmin:
        return "CAP_NET_ADMIN";
    }
    return "?";
}

std::string joinNames(const std::vector<Privilege>& privileges) {
    std::string out;
    for (const Privilege p : privileges) {
        if (!out.empty()) {
            out += ", ";
        }
        out += capabilityName(p);
    }
    return out;
}

} // namespace

std::string missingPrivileges(std::initializer_list<Privilege> needed) {
    std::vector<Privilege> missing;
    for (const Privilege p : needed) {
        if (!holds(p)) {
            missing.push_back(p);
        }
    }
    if (missing.empty()) {
        return {};
    }
    return "needs " + joinNames(std::vector<Privilege>(needed)) +
           " (run as root); this process (euid " + std::to_string(::geteuid()) + ") lacks " +
           joinNames(missing);
}

std::optional<std::string> readFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace mamori::kernel::probe
