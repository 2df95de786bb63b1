#include "sandbox/learning/LearnedProfile.h"

#include "sandbox/ProfileBuilder.h"
#include "sandbox/ProfileMerger.h"
#include "sandbox/ProfileWriter.h"
#include "sandbox/SyscallGroups.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iterator>
#include <stdexcept>

namespace mamori::sandbox::learning {
namespace {

// Not a file: the rules of a learned profile come from a run. Writing and loading the profile
// gives them real file:line origins.
const Origin kLearned{"learned", 0};

bool validAppIdChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
}

void checkSyscall(const std::string& name, const std::string& context) {
    if (SyscallGroups::resolve(name) < 0) {
        throw std::invalid_argument(context + ": unknown syscall '" + name + "'");
    }
}

void checkPhases(const std::vector<LearnedPhase>& phases) {
    if (phases.empty() || phases.size() > 4) {
        throw std::invalid_argument("a learned profile has 1 to 4 phases, not " +
                                    std::to_string(phases.size()));
    }
    std::set<std::string> seen;
    for (std::size_t k = 0; k < phases.size(); ++k) {
        const LearnedPhase& phase = phases[k];
        for (const auto& syscall : phase.syscalls) {
            checkSyscall(syscall, "phase " + phase.name);
        }
        if (phases.size() == 1) {
            break; // no [Phases]: the name and switch mean nothing
        }
        if (!ProfileMerger::isPhaseName(phase.name) || !seen.insert(phase.name).second) {
            throw std::invalid_argument("phase name '" + phase.name +
                                        "' is invalid or repeated (lower-case letters, digits, "
                                        "'-' and '_')");
        }
        if (k == 0 && !phase.switchSyscall.empty()) {
            throw std::invalid_argument("the first phase (" + phase.name +
                                        ") has no switch: the process starts in it");
        }
        if (k > 0) {
            if (phase.switchSyscall.empty()) {
                throw std::invalid_argument("phase " + phase.name + " needs a switch syscall");
            }
            checkSyscall(phase.switchSyscall, "switch to phase " + phase.name);
        }
    }
}

// What each phase needs: its recorded calls plus the switch that enters it, which the phase
// must allow even when the learning run never made it.
// What libc does on the program's behalf whenever it allocates, waits on a contended lock,
// returns from a signal handler or ends a thread. One learning run may not have done any of it
// in a phase — whether the heap grew or a lock was contended is luck — and a later phase that
// refuses it breaks the program in libc (a refused brk makes malloc fail and nginx crash, a
// refused futex aborts memcached). Seen in any phase, these are needed in all.
constexpr std::array kRuntimeSyscalls = {
    "brk",         "mmap",         "munmap",          "mremap", "madvise",   "futex",
    "sched_yield", "rt_sigreturn", "restart_syscall", "exit",   "exit_group"};

// The same operation through another door: libc and servers pick between these by buffer
// layout, size or timing (memcached answered one learning run with sendmsg and the next with
// writev). One of them seen in a phase means the phase needs the operation, so it gets all of
// them; none of them can do what another cannot.
const std::array<std::set<std::string>, 4> kSiblingSyscalls = {{
    {"write", "writev", "sendto", "sendmsg"},
    {"read", "readv", "recvfrom", "recvmsg"},
    {"epoll_wait", "epoll_pwait"},
    {"poll", "ppoll"},
}};

void addSiblings(std::set<std::string>& need) {
    for (const auto& family : kSiblingSyscalls) {
        if (std::any_of(family.begin(), family.end(),
                        [&](const std::string& name) { return need.contains(name); })) {
            need.insert(family.begin(), family.end());
        }
    }
}

std::vector<std::set<std::string>> needs(const std::vector<LearnedPhase>& phases) {
    std::set<std::string> runtime;
    for (const auto& phase : phases) {
        for (const char* name : kRuntimeSyscalls) {
            if (phase.syscalls.contains(name)) {
                runtime.insert(name);
            }
        }
    }
    std::vector<std::set<std::string>> result;
    for (const auto& phase : phases) {
        std::set<std::string> need = phase.syscalls;
        need.insert(runtime.begin(), runtime.end());
        addSiblings(need);
        if (!phase.switchSyscall.empty()) {
            need.insert(phase.switchSyscall);
        }
        result.push_back(std::move(need));
    }
    return result;
}

std::map<std::string, RuleRef> ruleMap(const std::set<std::string>& names,
                                       const std::string& text) {
    std::map<std::string, RuleRef> result;
    for (const auto& name : names) {
        result.emplace(name, RuleRef{text + name, kLearned});
    }
    return result;
}

Action parseDefaultAction(const std::string& text) {
    const auto action = ProfileBuilder::parseAction(text);
    if (!action) {
        throw std::invalid_argument("default action: expected kill, log, errno:NAME or errno:N "
                                    "(1-4095), got '" +
                                    text + "'");
    }
    return *action;
}

void fillApplication(Profile& profile, const LearnedProfileOptions& options) {
    if (!options.binary.empty() && !std::filesystem::path(options.binary).is_absolute()) {
        throw std::invalid_argument("binary '" + options.binary + "' is not an absolute path");
    }
    profile.binary = options.binary;
    profile.id = options.appId.empty() ? defaultAppId(options.binary) : options.appId;
    if (profile.id.empty() || !std::all_of(profile.id.begin(), profile.id.end(), validAppIdChar)) {
        throw std::invalid_argument("'" + profile.id + "' is not an application id");
    }
}

// The phases narrow: phase k allows what it or any later phase but the last needs; the last
// phase's needs are [Syscalls] Allow (see the header for why).
void fillPhases(Profile& profile, const std::vector<LearnedPhase>& phases) {
    const auto need = needs(phases);
    const std::set<std::string>& last = need.back();
    profile.allow = ruleMap(last, "Allow=");
    if (phases.size() == 1) {
        return;
    }
    std::set<std::string> later; // what the phases from k to the one before the last need
    std::vector<std::set<std::string>> own(phases.size());
    for (std::size_t k = phases.size() - 1; k-- > 0;) {
        later.insert(need[k].begin(), need[k].end());
        std::set_difference(later.begin(), later.end(), last.begin(), last.end(),
                            std::inserter(own[k], own[k].end()));
    }
    own.back() = {phases.back().switchSyscall};
    for (std::size_t k = 0; k < phases.size(); ++k) {
        Phase phase{phases[k].name, ruleMap(own[k], "Allow="), std::nullopt};
        if (k > 0) {
            phase.entry = PhaseSwitch{TriggerKind::FirstCall, phases[k].switchSyscall, kLearned};
        }
        profile.phases.push_back(std::move(phase));
    }
}

std::string now() {
    const std::time_t t = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&t, &utc);
    std::array<char, 32> text{};
    std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text.data();
}

// Shell-like, so the line can be pasted back: arguments with spaces or quotes in '...'.
std::string commandLine(const std::vector<std::string>& command) {
    std::string line;
    for (const auto& arg : command) {
        const bool plain =
            !arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos;
        std::string quoted = plain ? arg : "'";
        if (!plain) {
            for (const char c : arg) {
                quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
            }
            quoted += '\'';
        }
        line += (line.empty() ? "" : " ") + quoted;
    }
    return line;
}

std::string percent(double share) {
    std::array<char, 16> text{};
    std::snprintf(text.data(), text.size(), "%.1f %%", share * 100.0);
    return text.data();
}

std::string phaseSummary(const Profile& profile) {
    const Phase& first = profile.phases.front();
    const Phase& last = profile.phases.back();
    std::string order;
    for (const auto& phase : profile.phases) {
        order += (order.empty() ? "" : " -> ") + phase.name;
        if (phase.entry) {
            order += " (first " + phase.entry->syscall + ")";
        }
    }
    return "Phases " + order + ": " + last.name + " allows " +
           std::to_string(ProfileBuilder::allowedIn(profile, last).size()) + " of the " +
           std::to_string(ProfileBuilder::allowedIn(profile, first).size()) + " syscalls " +
           first.name + " allows (" + percent(attackSurfaceReduction(profile)) + " fewer).";
}

std::string headerComment(const Profile& profile, const LearnedProfileOptions& options) {
    std::string text = "Learned by mamori-run --learn on " +
                       (options.learnedAt.empty() ? now() : options.learnedAt) +
                       " from one run of:\n  " + commandLine(options.command) +
                       "\nIt allows exactly what that run did: exercise everything the program "
                       "should do while learning.\n";
    if (profile.defaultAction.kind != ActionKind::Kill) {
        text += "DefaultAction=" + profile.defaultAction.text +
                " makes a call the run missed fail instead of killing the program;\nonce the "
                "program works under this profile, set DefaultAction=kill.\n";
    }
    if (!profile.phases.empty()) {
        text += phaseSummary(profile) + "\n";
    }
    return text;
}

} // namespace

Profile learnedProfile(const std::vector<LearnedPhase>& phases,
                       const LearnedProfileOptions& options) {
    checkPhases(phases);
    Profile profile;
    fillApplication(profile, options);
    profile.name = profile.id;
    profile.defaultAction = parseDefaultAction(options.defaultAction);
    profile.denyAction = profile.defaultAction;
    fillPhases(profile, phases);
    return profile;
}

std::string learnedProfileText(const std::vector<LearnedPhase>& phases,
                               const LearnedProfileOptions& options) {
    const Profile profile = learnedProfile(phases, options);
    return writeProfile(profile, headerComment(profile, options));
}

double attackSurfaceReduction(const Profile& profile) {
    if (profile.phases.size() < 2) {
        return 0.0;
    }
    const auto first = ProfileBuilder::allowedIn(profile, profile.phases.front()).size();
    const auto last = ProfileBuilder::allowedIn(profile, profile.phases.back()).size();
    if (first == 0) {
        return 0.0;
    }
    return 1.0 - static_cast<double>(last) / static_cast<double>(first);
}

std::string defaultAppId(const std::string& binary) {
    std::string base = std::filesystem::path(binary).filename().string();
    if (base.empty()) {
        base = "program";
    }
    std::replace_if(
        base.begin(), base.end(), [](char c) { return !validAppIdChar(c); }, '_');
    return "learned." + base;
}

} // namespace mamori::sandbox::learning
