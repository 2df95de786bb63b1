// Who asked for a privileged learning run. The learner needs root for its recorder (a BPF
// program); the program it learns does not. Started through pkexec (PKEXEC_UID) or sudo
// (SUDO_UID), the learner runs COMMAND as that user, with their groups, and gives them the
// profile it wrote — so that learning from the tray does not run a desktop app as root.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace mamori::launcher {

struct InvokingUser {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    std::string name;

    // The user behind pkexec or sudo; empty unless running as root on their behalf (root
    // asking for itself, or no such variable, runs COMMAND as root as before). Throws
    // LaunchError for a value that is not a uid with an account.
    static std::optional<InvokingUser> fromEnvironment();

    // Takes on the user's groups, gid and uid. Called between fork and exec: only system
    // calls; false with errno set when one failed.
    bool become() const noexcept;
};

} // namespace mamori::launcher
