// One thing the DoH monitor saw inside a TLS library (DohProbes): plaintext a process wrote or
// read on a connection, or the server name it set for one. What user space decides about a
// connection once it read enough of it goes back to the kernel as a ConnectionVerdict.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mamori::dns {

struct TlsEvent {
    enum class Kind { Write, Read, ServerName };
    enum class Library { OpenSsl, GnuTls };

    Kind kind = Kind::Write;
    Library library = Library::OpenSsl;
    // The SSL* or gnutls_session_t: unique per process while the connection lives, reused
    // after it is freed (a ServerName event starts a new connection at that address).
    std::uint64_t connection = 0;
    std::uint32_t pid = 0; // the process (tgid)
    std::uint32_t tid = 0;
    std::uint64_t cgroupId = 0;
    std::string comm;
    // Plaintext, or the server name without a terminating NUL.
    std::vector<std::uint8_t> data;
    // Bytes the call carried; `data` is shorter when the kernel copied only part of them.
    std::uint32_t totalLength = 0;
};

// Undecided: the kernel copies the connection's first bytes (a budget) and then gives up on it
// by itself. Doh: every call is copied (bounded per call). NotDoh: nothing is copied any more.
enum class ConnectionVerdict { Undecided, Doh, NotDoh };

} // namespace mamori::dns
