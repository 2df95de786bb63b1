#include "launcher/InvokingUser.h"

#include "launcher/Launcher.h"

#include <charconv>
#include <cstdlib>
#include <grp.h>
#include <pwd.h>
#include <string_view>
#include <unistd.h>

namespace mamori::launcher {

namespace {

std::optional<uid_t> uidFromVariable(const char* variable) {
    const char* value = std::getenv(variable);
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    const std::string_view text(value);
    uid_t uid = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), uid);
    if (error != std::errc() || end != text.data() + text.size()) {
        throw LaunchError(kExitLauncherError,
                          std::string(variable) + "='" + value + "' is not a user id");
    }
    return uid;
}

} // namespace

std::optional<InvokingUser> InvokingUser::fromEnvironment() {
    if (::geteuid() != 0) {
        return std::nullopt;
    }
    auto uid = uidFromVariable("PKEXEC_UID");
    if (!uid) {
        uid = uidFromVariable("SUDO_UID");
    }
    if (!uid || *uid == 0) {
        return std::nullopt;
    }
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwuid_r(*uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
        throw LaunchError(kExitLauncherError,
                          "the invoking user " + std::to_string(*uid) + " has no account");
    }
    InvokingUser user;
    user.uid = *uid;
    user.gid = entry.pw_gid;
    user.name = entry.pw_name;
    int count = 32;
    user.groups.resize(static_cast<std::size_t>(count));
    while (::getgrouplist(entry.pw_name, entry.pw_gid, user.groups.data(), &count) < 0) {
        user.groups.resize(static_cast<std::size_t>(count));
    }
    user.groups.resize(static_cast<std::size_t>(count));
    return user;
}

bool InvokingUser::become() const noexcept {
    return ::setgroups(groups.size(), groups.data()) == 0 && ::setgid(gid) == 0 &&
           ::setuid(uid) == 0;
}

} // namespace mamori::launcher
