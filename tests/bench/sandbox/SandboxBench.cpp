// sandbox_bench [--iterations N] [--repeat R]: the seccomp microbenchmark of "Programmable
// System Call Security with eBPF" (Jia et al.): TSC cycles per getppid() call with no filter,
// with libseccomp's two orderings of a server allow-list, and with the filters Mamori compiles
// for the shipped nginx profile (getppid allowed, argument-checked, or sent to the user
// notifier). Reference rows separate seccomp's fixed costs (entering it; running any filter)
// from the filters' own, and "cache off" rows run each program even where the kernel's
// constant-action cache would skip it, as the paper's cBPF rows did. Filters cannot be removed,
// so every measurement runs in a fresh forked child; the rows are interleaved within each
// repetition so machine noise hits all of them alike, and the table shows the median over the
// repetitions.
#include "common/UniqueFd.h"
#include "sandbox/FilterCompiler.h"
#include "sandbox/KernelSeccomp.h"
#include "sandbox/ProfileBuilder.h"
#include "sandbox/ProfileLoader.h"
#include "sandbox/SeccompFilter.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <future>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <optional>
#include <sched.h>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>
#include <x86intrin.h>

// Linux 6.6; Debian 12's kernel headers (6.1) do not have them yet.
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

namespace {

using namespace mamori;
using namespace mamori::sandbox;

// ---------------------------------------------------------------------------------------------
// The measured call

// getppid through the raw `syscall` instruction with rdi = 0: every row executes exactly the
// same instructions, and the argument-checked row's rule (arg0 == 0) holds. seccomp sees the
// registers whether or not the syscall uses them.
inline long rawGetppid() {
    long ret = SYS_getppid;
    asm volatile("syscall" : "+a"(ret) : "D"(0L) : "rcx", "r11", "memory");
    return ret;
}

// lfence keeps the loop's first syscall from starting before the first timestamp; rdtscp
// waits for the last one to retire before the second.
inline std::uint64_t ticksBegin() {
    _mm_lfence();
    const std::uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
}

inline std::uint64_t ticksEnd() {
    unsigned aux = 0;
    const std::uint64_t t = __rdtscp(&aux);
    _mm_lfence();
    return t;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// The loop is timed in chunks and the child reports the chunk median: on a shared machine a
// preemption or an interrupt lands in one chunk instead of inflating the whole loop.
constexpr long kChunks = 100;

double cyclesPerCall(long iterations) {
    for (long i = 0; i < iterations / 10; ++i) { // warm-up: caches, branch predictors
        rawGetppid();
    }
    const long perChunk = std::max(iterations / kChunks, 1L);
    std::vector<double> chunks;
    chunks.reserve(kChunks); // no allocation between the timestamps
    for (long c = 0; c < kChunks; ++c) {
        const std::uint64_t start = ticksBegin();
        for (long i = 0; i < perChunk; ++i) {
            rawGetppid();
        }
        const std::uint64_t end = ticksEnd();
        chunks.push_back(static_cast<double>(end - start) / static_cast<double>(perChunk));
    }
    return median(std::move(chunks));
}

// ---------------------------------------------------------------------------------------------
// Filters

using Program = std::vector<sock_filter>;

Program toProgram(const SeccompFilter& filter) {
    const auto bytes = filter.exportBpf();
    Program program(bytes.size() / sizeof(sock_filter));
    std::memcpy(program.data(), bytes.data(), program.size() * sizeof(sock_filter));
    return program;
}

// The kernel (5.11+) emulates every new filter once per syscall number, knowing only nr and
// arch; where the result is a constant ALLOW it skips the filter from then on. One leading load
// of instruction_pointer defeats that proof for every syscall, so the rest of the program runs
// on each call, as on the paper's kernel for cBPF, before 5.11, or behind an eBPF filter. The
// load costs one instruction: libseccomp's program starts by loading arch into the accumulator,
// which discards it.
Program withoutConstantActionCache(Program program) {
    if (program.empty() || program.front().code != (BPF_LD | BPF_W | BPF_ABS)) {
        throw std::runtime_error("filter does not start with a load; cannot prepend one");
    }
    const sock_filter load =
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, instruction_pointer));
    program.insert(program.begin(), load);
    return program;
}

constexpr const char* kProfileDir = MAMORI_PROFILES_DIR;

// The cheapest filter: a constant ALLOW for every syscall, so the kernel always skips it.
Program allowEverything() {
    return {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
}

// The cheapest filter the kernel has to run: what invoking any filter costs, before its logic.
Program allowEverythingUncached() {
    return {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, instruction_pointer)),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
}

// The shipped nginx profile (with base-server), getppid named explicitly so the row does not
// depend on base-server's list, plus one row-specific section.
Profile nginxProfile(const std::string& extra, const std::string& name) {
    const std::string text =
        "[Application]\nInclude=nginx\n\n[Syscalls]\nAllow=getppid\n\n" + extra;
    return ProfileLoader({kProfileDir}).loadText(text, name + ".profile");
}

struct Compiled {
    Program program;
    std::string getppidPlan;
};

// Compiles like mamori-run does (Full: the supervisor's syscalls stay USER_NOTIF) and checks
// that getppid got the treatment the row is about.
Compiled compileMamori(const Profile& profile, Treatment expected) {
    const auto compiled = FilterCompiler(KernelSeccomp::probe()).compile(profile);
    const SyscallPlan* getppid = compiled.plan.find("getppid");
    if (getppid == nullptr || getppid->treatment != expected) {
        throw std::runtime_error(profile.name + ": getppid is not compiled as the row expects");
    }
    return {toProgram(compiled.filter), getppid->action + "; " + getppid->guaranteeText};
}

// Every syscall the nginx profile allows in some phase: about the set a typical server needs.
std::set<std::string> serverSyscalls(const Profile& profile) {
    std::set<std::string> names;
    for (const auto& phase : profile.phases) {
        for (const auto& entry : ProfileBuilder::allowedIn(profile, phase)) {
            names.insert(entry.first);
        }
    }
    for (const auto& entry : profile.allow) {
        names.insert(entry.first);
    }
    return names;
}

// The paper's policy shape in plain libseccomp: an unconditional allow-list, everything else
// ERRNO. getppid is one of the list like any other.
Program libseccompAllowList(const std::set<std::string>& allowed, std::uint32_t optimize) {
    SeccompFilter filter(SCMP_ACT_ERRNO(ENOSYS));
    filter.setAttribute(SCMP_FLTATR_CTL_OPTIMIZE, optimize);
    for (const auto& name : allowed) {
        const int nr = seccomp_syscall_resolve_name(name.c_str());
        if (nr == __NR_SCMP_ERROR || filter.addRule(SCMP_ACT_ALLOW, nr, {}) < 0) {
            throw std::runtime_error("libseccomp refused " + name);
        }
    }
    return toProgram(filter);
}

// Syscall numbers libseccomp knows on x86_64: the policy's allowed + denied.
int knownSyscalls() {
    int count = 0;
    for (int nr = 0; nr < 1024; ++nr) {
        if (char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr)) {
            std::free(name);
            ++count;
        }
    }
    return count;
}

// ---------------------------------------------------------------------------------------------
// CPU placement

// The CPUs this process may run on, in order.
std::vector<int> usableCpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
            if (CPU_ISSET(cpu, &set)) {
                cpus.push_back(cpu);
            }
        }
    }
    return cpus;
}

// Pins the calling thread; -1 leaves it to the scheduler.
void pinTo(int cpu) {
    if (cpu < 0) {
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        throw std::runtime_error("sched_setaffinity(" + std::to_string(cpu) +
                                 "): " + std::strerror(errno));
    }
}

// ---------------------------------------------------------------------------------------------
// The user-notifier supervisor

// Answers every notification with CONTINUE (the syscall then runs as if allowed): the cheapest
// possible supervisor, so the row shows the notifier's own round trip. Its thread starts
// before the filter is installed on the measuring thread, without TSYNC, so the supervisor
// itself is not filtered (threads inherit only the filters installed before they were made).
// With syncWakeUp (6.6+) the kernel wakes each side on the waker's CPU, for a ping-pong like
// this one. cpu >= 0 pins the thread.
class ContinueSupervisor {
public:
    ContinueSupervisor(bool syncWakeUp, int cpu)
        : syncWakeUp_(syncWakeUp)
        , cpu_(cpu)
        , thread_([this, fd = listener_.get_future()]() mutable { run(fd.get()); }) {}
    ~ContinueSupervisor() { stop(); }
    ContinueSupervisor(const ContinueSupervisor&) = delete;
    ContinueSupervisor& operator=(const ContinueSupervisor&) = delete;

    void serve(int listenerFd) {
        listener_.set_value(listenerFd);
        served_ = true;
    }

    // The last notification tells the thread to finish: it answers it, sees the flag, returns.
    // Returns the supervisor's error, if any.
    std::string stop() {
        if (!thread_.joinable()) {
            return error_;
        }
        stopping_ = true;
        if (served_) {
            rawGetppid();
        } else {
            listener_.set_value(-1);
        }
        thread_.join();
        return error_;
    }

private:
    void run(int fd) {
        const UniqueFd listener(fd); // closing it turns further notifications into ENOSYS
        try {
            pinTo(listener ? cpu_ : -1);
        } catch (const std::exception& e) {
            error_ = e.what();
            return;
        }
        if (listener && syncWakeUp_ &&
            ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_SET_FLAGS,
                  SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0) {
            error_ = std::string("NOTIF_SET_FLAGS: ") + std::strerror(errno);
            return;
        }
        while (listener && !stopping_) {
            seccomp_notif request{}; // RECV insists on a zeroed buffer
            if (ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_RECV, &request) < 0) {
                if (errno == EINTR) {
                    continue;
                }
                error_ = std::string("NOTIF_RECV: ") + std::strerror(errno);
                return;
            }
            seccomp_notif_resp response{};
            response.id = request.id;
            response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
            // ENOENT: the caller was interrupted meanwhile; nothing to answer.
            if (ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_SEND, &response) < 0 && errno != ENOENT) {
                error_ = std::string("NOTIF_SEND: ") + std::strerror(errno);
                return;
            }
        }
    }

    const bool syncWakeUp_;
    const int cpu_;
    std::promise<int> listener_;
    std::atomic<bool> stopping_ = false;
    bool served_ = false;
    std::string error_;
    std::thread thread_; // last: starts after everything it uses exists
};

// ---------------------------------------------------------------------------------------------
// Rows and their children

enum class Install {
    None,
    Prctl,    // prctl(PR_SET_SECCOMP): no listener
    Listener, // seccomp(NEW_LISTENER), answered by a ContinueSupervisor
};

// Where the measuring thread and the supervisor run. A notification is a wake-up in each
// direction, and waking a halted vCPU is expensive, so the placement dominates the cost.
enum class Placement { Scheduler, SameCpu, TwoCpus };

struct NotifierSetup {
    bool syncWakeUp = false; // listener flagged SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
    Placement placement = Placement::Scheduler;
};

struct Row {
    std::string id;
    std::string filter;
    std::string paper; // the paper's figure for the same kind of filter, or empty
    Program program = {};
    Install install = Install::Prctl;
    NotifierSetup notifier = {};
    // Installed after `program`, as a phase switch stacks the phase's filter (Prctl only).
    Program stacked = {};
    std::vector<double> cycles = {};

    std::string instructions() const {
        const std::string first = std::to_string(program.size());
        return stacked.empty() ? first : first + " + " + std::to_string(stacked.size());
    }
};

// A row whose child installs its program with prctl, then `stacked` if any.
Row filterRow(std::string id, std::string filter, std::string paper, Program program,
              Program stacked = {}) {
    return {.id = std::move(id),
            .filter = std::move(filter),
            .paper = std::move(paper),
            .program = std::move(program),
            .install = Install::Prctl,
            .stacked = std::move(stacked)};
}

// A row whose child answers its own notifications on a supervisor thread.
Row notifierRow(std::string id, std::string filter, std::string paper, Program program,
                NotifierSetup setup) {
    return {.id = std::move(id),
            .filter = std::move(filter),
            .paper = std::move(paper),
            .program = std::move(program),
            .install = Install::Listener,
            .notifier = setup};
}

struct Cpus {
    int measuring = -1;
    int supervisor = -1;
};

Cpus cpusFor(Placement placement) {
    if (placement == Placement::Scheduler) {
        return {};
    }
    const auto cpus = usableCpus();
    if (cpus.size() < (placement == Placement::TwoCpus ? 2U : 1U)) {
        throw std::runtime_error("not enough usable CPUs for the placement");
    }
    return {cpus[0], placement == Placement::TwoCpus ? cpus[1] : cpus[0]};
}

sock_fprog fprog(const Program& program) {
    return {static_cast<unsigned short>(program.size()), const_cast<sock_filter*>(program.data())};
}

void installWithPrctl(const Program& program) {
    // USER_NOTIF rules for syscalls this child never makes are fine without a listener.
    sock_fprog prog = fprog(program);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
        throw std::runtime_error(std::string("PR_SET_SECCOMP: ") + std::strerror(errno));
    }
}

// Installs on the calling thread only (no TSYNC). Returns the listener fd for notifier rows.
UniqueFd install(const Row& row) {
    if (row.install == Install::None) {
        return {};
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        throw std::runtime_error(std::string("PR_SET_NO_NEW_PRIVS: ") + std::strerror(errno));
    }
    if (row.install == Install::Prctl) {
        installWithPrctl(row.program);
        if (!row.stacked.empty()) {
            installWithPrctl(row.stacked);
        }
        return {};
    }
    sock_fprog prog = fprog(row.program);
    UniqueFd listener(static_cast<int>(
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog)));
    if (!listener) {
        throw std::runtime_error(std::string("seccomp(NEW_LISTENER): ") + std::strerror(errno));
    }
    return listener;
}

struct ChildResult {
    double cycles = 0;
    char error[240] = {};
};

ChildResult measureHere(const Row& row, long iterations, pid_t parent) {
    std::optional<ContinueSupervisor> supervisor;
    if (row.install == Install::Listener) {
        const Cpus cpus = cpusFor(row.notifier.placement);
        pinTo(cpus.measuring);
        // Before install: the supervisor's thread stays unfiltered.
        supervisor.emplace(row.notifier.syncWakeUp, cpus.supervisor);
    }
    UniqueFd listener = install(row);
    if (supervisor) {
        supervisor->serve(listener.release());
    }
    // A filter that refused getppid would time the refusal instead (ENOSYS, or a hang).
    if (rawGetppid() != parent) {
        const std::string why = supervisor ? supervisor->stop() : std::string();
        throw std::runtime_error("getppid does not reach the kernel under this filter" +
                                 (why.empty() ? "" : " (supervisor: " + why + ")"));
    }
    ChildResult result;
    result.cycles = cyclesPerCall(iterations);
    if (supervisor) {
        if (const std::string error = supervisor->stop(); !error.empty()) {
            throw std::runtime_error("supervisor: " + error);
        }
    }
    return result;
}

// After the measurement the child only joins the supervisor (futex), write()s and exits: every
// filter here allows those.
[[noreturn]] void childMain(const Row& row, long iterations, pid_t parent, const UniqueFd& out) {
    ChildResult result;
    try {
        result = measureHere(row, iterations, parent);
    } catch (const std::exception& e) {
        std::snprintf(result.error, sizeof result.error, "%s", e.what());
    }
    const bool sent = write(out.get(), &result, sizeof result) == sizeof result;
    _exit(sent ? 0 : 1);
}

double measureInChild(const Row& row, long iterations) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    UniqueFd in(fds[0]);
    UniqueFd out(fds[1]);
    const pid_t parent = getpid();
    std::fflush(nullptr); // the child exits with _exit, but must not inherit pending output
    const pid_t child = fork();
    if (child < 0) {
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (child == 0) {
        in.reset();
        childMain(row, iterations, parent, out);
    }
    out.reset();
    ChildResult result;
    const bool received = read(in.get(), &result, sizeof result) == sizeof result;
    int status = 0;
    waitpid(child, &status, 0);
    if (!received || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error(row.id + ": child failed (status " + std::to_string(status) + ")");
    }
    if (result.error[0] != 0) {
        throw std::runtime_error(row.id + ": " + result.error);
    }
    return result.cycles;
}

// ---------------------------------------------------------------------------------------------
// Report

std::string cpuModel() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.starts_with("model name")) {
            return line.substr(line.find(':') + 2);
        }
    }
    return "unknown";
}

std::string firstLine(const char* path) {
    std::ifstream file(path);
    std::string line;
    std::getline(file, line);
    return line;
}

// TSC ticks per second, against the monotonic clock over 100 ms: says what a "cycle" is here
// (rdtsc counts at a constant rate, not at the core's current clock).
double tscGhz() {
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t ticks = ticksBegin();
    while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(100)) {
    }
    const double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    return static_cast<double>(ticksEnd() - ticks) / ns;
}

void printMachine(long iterations, int repeat) {
    utsname uts{};
    uname(&uts);
    const scmp_version* version = seccomp_version();
    std::printf("Machine: %s, %u logical CPUs, kernel %s, TSC %.2f GHz, libseccomp %u.%u.%u, "
                "load average %s\n",
                cpuModel().c_str(), std::thread::hardware_concurrency(), uts.release, tscGhz(),
                version->major, version->minor, version->micro,
                firstLine("/proc/loadavg").substr(0, 14).c_str());
    std::printf("Method: cycles = TSC ticks (lfence; rdtsc ... rdtscp; lfence) around %ld getppid "
                "calls (%ld through the notifier) after a warm-up of a tenth as many, timed in %ld "
                "chunks (a child's figure: the chunk median); each row in a fresh forked child; "
                "median over %d repetitions, rows interleaved; min-max over the repetitions.\n\n",
                iterations, iterations / 10, kChunks, repeat);
}

// Row 1 is no filter, row 1b the cheapest filter there is: the difference is what entering
// seccomp at all costs, which no filter design can avoid.
void printTable(const std::vector<Row>& rows) {
    const double none = median(rows.at(0).cycles);
    const double floor = median(rows.at(1).cycles);
    std::printf("| row | filter | BPF insns | cycles/call (median) | min-max | filter cost (row - "
                "none) | relative to none | row - 1b | paper (cycles/call) |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
    for (const Row& row : rows) {
        const double m = median(row.cycles);
        const auto [lo, hi] = std::minmax_element(row.cycles.begin(), row.cycles.end());
        std::printf("| %s | %s | %s | %.1f | %.1f-%.1f | %+.1f | %.2fx | %+.1f | %s |\n",
                    row.id.c_str(), row.filter.c_str(), row.instructions().c_str(), m, *lo, *hi,
                    m - none, m / none, m - floor, row.paper.c_str());
    }
}

// ---------------------------------------------------------------------------------------------
// Main

struct Options {
    long iterations = 200'000;
    int repeat = 11;
};

void usage(FILE* to) {
    std::fprintf(to,
                 "usage: sandbox_bench [--iterations N] [--repeat R]\n"
                 "  Cycles per getppid() call under seccomp filters, one fresh child per row and\n"
                 "  repetition; prints Markdown for docs/benchmarks.md. Run as root or not (it\n"
                 "  sets no_new_privs), from a release build, on an otherwise idle machine.\n"
                 "  --iterations N  calls per measurement (default 200000; the notifier rows\n"
                 "                  make N/10), at least 1000\n"
                 "  --repeat R      repetitions, each in fresh children (default 11)\n");
}

std::optional<Options> parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            usage(stdout);
            std::exit(0);
        }
        if (i + 1 >= argc || (arg != "--iterations" && arg != "--repeat")) {
            return std::nullopt;
        }
        const long value = std::strtol(argv[++i], nullptr, 10);
        if (value <= 0) {
            return std::nullopt;
        }
        if (arg == "--iterations") {
            options.iterations = std::max(value, 1000L); // 100 chunks of 10 or more
        } else {
            options.repeat = static_cast<int>(value);
        }
    }
    return options;
}

// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (6.6+), tried on a listener in a throw-away child.
bool kernelHasSyncWakeUp() {
    const Row probe = notifierRow("probe", "", "", allowEverything(), {});
    std::fflush(nullptr);
    const pid_t child = fork();
    if (child == 0) {
        try {
            const UniqueFd listener = install(probe);
            _exit(ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_SET_FLAGS,
                        SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0
                      ? 0
                      : 1);
        } catch (const std::exception&) {
            _exit(1);
        }
    }
    int status = 0;
    return child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

std::vector<Row> buildRows() {
    const Profile allowed = nginxProfile("", "nginx-getppid");
    const auto servers = serverSyscalls(allowed);
    const auto plain = compileMamori(allowed, Treatment::Allow);
    const auto checked =
        compileMamori(nginxProfile("[Arguments]\ngetppid=arg0 == 0\n", "nginx-getppid-arg"),
                      Treatment::ArgumentCheck);
    const auto notified = compileMamori(
        nginxProfile("[Limits]\ngetppid=2147483647\n", "nginx-getppid-notify"), Treatment::Notify);
    const auto linear = libseccompAllowList(servers, 1);
    const auto tree = libseccompAllowList(servers, 2);
    const int known = knownSyscalls();

    std::printf("Policy of rows 2-3: libseccomp allow-list of the %zu syscalls the nginx profile "
                "allows in some phase; the other %d of the %d syscalls libseccomp knows on "
                "x86_64 get ERRNO(ENOSYS).\n",
                servers.size(), known - static_cast<int>(servers.size()), known);
    std::printf(
        "Rows 4-6: packaging/profiles/nginx.profile (+ base-server) compiled by "
        "FilterCompiler (CompileMode::Full), its first filter only; getppid: %s | %s | %s.\n",
        plain.getppidPlan.c_str(), checked.getppidPlan.c_str(), notified.getppidPlan.c_str());
    std::printf("Rows marked \"cache off\": the same program behind one leading load of "
                "instruction_pointer, so the kernel's constant-action cache cannot skip it. "
                "Rows 1b and 1c: what any filter costs, skipped (1b) or run (1c).\n\n");

    const std::string bitmap = "297.60 (constant-action bitmap)";
    const std::string notifier = "15045.05 (user notifier)";
    std::vector<Row> rows{
        {.id = "1", .filter = "none", .paper = "244.18", .install = Install::None},
        filterRow("1b", "one instruction: `ret ALLOW` (seccomp on, filter skipped)", bitmap,
                  allowEverything()),
        filterRow("1c", "two instructions: `ld instruction_pointer; ret ALLOW` (filter runs)", "",
                  allowEverythingUncached()),
        filterRow("2", "libseccomp default ordering (OPTIMIZE=1)", bitmap, linear),
        filterRow("2b", "libseccomp default ordering, cache off",
                  "493.06 (cBPF, libseccomp default)", withoutConstantActionCache(linear)),
        filterRow("3", "libseccomp binary tree (OPTIMIZE=2)", bitmap, tree),
        filterRow("3b", "libseccomp binary tree, cache off", "329.47 (cBPF, binary search)",
                  withoutConstantActionCache(tree)),
        filterRow("4", "Mamori nginx, getppid constant ALLOW", bitmap, plain.program),
        filterRow("4b", "Mamori nginx, cache off", "", withoutConstantActionCache(plain.program)),
        filterRow("5", "Mamori nginx, getppid `arg0 == 0` (argument check in filter)",
                  "331.73 (eBPF)", checked.program),
        filterRow("5b",
                  "as 5, plus a stacked one-instruction `ret ALLOW` (as after a phase switch)", "",
                  checked.program, allowEverything()),
        notifierRow("6",
                    "Mamori nginx, getppid USER_NOTIF, supervisor CONTINUE (threads where the "
                    "scheduler puts them)",
                    notifier, notified.program, {}),
        notifierRow("6b", "as 6, both threads pinned to one CPU", "", notified.program,
                    {.placement = Placement::SameCpu}),
    };
    if (usableCpus().size() >= 2) {
        rows.push_back(notifierRow("6c", "as 6, threads pinned to two CPUs", "", notified.program,
                                   {.placement = Placement::TwoCpus}));
    }
    if (kernelHasSyncWakeUp()) {
        rows.push_back(notifierRow("6d", "as 6, listener with SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP",
                                   "", notified.program, {.syncWakeUp = true}));
    }
    return rows;
}

} // namespace

int main(int argc, char** argv) {
    const auto options = parse(argc, argv);
    if (!options) {
        usage(stderr);
        return 2;
    }
    try {
        printMachine(options->iterations, options->repeat);
        std::vector<Row> rows = buildRows();
        for (int r = 0; r < options->repeat; ++r) {
            for (Row& row : rows) {
                const long n = row.install == Install::Listener ? options->iterations / 10
                                                                : options->iterations;
                row.cycles.push_back(measureInChild(row, n));
            }
        }
        printTable(rows);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandbox_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
