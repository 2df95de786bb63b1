// The kernel side of the DoH monitor: loads bpf/doh_monitor.bpf.c and puts uprobes on every
// OpenSSL (libssl.so.*) and GnuTLS (libgnutls.so.*) file that processes map, found by
// TlsLibraryFinder, to hand user space the plaintext of the TLS connections that may carry
// DNS-over-HTTPS. Driven by mamorid's loop through fd() + onReadable(); no thread.
//
// Probed (function arguments and return values only, no struct offsets):
//   OpenSSL: SSL_write, SSL_write_ex, SSL_read, SSL_read_ex (entry + return), SSL_ctrl with
//            SSL_CTRL_SET_TLSEXT_HOSTNAME (the SNI setter macro SSL_set_tlsext_host_name),
//            SSL_free;
//   GnuTLS:  gnutls_record_send, gnutls_record_recv (entry + return), gnutls_server_name_set,
//            gnutls_deinit;
//   each dynamic loader (ld.so): _dl_debug_state, called after the loader mapped a program's
//            libraries and after each dlopen(), where the kernel looks for TLS libraries not
//            attached yet; the exec tracepoint reports loaders not watched yet.
// Where the probes sit (Scope):
//   AllProcesses:     on the library files, for every process that maps them (pid -1).
//                     Libraries appearing later are attached when a process maps them; the
//                     first process that maps a file nobody mapped before may make its first
//                     calls before the probes are in place.
//   WatchedProcesses: only in the processes handed to watchProcess() (mamorid: those that
//                     connected to a known DoH server). The kernel then puts the breakpoints
//                     into those processes' memory alone; every other process runs the
//                     library's code unpatched and pays nothing. A watched process's calls made
//                     before its probes are in place are not seen. No loader or exec watching:
//                     a library a watched process maps later is attached on its next
//                     watchProcess().
//
// What the kernel copies is filtered per connection (see bpf/doh_monitor.bpf.c and the README):
// an undecided connection costs at most DOH_UNDECIDED_BUDGET bytes of copies in total before the
// kernel gives up on it; setVerdict() tells the kernel what user space decided. mamorid's own
// TLS (the constructing process) is never reported. Needs kernel 6.4+ (open-coded iterators).
#pragma once

#include "dns/doh/TlsEvent.h"
#include "dns/doh/TlsLibraryFinder.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <sys/types.h>
#include <vector>

namespace mamori::dns {

class DohProbes {
public:
    using Verdict = ConnectionVerdict;
    using EventCallback = std::function<void(const TlsEvent&)>;

    enum class Scope { AllProcesses, WatchedProcesses };

    // Processes probed at once in WatchedProcesses scope; each costs about a dozen perf event
    // fds. Past it, watchProcess() refuses more until watched processes exit.
    static constexpr std::size_t kMaxWatchedProcesses = 256;

    struct Counters {
        // TLS events delivered to the ring buffer, and the plaintext bytes they carried.
        std::uint64_t events = 0;
        std::uint64_t bytesCopied = 0;
        // Events lost because the ring buffer was full.
        std::uint64_t eventsDropped = 0;
        // Connections set to Doh / NotDoh: by setVerdict(), and (NotDoh) by the kernel itself.
        std::uint64_t decidedDoh = 0;
        std::uint64_t decidedNotDoh = 0;
        // The kernel's own NotDoh decisions, included in decidedNotDoh: undecided budget spent,
        // and first writes that were an HTTP/1.x GET that cannot carry DNS.
        std::uint64_t budgetSpent = 0;
        std::uint64_t earlyRejected = 0;
        // Calls whose buffer the kernel could not read (paged out), skipped.
        std::uint64_t unreadableBuffers = 0;
        // New-file reports from the kernel, and those lost because their ring was full.
        std::uint64_t fileReports = 0;
        std::uint64_t fileReportsDropped = 0;
    };

    // Loads the program. AllProcesses: attaches to every TLS library and loader mapped right
    // now (a full scan of /proc) and starts watching for new ones. WatchedProcesses: attaches
    // nothing until watchProcess(). Throws kernel::BpfError when the program cannot be loaded
    // or the exec tracepoint cannot be attached. A library that cannot be attached (symbols
    // missing, a file that vanished) is logged and skipped.
    explicit DohProbes(EventCallback onEvent, Scope scope = Scope::AllProcesses,
                       TlsLibraryFinder finder = TlsLibraryFinder());
    ~DohProbes();
    DohProbes(DohProbes&&) noexcept;
    DohProbes& operator=(DohProbes&&) noexcept;
    DohProbes(const DohProbes&) = delete;
    DohProbes& operator=(const DohProbes&) = delete;

    // WatchedProcesses scope: probes the TLS libraries process `pid` maps now, in that process
    // only, until it exits. Again for a watched process: attaches libraries it mapped since.
    // Returns false when the process is gone or kMaxWatchedProcesses are watched already (or
    // in AllProcesses scope, where every process is probed anyway).
    bool watchProcess(pid_t pid);
    std::size_t watchedProcesses() const;
    bool watches(pid_t pid) const;

    // Readable while events wait (or a watched process exited); then call onReadable(), which
    // attaches to newly seen libraries, forgets exited processes and calls onEvent for each
    // TLS event (exceptions from it propagate).
    int fd() const;
    void onReadable();

    // What user space decided about connection (SSL* or gnutls_session_t) of process `pid`,
    // from the connection's next call on. Ignored when the kernel holds no state for it (freed,
    // or evicted from its LRU map). MamoriError(InvalidArgs) for pid or connection 0.
    void setVerdict(std::uint32_t pid, std::uint64_t connection, Verdict verdict);

    // Summed over all CPUs, since the constructor.
    Counters counters() const;

    // The TLS library files probed right now (in any watched process), and the loaders
    // watched, by the path they were attached through.
    std::vector<std::filesystem::path> attachedLibraries() const;
    std::vector<std::filesystem::path> watchedLoaders() const;

    // Removes every probe and the exec tracepoint, and forgets the watched processes: nothing
    // of the monitor runs any more (the program stays loaded). attachAll() puts back what the
    // scope attaches by itself (AllProcesses: everything, with a fresh scan).
    void detachAll();
    void attachAll();

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace mamori::dns
