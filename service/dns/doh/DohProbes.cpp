#include "dns/doh/DohProbes.h"

#include "common/Errors.h"
#include "common/Log.h"
#include "common/UniqueFd.h"
#include "kernel/BpfError.h"
#include "kernel/BpfLink.h"
#include "kernel/BpfSkeleton.h"
#include "kernel/RingBufferReader.h"

#include <array>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <map>
#include <optional>
#include <poll.h>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <tuple>
#include <unistd.h>
#include <utility>

// The shared header needs __u32/__u64 first, and the skeleton names its structs.
// clang-format off
#include <linux/types.h>
#include "doh_monitor.h"
#include "doh_monitor.skel.h"
// clang-format on

template <> struct mamori::kernel::SkeletonTraits<doh_monitor> {
    static constexpr std::string_view name = "doh_monitor";
    static doh_monitor* open() { return doh_monitor__open(); }
    static int load(doh_monitor* skel) { return doh_monitor__load(skel); }
    static void destroy(doh_monitor* skel) { doh_monitor__destroy(skel); }
};

namespace mamori::dns {

namespace {

using Skeleton = kernel::BpfSkeleton<doh_monitor>;

static_assert(static_cast<int>(ConnectionVerdict::Undecided) == DOH_VERDICT_UNDECIDED);
static_assert(static_cast<int>(ConnectionVerdict::Doh) == DOH_VERDICT_DOH);
static_assert(static_cast<int>(ConnectionVerdict::NotDoh) == DOH_VERDICT_NOT_DOH);

constexpr std::size_t kEventHeaderSize = offsetof(doh_tls_event, data);

// A file as /proc/<pid>/maps and the kernel's events identify it.
struct FileKey {
    dev_t device = 0;
    ino_t inode = 0;
    // Spelled out: clang-tidy 14 misreads a defaulted operator<=> (modernize-use-nullptr).
    bool operator<(const FileKey& other) const {
        return std::tie(device, inode) < std::tie(other.device, other.inode);
    }
    bool operator==(const FileKey& other) const {
        return device == other.device && inode == other.inode;
    }
};

// The kernel's dev_t is major << 20 | minor; user space's is makedev(major, minor).
constexpr unsigned kKernelMinorBits = 20;
constexpr std::uint64_t kKernelMinorMask = (1ULL << kKernelMinorBits) - 1;

FileKey fromKernel(std::uint64_t device, std::uint64_t inode) {
    return FileKey{makedev(static_cast<unsigned>(device >> kKernelMinorBits),
                           static_cast<unsigned>(device & kKernelMinorMask)),
                   static_cast<ino_t>(inode)};
}

doh_file_key toKernel(const FileKey& key) {
    doh_file_key kernelKey{};
    kernelKey.device = (static_cast<std::uint64_t>(major(key.device)) << kKernelMinorBits) |
                       (minor(key.device) & kKernelMinorMask);
    kernelKey.inode = key.inode;
    return kernelKey;
}

FileKey keyOf(const FoundLibrary& library) {
    return FileKey{library.device, library.inode};
}

FoundLibrary::Kind kindOfReport(__u32 kind) {
    switch (kind) {
    case DOH_FILE_OPENSSL:
        return FoundLibrary::Kind::OpenSsl;
    case DOH_FILE_GNUTLS:
        return FoundLibrary::Kind::GnuTls;
    default:
        return FoundLibrary::Kind::DynamicLoader;
    }
}

// One function to probe: its entry program, and whether its return goes to tls_call_return.
struct ProbeSpec {
    const char* function;
    bpf_program* entry;
    bool withReturn;
    // Without it the file is not worth probing (the library is not what its name says).
    bool required;
};

std::vector<ProbeSpec> probesFor(FoundLibrary::Kind kind, const doh_monitor& skel) {
    const auto& p = skel.progs;
    switch (kind) {
    case FoundLibrary::Kind::OpenSsl:
        return {
            {"SSL_write", p.ssl_write_entry, true, true},
            {"SSL_read", p.ssl_read_entry, true, true},
            // OpenSSL 1.1.1+; CPython 3.10+ calls only these.
            {"SSL_write_ex", p.ssl_write_ex_entry, true, false},
            {"SSL_read_ex", p.ssl_read_ex_entry, true, false},
            {"SSL_ctrl", p.ssl_ctrl_entry, false, false},
            {"SSL_free", p.tls_connection_free, false, false},
        };
    case FoundLibrary::Kind::GnuTls:
        return {
            {"gnutls_record_send", p.gnutls_send_entry, true, true},
            {"gnutls_record_recv", p.gnutls_recv_entry, true, true},
            {"gnutls_server_name_set", p.gnutls_server_name_set_entry, false, false},
            // Corked sends are sent again by uncork (see doh_monitor.bpf.c).
            {"gnutls_record_cork", p.gnutls_cork_entry, false, false},
            {"gnutls_record_uncork", p.gnutls_uncork_entry, false, false},
            {"gnutls_deinit", p.tls_connection_free, false, false},
        };
    case FoundLibrary::Kind::DynamicLoader:
        return {{"_dl_debug_state", p.loader_state_changed, false, true}};
    }
    return {};
}

std::string_view kindName(FoundLibrary::Kind kind) {
    switch (kind) {
    case FoundLibrary::Kind::OpenSsl:
        return "OpenSSL";
    case FoundLibrary::Kind::GnuTls:
        return "GnuTLS";
    case FoundLibrary::Kind::DynamicLoader:
        return "dynamic loader";
    }
    return "library";
}

// Every process that maps the file, now and later: the probe sits on the inode.
constexpr pid_t kAllProcesses = -1;

bpf_link* attachUprobe(bpf_program* program, const std::filesystem::path& file,
                       const char* function, bool retprobe, pid_t pid) {
    bpf_uprobe_opts opts{};
    opts.sz = sizeof(opts);
    opts.retprobe = retprobe;
    opts.func_name = function;
    return bpf_program__attach_uprobe_opts(program, pid, file.c_str(), 0, &opts);
}

// Tags of the epoll set's members: the two ring buffers, and watched processes' pidfds (the
// pid in the low 32 bits).
constexpr std::uint64_t kTagRingBuffer = 0;
constexpr std::uint64_t kTagProcess = 1ULL << 32;

template <typename T> T fieldAt(std::span<const std::byte> record, std::size_t offset) {
    T value{};
    std::memcpy(&value, record.data() + offset, sizeof(T));
    return value;
}

std::optional<TlsEvent> decodeEvent(std::span<const std::byte> record) {
    if (record.size() < kEventHeaderSize) {
        return std::nullopt;
    }
    const auto kind = fieldAt<__u32>(record, offsetof(doh_tls_event, kind));
    const auto library = fieldAt<__u32>(record, offsetof(doh_tls_event, library));
    const auto dataLength = fieldAt<__u32>(record, offsetof(doh_tls_event, data_length));
    if (kind > DOH_EVENT_SERVER_NAME ||
        (library != DOH_LIBRARY_OPENSSL && library != DOH_LIBRARY_GNUTLS) ||
        dataLength > record.size() - kEventHeaderSize) {
        return std::nullopt;
    }
    TlsEvent event;
    event.kind = static_cast<TlsEvent::Kind>(kind);
    event.library =
        library == DOH_LIBRARY_OPENSSL ? TlsEvent::Library::OpenSsl : TlsEvent::Library::GnuTls;
    event.connection = fieldAt<__u64>(record, offsetof(doh_tls_event, connection));
    event.pid = fieldAt<__u32>(record, offsetof(doh_tls_event, pid));
    event.tid = fieldAt<__u32>(record, offsetof(doh_tls_event, tid));
    event.cgroupId = fieldAt<__u64>(record, offsetof(doh_tls_event, cgroup_id));
    event.totalLength = fieldAt<__u32>(record, offsetof(doh_tls_event, total_length));
    const auto* comm = reinterpret_cast<const char*>(record.data() + offsetof(doh_tls_event, comm));
    event.comm.assign(comm, ::strnlen(comm, DOH_COMM_LEN));
    const auto* data = reinterpret_cast<const std::uint8_t*>(record.data() + kEventHeaderSize);
    event.data.assign(data, data + dataLength);
    return event;
}

static_assert(static_cast<int>(TlsEvent::Kind::Write) == DOH_EVENT_WRITE);
static_assert(static_cast<int>(TlsEvent::Kind::Read) == DOH_EVENT_READ);
static_assert(static_cast<int>(TlsEvent::Kind::ServerName) == DOH_EVENT_SERVER_NAME);

} // namespace

struct DohProbes::State {
    struct Attachment {
        FoundLibrary library;
        std::vector<kernel::BpfLink> links;
    };
    // A process probed in WatchedProcesses scope: its pidfd says when it exits.
    struct WatchedProcess {
        UniqueFd pidfd;
        std::map<FileKey, Attachment> attached;
    };

    EventCallback onEvent;
    Scope scope = Scope::AllProcesses;
    TlsLibraryFinder finder;
    // Declared first: the readers and links below go before the program and its maps.
    Skeleton skel;
    std::optional<kernel::RingBufferReader> tlsReader;
    std::optional<kernel::RingBufferReader> fileReader;
    UniqueFd epoll;
    kernel::BpfLink execLink;
    std::map<FileKey, Attachment> attached;
    std::map<pid_t, WatchedProcess> watched;
    bool warnedWatchLimit = false;
    // Files that could not be attached; reported known to the kernel so that it stops asking.
    std::set<FileKey> refused;
    std::vector<doh_file_event> fileReports;
    bool active = false;
    std::uint64_t decidedDoh = 0;
    std::uint64_t decidedNotDoh = 0;

    void markKnown(const FileKey& key, FoundLibrary::Kind kind) {
        const doh_file_key kernelKey = toKernel(key);
        const __u32 value = kind == FoundLibrary::Kind::OpenSsl  ? DOH_FILE_OPENSSL
                            : kind == FoundLibrary::Kind::GnuTls ? DOH_FILE_GNUTLS
                                                                 : DOH_FILE_LOADER;
        // A full map only means the kernel keeps reporting the file; harmless.
        (void)bpf_map__update_elem(skel->maps.known_files, &kernelKey, sizeof kernelKey, &value,
                                   sizeof value, BPF_ANY);
    }

    void forgetKnown(const FileKey& key) {
        const doh_file_key kernelKey = toKernel(key);
        (void)bpf_map__delete_elem(skel->maps.known_files, &kernelKey, sizeof kernelKey, 0);
    }

    std::vector<kernel::BpfLink> attachProbes(const FoundLibrary& library, pid_t pid) {
        std::vector<kernel::BpfLink> links;
        for (const auto& probe : probesFor(library.kind, *skel)) {
            const std::string where = std::string(probe.function) + " in " + library.path.string();
            // The return probe first: a call entered in between then finds no return probe,
            // rather than leaving a saved call behind.
            if (probe.withReturn) {
                bpf_link* link = attachUprobe(skel->progs.tls_call_return, library.path,
                                              probe.function, true, pid);
                if (link == nullptr && !probe.required && errno == ENOENT) {
                    continue; // an older library without this function
                }
                links.push_back(kernel::BpfLink::adopt(link, "attach uretprobe " + where));
            }
            bpf_link* link = attachUprobe(probe.entry, library.path, probe.function, false, pid);
            if (link == nullptr && !probe.required && errno == ENOENT) {
                continue;
            }
            links.push_back(kernel::BpfLink::adopt(link, "attach uprobe " + where));
        }
        return links;
    }

    void attachFile(const FoundLibrary& library) {
        const FileKey key = keyOf(library);
        if (attached.contains(key) || refused.contains(key)) {
            return;
        }
        try {
            auto links = attachProbes(library, kAllProcesses);
            attached.emplace(key, Attachment{library, std::move(links)});
        } catch (const kernel::BpfError& error) {
            log::warning("DoH monitor: not probing " + std::string(kindName(library.kind)) + " " +
                         library.path.string() + ": " + error.what());
            refused.insert(key);
        }
        markKnown(key, library.kind);
    }

    // The reporting process's maps name the file (and whatever else is new there). When they
    // do not (the process is gone, or exec'd again), nothing is attached: the kernel reports
    // the file again with the next process that maps it.
    void handleFileReport(const doh_file_event& report) {
        const FileKey key = fromKernel(report.device, report.inode);
        if (attached.contains(key) || refused.contains(key)) {
            markKnown(key, kindOfReport(report.kind));
            return;
        }
        for (const auto& library : finder.inProcess(static_cast<pid_t>(report.pid))) {
            attachFile(library);
        }
    }

    void attachInProcess(pid_t pid, WatchedProcess& process) {
        for (const auto& library : finder.inProcess(pid)) {
            const FileKey key = keyOf(library);
            if (library.kind == FoundLibrary::Kind::DynamicLoader ||
                process.attached.contains(key) || refused.contains(key)) {
                continue;
            }
            try {
                const auto started = std::chrono::steady_clock::now();
                auto links = attachProbes(library, pid);
                log::debug("DoH monitor: probed " + library.path.string() + " in process " +
                           std::to_string(pid) + " in " +
                           std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - started)
                                              .count()) +
                           " us");
                process.attached.emplace(key, Attachment{library, std::move(links)});
            } catch (const kernel::BpfError& error) {
                if (error.error() == ESRCH) {
                    return; // the process exited meanwhile; the library is fine
                }
                log::warning("DoH monitor: not probing " + std::string(kindName(library.kind)) +
                             " " + library.path.string() + " in process " + std::to_string(pid) +
                             ": " + error.what());
                refused.insert(key);
            }
        }
    }

    bool watch(pid_t pid) {
        if (auto it = watched.find(pid); it != watched.end()) {
            pollfd exited{it->second.pidfd.get(), POLLIN, 0};
            if (::poll(&exited, 1, 0) == 0) {
                attachInProcess(pid, it->second);
                return true;
            }
            watched.erase(it); // that process is gone; this pid is a new one
        }
        if (watched.size() >= kMaxWatchedProcesses) {
            if (!warnedWatchLimit) {
                log::warning("DoH monitor: " + std::to_string(kMaxWatchedProcesses) +
                             " processes are probed already; more are not until some exit");
                warnedWatchLimit = true;
            }
            return false;
        }
        WatchedProcess process;
        process.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
        if (!process.pidfd) {
            return false; // gone already
        }
        epoll_event interest{};
        interest.events = EPOLLIN;
        interest.data.u64 = kTagProcess | static_cast<std::uint32_t>(pid);
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, process.pidfd.get(), &interest) != 0) {
            throw kernel::BpfError("watch a process probed by the DoH monitor", errno);
        }
        attachInProcess(pid, process);
        watched.emplace(pid, std::move(process));
        return true;
    }

    // Exited watched processes leave; their links (and pidfds, out of the epoll set) close.
    void forgetExited() {
        std::array<epoll_event, 32> ready{};
        int count = 0;
        while ((count = ::epoll_wait(epoll.get(), ready.data(), static_cast<int>(ready.size()),
                                     0)) > 0) {
            bool any = false;
            for (int i = 0; i < count; ++i) {
                const std::uint64_t tag = ready.at(static_cast<std::size_t>(i)).data.u64;
                if ((tag & kTagProcess) != 0) {
                    watched.erase(static_cast<pid_t>(tag & 0xffffffffU));
                    warnedWatchLimit = false;
                    any = true;
                }
            }
            if (!any) {
                return; // only the ring buffers are ready; onReadable() consumes them
            }
        }
    }
};

DohProbes::DohProbes(EventCallback onEvent, Scope scope, TlsLibraryFinder finder)
    : state_(std::make_unique<State>()) {
    state_->onEvent = std::move(onEvent);
    state_->scope = scope;
    state_->finder = std::move(finder);
    state_->skel = Skeleton::open();
    state_->skel.load();
    state_->skel->bss->monitor_config.exempt_tgid = static_cast<__u32>(::getpid());

    State* state = state_.get();
    state_->tlsReader.emplace(bpf_map__fd(state_->skel->maps.events),
                              [state](std::span<const std::byte> record) {
                                  if (auto event = decodeEvent(record)) {
                                      state->onEvent(*event);
                                  }
                                  return 0;
                              });
    state_->fileReader.emplace(bpf_map__fd(state_->skel->maps.file_events),
                               [state](std::span<const std::byte> record) {
                                   doh_file_event report{};
                                   if (record.size() == sizeof(report)) {
                                       std::memcpy(&report, record.data(), sizeof(report));
                                       state->fileReports.push_back(report);
                                   }
                                   return 0;
                               });
    state_->epoll.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!state_->epoll) {
        throw kernel::BpfError("create the DoH monitor's epoll set", errno);
    }
    for (const int fd : {state_->fileReader->fd(), state_->tlsReader->fd()}) {
        epoll_event interest{};
        interest.events = EPOLLIN;
        interest.data.u64 = kTagRingBuffer;
        if (::epoll_ctl(state_->epoll.get(), EPOLL_CTL_ADD, fd, &interest) != 0) {
            throw kernel::BpfError("watch the DoH monitor's ring buffers", errno);
        }
    }
    attachAll();
}

DohProbes::~DohProbes() = default;
DohProbes::DohProbes(DohProbes&&) noexcept = default;
DohProbes& DohProbes::operator=(DohProbes&&) noexcept = default;

int DohProbes::fd() const {
    return state_->epoll.get();
}

// File reports first: a library attached now catches the calls still to come.
void DohProbes::onReadable() {
    state_->forgetExited();
    state_->fileReader->consume();
    auto reports = std::exchange(state_->fileReports, {});
    if (state_->active) {
        for (const auto& report : reports) {
            state_->handleFileReport(report);
        }
    }
    state_->tlsReader->consume();
}

bool DohProbes::watchProcess(pid_t pid) {
    if (pid <= 0) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "DoH monitor: " + std::to_string(pid) + " is not a process id");
    }
    if (state_->scope != Scope::WatchedProcesses || !state_->active ||
        static_cast<std::uint32_t>(pid) == state_->skel->bss->monitor_config.exempt_tgid) {
        return false;
    }
    return state_->watch(pid);
}

std::size_t DohProbes::watchedProcesses() const {
    return state_->watched.size();
}

bool DohProbes::watches(pid_t pid) const {
    return state_->watched.contains(pid);
}

void DohProbes::setVerdict(std::uint32_t pid, std::uint64_t connection, Verdict verdict) {
    if (pid == 0) {
        throw MamoriError(ErrorCode::InvalidArgs, "DoH verdict: pid 0 is not a process");
    }
    if (connection == 0) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "DoH verdict: connection 0 is not a TLS connection");
    }
    doh_connection_key key{};
    key.tgid = pid;
    key.connection = connection;
    doh_connection_state value{};
    value.verdict = static_cast<__u32>(verdict);
    // BPF_EXIST: a connection the kernel no longer tracks (freed) must not come back to life
    // for the next connection that gets its address.
    const int rc = bpf_map__update_elem(state_->skel->maps.connections, &key, sizeof key, &value,
                                        sizeof value, BPF_EXIST);
    if (rc == -ENOENT) {
        return;
    }
    kernel::throwIfNegative(rc, "set the verdict of a TLS connection (doh_monitor)");
    if (verdict == Verdict::Doh) {
        ++state_->decidedDoh;
    } else if (verdict == Verdict::NotDoh) {
        ++state_->decidedNotDoh;
    }
}

DohProbes::Counters DohProbes::counters() const {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) {
        throw kernel::BpfError("count possible CPUs (doh_monitor)", -cpus);
    }
    std::array<std::uint64_t, DOH_CTR_COUNT> sums{};
    std::vector<__u64> perCpu(static_cast<std::size_t>(cpus));
    for (__u32 slot = 0; slot < DOH_CTR_COUNT; ++slot) {
        kernel::throwIfNegative(bpf_map__lookup_elem(state_->skel->maps.counters, &slot,
                                                     sizeof slot, perCpu.data(),
                                                     perCpu.size() * sizeof(__u64), 0),
                                "read counters (doh_monitor)");
        for (const __u64 value : perCpu) {
            sums.at(slot) += value;
        }
    }
    Counters counters;
    counters.events = sums[DOH_CTR_EVENTS];
    counters.bytesCopied = sums[DOH_CTR_BYTES];
    counters.eventsDropped = sums[DOH_CTR_DROPPED];
    counters.budgetSpent = sums[DOH_CTR_BUDGET_SPENT];
    counters.earlyRejected = sums[DOH_CTR_EARLY_REJECTED];
    counters.decidedDoh = state_->decidedDoh;
    counters.decidedNotDoh = state_->decidedNotDoh + counters.budgetSpent + counters.earlyRejected;
    counters.unreadableBuffers = sums[DOH_CTR_READ_FAILED];
    counters.fileReports = sums[DOH_CTR_FILE_EVENTS];
    counters.fileReportsDropped = sums[DOH_CTR_FILE_DROPPED];
    return counters;
}

std::vector<std::filesystem::path> DohProbes::attachedLibraries() const {
    std::map<FileKey, std::filesystem::path> files;
    for (const auto& [key, attachment] : state_->attached) {
        if (attachment.library.kind != FoundLibrary::Kind::DynamicLoader) {
            files.emplace(key, attachment.library.path);
        }
    }
    for (const auto& [pid, process] : state_->watched) {
        for (const auto& [key, attachment] : process.attached) {
            // The mapped path: the openable one may name the first watched process's /proc.
            files.emplace(key, attachment.library.mappedPath);
        }
    }
    std::vector<std::filesystem::path> paths;
    paths.reserve(files.size());
    for (auto& [key, path] : files) {
        paths.push_back(std::move(path));
    }
    return paths;
}

std::vector<std::filesystem::path> DohProbes::watchedLoaders() const {
    std::vector<std::filesystem::path> paths;
    for (const auto& [key, attachment] : state_->attached) {
        if (attachment.library.kind == FoundLibrary::Kind::DynamicLoader) {
            paths.push_back(attachment.library.path);
        }
    }
    return paths;
}

void DohProbes::detachAll() {
    state_->active = false;
    state_->execLink.reset();
    for (const auto& [key, attachment] : state_->attached) {
        state_->forgetKnown(key);
    }
    for (const auto& key : state_->refused) {
        state_->forgetKnown(key);
    }
    state_->attached.clear();
    state_->refused.clear();
    state_->watched.clear();
}

void DohProbes::attachAll() {
    if (state_->scope == Scope::WatchedProcesses) {
        state_->active = true; // processes come through watchProcess()
        return;
    }
    if (!state_->execLink) {
        state_->execLink =
            kernel::BpfLink::adopt(bpf_program__attach(state_->skel->progs.exec_loader_check),
                                   "attach tp_btf/sched_process_exec (doh_monitor)");
    }
    state_->active = true;
    for (const auto& library : state_->finder.inAllProcesses()) {
        state_->attachFile(library);
    }
}

} // namespace mamori::dns
