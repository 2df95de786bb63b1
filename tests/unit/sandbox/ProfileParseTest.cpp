// Every construct of the profile format, and every error with its exact file:line and message.
#include "SandboxTestHelpers.h"

#include <cerrno>
#include <gtest/gtest.h>
#include <vector>

namespace mamori::sandbox {
namespace {

using test::errorOf;
using test::fromText;

TEST(ProfileParse, ApplicationAndActions) {
    const Profile p = fromText("[Application]\nId=org.example.App\nBinary=/usr/bin/app\n"
                               "[Syscalls]\nAllow=getppid\nDefaultAction=errno:EACCES\n"
                               "DenyAction=kill\nDeny=ptrace\n");
    EXPECT_EQ(p.id, "org.example.App");
    EXPECT_EQ(p.binary, "/usr/bin/app");
    EXPECT_EQ(p.defaultAction.kind, ActionKind::Errno);
    EXPECT_EQ(p.defaultAction.errnoValue, EACCES);
    EXPECT_EQ(p.denyAction.kind, ActionKind::Kill);
    EXPECT_TRUE(p.allow.contains("getppid"));
    EXPECT_EQ(p.deny.at("ptrace").origin.str(), "t.profile:8");
}

TEST(ProfileParse, DefaultsAreKillAndDenyFollowsDefault) {
    const Profile p = fromText("[Syscalls]\nAllow=read\nDefaultAction=errno:1\n");
    EXPECT_EQ(p.defaultAction.errnoValue, 1);
    EXPECT_EQ(p.denyAction.errnoValue, 1);
    EXPECT_EQ(fromText("[Syscalls]\nAllow=read\n").defaultAction.kind, ActionKind::Kill);
    EXPECT_EQ(fromText("[Syscalls]\nDefaultAction=log\n").defaultAction.kind, ActionKind::Log);
}

TEST(ProfileParse, GroupsExpandAndDenyCarvesOut) {
    const Profile p = fromText("[Syscalls]\nAllow=@keyring;getppid\nDeny=keyctl\n");
    EXPECT_TRUE(p.allow.contains("add_key"));
    EXPECT_FALSE(p.allow.contains("keyctl"));
    EXPECT_EQ(p.allow.at("add_key").text, "Allow=@keyring");
}

TEST(ProfileParse, PhasesAndSwitches) {
    const Profile p = fromText("[Syscalls]\nAllow=read;epoll_wait\n[Phases]\nOrder=init;serve\n"
                               "Switch.serve=first:epoll_wait\n[Phase init]\nAllow=bind\n"
                               "[Phase serve]\nAllow=accept4\n");
    ASSERT_EQ(p.phases.size(), 2U);
    EXPECT_EQ(p.phases[0].name, "init");
    EXPECT_FALSE(p.phases[0].entry);
    EXPECT_TRUE(p.phases[0].allow.contains("bind"));
    ASSERT_TRUE(p.phases[1].entry);
    EXPECT_EQ(p.phases[1].entry->kind, TriggerKind::FirstCall);
    EXPECT_EQ(p.phases[1].entry->syscall, "epoll_wait");
    const Profile e = fromText("[Phases]\nOrder=a;b\nSwitch.b=explicit\n");
    EXPECT_EQ(e.phases[1].entry->kind, TriggerKind::Explicit);
}

TEST(ProfileParse, LimitsPairsArguments) {
    const Profile p =
        fromText("[Syscalls]\nAllow=keyctl;mremap;ftruncate;socket;clone;openat\n"
                 "AllowUnsafePointerChecks=true\n[Limits]\nkeyctl=16\n[Serialize]\n"
                 "Pairs=mremap|ftruncate\n[Arguments]\nsocket=family in {AF_UNIX, AF_INET}\n"
                 "clone=flags & CLONE_NEWUSER == 0\nopenat=path prefix /var/www\n");
    EXPECT_EQ(p.limits.at("keyctl").count, 16U);
    ASSERT_EQ(p.pairs.size(), 1U);
    EXPECT_EQ(p.pairs[0].first, "mremap");
    EXPECT_EQ(p.arguments.at("socket").alternatives.size(), 2U);
    const auto& clone = p.arguments.at("clone").alternatives.at(0).at(0);
    EXPECT_EQ(clone.op, CompareOp::MaskedEqual);
    EXPECT_EQ(clone.value, 0U);
    EXPECT_EQ(p.arguments.at("openat").pathPrefix, "/var/www");
    EXPECT_EQ(p.arguments.at("openat").pathIndex, 1U);
}

TEST(ProfileParse, ArgumentConjunctionsAndNumbers) {
    const Profile p = fromText("[Syscalls]\nAllow=socket;mmap\n[Arguments]\n"
                               "socket=family == AF_INET && type & 0xf == SOCK_STREAM\n"
                               "mmap=arg2 <= 3\n");
    const auto& socket = p.arguments.at("socket").alternatives.at(0);
    ASSERT_EQ(socket.size(), 2U);
    EXPECT_EQ(socket[1].mask, 0xfU);
    EXPECT_EQ(p.arguments.at("mmap").alternatives.at(0).at(0).op, CompareOp::LessEqual);
}

struct ErrorCase {
    const char* name;
    const char* text;
    const char* message;
};

const std::vector<ErrorCase> kErrors = {
    {"UnknownGroup", "[Syscall]\n", "t.profile:1: unknown group [Syscall]"},
    {"UnknownKey", "[Syscalls]\nAlow=read\n", "t.profile:2: unknown key 'Alow' in [Syscalls]"},
    {"BadPhaseGroup", "[Phase Init]\n",
     "t.profile:1: invalid phase name 'Init' (lower-case letters, digits, '-' and '_')"},
    {"UnknownSyscall", "[Syscalls]\n\nAllow=read;frobnicate\n",
     "t.profile:3: Allow: unknown syscall 'frobnicate'"},
    {"UnknownGroupName", "[Syscalls]\nDeny=@nope\n",
     "t.profile:2: Deny: unknown syscall group '@nope'"},
    {"BadDefaultAction", "[Syscalls]\nDefaultAction=errno:EWHAT\n",
     "t.profile:2: DefaultAction: expected kill, log, errno:NAME or errno:N (1-4095), got "
     "'errno:EWHAT'"},
    {"ErrnoOutOfRange", "[Syscalls]\nDenyAction=errno:5000\n",
     "t.profile:2: DenyAction: expected kill, log, errno:NAME or errno:N (1-4095), got "
     "'errno:5000'"},
    {"AllowAndDeny", "[Syscalls]\nAllow=ptrace\nDeny=ptrace\n",
     "t.profile:3: 'ptrace' is both allowed (Allow=ptrace (t.profile:2)) and denied"},
    {"PhaseAllowAndDeny", "[Syscalls]\nDeny=bind\n[Phases]\nOrder=init\n[Phase init]\nAllow=bind\n",
     "t.profile:2: 'bind' is both allowed (Allow=bind (t.profile:6)) and denied"},
    {"LimitOnDenied", "[Syscalls]\nDeny=keyctl\n[Limits]\nkeyctl=16\n",
     "t.profile:4: limit on denied syscall 'keyctl' (Deny=keyctl (t.profile:2))"},
    {"LimitOnUnallowed", "[Syscalls]\nAllow=read\n[Limits]\nkeyctl=16\n",
     "t.profile:4: limit on 'keyctl', which no phase allows"},
    {"LimitUnknownSyscall", "[Limits]\nkeyctll=16\n",
     "t.profile:2: limit: unknown syscall 'keyctll'"},
    {"LimitNotANumber", "[Syscalls]\nAllow=keyctl\n[Limits]\nkeyctl=many\n",
     "t.profile:4: keyctl: expected a count from 1 to 2147483648, got 'many'"},
    {"LimitZero", "[Syscalls]\nAllow=keyctl\n[Limits]\nkeyctl=0\n",
     "t.profile:4: keyctl: expected a count from 1 to 2147483648, got '0'"},
    {"SwitchNotAllowed",
     "[Syscalls]\nAllow=read\n[Phases]\nOrder=init;serve\nSwitch.serve=first:epoll_wait\n",
     "t.profile:5: Switch.serve: 'epoll_wait' is not allowed in phase 'serve'"},
    {"SwitchBadValue", "[Phases]\nOrder=a;b\nSwitch.b=after:read\n",
     "t.profile:3: Switch.b: expected first:SYSCALL or explicit, got 'after:read'"},
    {"SwitchNotObservable", "[Syscalls]\nAllow=read\n[Phases]\nOrder=a;b\nSwitch.b=first:read\n",
     "t.profile:5: Switch.b: the launcher cannot see the first call of 'read'; a switch can be "
     "the first call of: epoll_wait, epoll_pwait, accept, accept4, poll, ppoll, select, "
     "pselect6, or explicit"},
    {"SwitchUnknownPhase", "[Phases]\nOrder=a\nSwitch.b=explicit\n",
     "t.profile:3: Switch.b: phase 'b' is not in [Phases] Order"},
    {"SwitchFirstPhase", "[Phases]\nOrder=a;b\nSwitch.a=explicit\nSwitch.b=explicit\n",
     "t.profile:3: Switch.a: 'a' is the first phase; the process starts in it"},
    {"PhaseWithoutSwitch", "[Phases]\nOrder=a;b\n",
     "t.profile:2: Order: phase 'b' has no Switch.b in [Phases]"},
    {"PhaseNotInOrder", "[Phases]\nOrder=a\n[Phase b]\nAllow=read\n",
     "t.profile:3: phase 'b' is not in [Phases] Order"},
    {"PairSyntax", "[Syscalls]\nAllow=mremap\n[Serialize]\nPairs=mremap\n",
     "t.profile:4: Pairs: expected SYSCALL|SYSCALL, got 'mremap'"},
    {"PairSelf", "[Serialize]\nPairs=mremap|mremap\n",
     "t.profile:2: Pairs: 'mremap|mremap' pairs a syscall with itself"},
    {"PairNotAllowed", "[Syscalls]\nAllow=mremap\n[Serialize]\nPairs=mremap|ftruncate\n",
     "t.profile:4: serialization on 'ftruncate', which no phase allows"},
    {"ArgUnknownArgument", "[Syscalls]\nAllow=socket\n[Arguments]\nsocket=domain == AF_INET\n",
     "t.profile:4: socket: unknown argument 'domain' (known: family, type, protocol, "
     "arg0..arg5)"},
    {"ArgUnknownConstant", "[Syscalls]\nAllow=socket\n[Arguments]\nsocket=family == AF_FOO\n",
     "t.profile:4: socket: 'AF_FOO' is neither a number nor a known constant"},
    {"ArgIntNotEqual", "[Syscalls]\nAllow=socket\n[Arguments]\nsocket=family != AF_PACKET\n",
     "t.profile:4: socket: '!=' on the int argument 'family' could be bypassed through the "
     "register's upper half; use == or 'in'"},
    {"ArgBadSet", "[Syscalls]\nAllow=socket\n[Arguments]\nsocket=family in AF_INET\n",
     "t.profile:4: socket: expected '{A,B,...}' after 'in'"},
    {"ArgMaskOp", "[Syscalls]\nAllow=clone\n[Arguments]\nclone=flags & 1 != 0\n",
     "t.profile:4: clone: unknown comparison '!=' (a mask takes ==)"},
    {"ArgOnDenied", "[Syscalls]\nDeny=socket\n[Arguments]\nsocket=family == AF_INET\n",
     "t.profile:4: argument rule on denied syscall 'socket' (Deny=socket (t.profile:2))"},
    {"PointerNotAccepted", "[Syscalls]\nAllow=openat\n[Arguments]\nopenat=path prefix /srv\n",
     "t.profile:4: openat: a pointer-content check is TOCTOU-unsafe on stock kernels; set "
     "AllowUnsafePointerChecks=true in [Syscalls] to accept that"},
    {"PointerCompared", "[Syscalls]\nAllow=openat\n[Arguments]\nopenat=path == 0\n",
     "t.profile:4: openat: 'path' is a pointer; only 'prefix' can check what it points to"},
    {"BadId", "[Application]\nId=org example\n",
     "t.profile:2: Id: 'org example' is not an application id"},
    {"RelativeBinary", "[Application]\nBinary=bin/app\n",
     "t.profile:2: Binary: 'bin/app' is not an absolute path"},
    {"BadInclude", "[Application]\nInclude=../etc/passwd\n",
     "t.profile:2: Include: '../etc/passwd' is not a profile name (lower-case letters, "
     "digits, '-' and '_')"},
    {"MissingInclude", "[Application]\nInclude=nothere\n",
     "t.profile:2: Include: no profile 'nothere' in the profile directories"},
    {"BadBool", "[Syscalls]\nAllowUnsafePointerChecks=maybe\n",
     "t.profile:2: AllowUnsafePointerChecks: expected true or false, got 'maybe'"},
    {"KeyFileSyntax", "[Syscalls]\nAllow\n", "t.profile:2: expected 'key=value' or '[Group]'"},
};

class ProfileErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ProfileErrors, NamesFileLineAndProblem) {
    EXPECT_EQ(errorOf(GetParam().text), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(All, ProfileErrors, ::testing::ValuesIn(kErrors),
                         [](const auto& info) { return std::string(info.param.name); });

} // namespace
} // namespace mamori::sandbox
