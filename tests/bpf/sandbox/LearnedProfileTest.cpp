// LearnedProfile: the shape of a learned profile (what each phase allows), its text, and the
// attack-surface reduction. Pure user space: no kernel, no root.
#include "sandbox/learning/LearnedProfile.h"

#include "sandbox/FilterCompiler.h"
#include "sandbox/ProfileBuilder.h"
#include "sandbox/ProfileLoader.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <stdexcept>

namespace mamori::sandbox::learning {
namespace {

std::set<std::string> namesOf(const std::map<std::string, RuleRef>& rules) {
    std::set<std::string> names;
    for (const auto& entry : rules) {
        names.insert(entry.first);
    }
    return names;
}

std::set<std::string> allowedIn(const Profile& p, std::size_t phase) {
    return namesOf(ProfileBuilder::allowedIn(p, p.phases.at(phase)));
}

bool includes(const std::set<std::string>& big, const std::set<std::string>& small) {
    return std::includes(big.begin(), big.end(), small.begin(), small.end());
}

LearnedProfileOptions options() {
    LearnedProfileOptions o;
    o.binary = "/usr/bin/app";
    o.command = {"/usr/bin/app", "--serve", "two words"};
    o.learnedAt = "2025-01-02T03:04:05Z";
    return o;
}

TEST(LearnedProfile, WithoutPhasesAllowsWhatWasRecorded) {
    const Profile p = learnedProfile({{"", "", {"pread64", "pwrite64", "exit_group"}}}, options());
    EXPECT_EQ(namesOf(p.allow), (std::set<std::string>{"exit_group", "pread64", "pwrite64"}));
    EXPECT_TRUE(p.phases.empty());
    EXPECT_EQ(p.id, "learned.app");
    EXPECT_EQ(p.binary, "/usr/bin/app");
    EXPECT_EQ(p.defaultAction.text, "errno:EPERM");
    EXPECT_EQ(attackSurfaceReduction(p), 0.0);
}

TEST(LearnedProfile, TwoPhasesDropWhatOnlyInitNeeded) {
    const Profile p =
        learnedProfile({{"init", "", {"bind", "listen", "pread64", "execve"}},
                        {"serve", "epoll_wait", {"epoll_wait", "pread64", "pwrite64"}}},
                       options());
    EXPECT_EQ(namesOf(p.allow),
              (std::set<std::string>{"epoll_pwait", "epoll_wait", "pread64", "pwrite64"}));
    ASSERT_EQ(p.phases.size(), 2U);
    EXPECT_EQ(namesOf(p.phases[0].allow), (std::set<std::string>{"bind", "execve", "listen"}));
    EXPECT_EQ(namesOf(p.phases[1].allow), (std::set<std::string>{"epoll_wait"}));
    ASSERT_TRUE(p.phases[1].entry.has_value());
    EXPECT_EQ(p.phases[1].entry->syscall, "epoll_wait");
    EXPECT_FALSE(p.phases[0].entry.has_value());
    // init allows 7, serve 4 (epoll_pwait comes with epoll_wait).
    EXPECT_DOUBLE_EQ(attackSurfaceReduction(p), 1.0 - 4.0 / 7.0);
}

// nginx, learned from a short run that never grew its heap while serving, crashed when a
// later request did: the allocator's syscalls seen in any phase are allowed in all of them.
TEST(LearnedProfile, AllocatorSyscallsSeenInOnePhaseAreAllowedInAll) {
    const Profile p = learnedProfile({{"init", "", {"bind", "brk", "mmap", "pread64"}},
                                      {"serve", "epoll_wait", {"epoll_wait", "pread64"}}},
                                     options());
    EXPECT_EQ(namesOf(p.allow),
              (std::set<std::string>{"brk", "epoll_pwait", "epoll_wait", "mmap", "pread64"}));
    EXPECT_EQ(namesOf(p.phases[0].allow), (std::set<std::string>{"bind"}));
}

// memcached answered one learning run with sendmsg and the next with writev.
TEST(LearnedProfile, ASyscallBringsItsSiblings) {
    const Profile p = learnedProfile(
        {{"init", "", {"bind", "read"}}, {"serve", "epoll_wait", {"epoll_wait", "sendmsg"}}},
        options());
    EXPECT_EQ(namesOf(p.allow), (std::set<std::string>{"epoll_pwait", "epoll_wait", "sendmsg",
                                                       "sendto", "write", "writev"}));
    EXPECT_EQ(namesOf(p.phases[0].allow),
              (std::set<std::string>{"bind", "read", "readv", "recvfrom", "recvmsg"}));
}

// Stacked filters only narrow: each phase allows what it and every later phase needs, even a
// syscall the middle phase needs and the last does not (here: accept4, needed in init and
// serve, not in drain).
TEST(LearnedProfile, PhasesNestSoStackedFiltersCanEnforceThem) {
    const std::vector<LearnedPhase> phases{
        {"init", "", {"execve", "bind", "accept4", "pread64"}},
        {"serve", "epoll_wait", {"epoll_wait", "accept4", "pread64"}},
        {"drain", "accept", {"pread64", "close"}}, // never called accept: the switch is added
    };
    const Profile p = learnedProfile(phases, options());
    ASSERT_EQ(p.phases.size(), 3U);
    for (std::size_t k = 0; k < phases.size(); ++k) {
        SCOPED_TRACE(phases[k].name);
        EXPECT_TRUE(includes(allowedIn(p, k), phases[k].syscalls));
        if (k > 0) {
            EXPECT_TRUE(includes(allowedIn(p, k - 1), allowedIn(p, k)));
            EXPECT_TRUE(allowedIn(p, k).contains(phases[k].switchSyscall));
        }
    }
    EXPECT_EQ(allowedIn(p, 2), (std::set<std::string>{"accept", "close", "pread64"}));
    EXPECT_TRUE(allowedIn(p, 0).contains("epoll_wait"));
    EXPECT_FALSE(allowedIn(p, 1).contains("bind"));
    // The first phase allows the union of all, 8 syscalls (with epoll_pwait); the last 3.
    EXPECT_EQ(allowedIn(p, 0).size(), 8U);
    EXPECT_DOUBLE_EQ(attackSurfaceReduction(p), 1.0 - 3.0 / 8.0);
}

TEST(LearnedProfile, TextSaysHowItWasLearnedAndLoads) {
    const std::vector<LearnedPhase> phases{{"init", "", {"execve", "bind"}},
                                           {"serve", "epoll_wait", {"epoll_wait", "pread64"}}};
    const std::string text = learnedProfileText(phases, options());
    EXPECT_NE(text.find("# Learned by mamori-run --learn on 2025-01-02T03:04:05Z"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("#   /usr/bin/app --serve 'two words'\n"), std::string::npos) << text;
    EXPECT_NE(text.find("set DefaultAction=kill"), std::string::npos) << text;
    // init allows 5 (with epoll_pwait), serve 3.
    EXPECT_NE(text.find("(40.0 % fewer)"), std::string::npos) << text;
    const Profile p = ProfileLoader({}).loadText(text, "app.profile");
    EXPECT_EQ(p.id, "learned.app");
    ASSERT_EQ(p.phases.size(), 2U);
    EXPECT_NO_THROW(FilterCompiler(KernelSeccomp::stock()).compile(p));
}

TEST(LearnedProfile, KillNeedsNoAdvice) {
    LearnedProfileOptions o = options();
    o.defaultAction = "kill";
    const std::string text = learnedProfileText({{"", "", {"pread64"}}}, o);
    EXPECT_EQ(text.find("set DefaultAction=kill"), std::string::npos) << text;
    EXPECT_NE(text.find("DefaultAction=kill\n"), std::string::npos) << text;
}

TEST(LearnedProfile, RefusesWhatNoProfileCouldSay) {
    const auto bad = [](const std::vector<LearnedPhase>& phases, const LearnedProfileOptions& o) {
        EXPECT_THROW(learnedProfile(phases, o), std::invalid_argument);
    };
    bad({}, options());
    bad({{"", "", {"no_such_call"}}}, options());
    bad({{"init", "", {}}, {"serve", "", {}}}, options());                  // no switch
    bad({{"init", "pread64", {}}, {"serve", "epoll_wait", {}}}, options()); // switch into the first
    bad({{"init", "", {}}, {"Serve", "epoll_wait", {}}}, options());        // name
    bad({{"a", "", {}}, {"a", "epoll_wait", {}}}, options());               // repeated
    bad({{"a", "", {}}, {"b", "no_such_call", {}}}, options());
    LearnedProfileOptions o = options();
    o.defaultAction = "deny";
    bad({{"", "", {"pread64"}}}, o);
    o = options();
    o.binary = "relative/app";
    bad({{"", "", {"pread64"}}}, o);
    o = options();
    o.appId = "no spaces";
    bad({{"", "", {"pread64"}}}, o);
}

TEST(LearnedProfile, DefaultAppIdIsAValidId) {
    EXPECT_EQ(defaultAppId("/usr/bin/c++"), "learned.c__");
    EXPECT_EQ(defaultAppId("/usr/sbin/nginx"), "learned.nginx");
}

} // namespace
} // namespace mamori::sandbox::learning
