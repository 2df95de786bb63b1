// A real unbound resolver in its own network namespace, reachable from the test over a veth pair:
// host side 10.53.N.1/24, namespace side 10.53.N.2/24. It answers plain DNS on port 53 (UDP and
// TCP) and DNS over TLS on 853 with a certificate for resolverN.test from a CA generated for it.
// It never recurses: probe.test is a static local zone whose x.probe.test A 192.0.2.N tells
// which resolver answered, and big.probe.test TXT is too large for a 512-byte UDP answer; any
// other name under test. answers A 192.0.2.N as well.
// The destructor kills unbound and deletes the namespace (and with it the veth pair), also when
// the test failed.
#pragma once

#include "../Subprocess.h"

#include <filesystem>
#include <memory>
#include <string>

namespace mamori::test {

class ResolverNetns {
public:
    // Why these tests cannot run here (not root, `ip`/`unbound`/`openssl` missing); empty if
    // they can.
    static std::string skipReason();

    // Throws std::runtime_error (with unbound's log) if anything fails to come up.
    explicit ResolverNetns(int n);
    ~ResolverNetns();
    ResolverNetns(const ResolverNetns&) = delete;
    ResolverNetns& operator=(const ResolverNetns&) = delete;

    std::string address() const;       // 10.53.N.2, where unbound listens
    std::string hostInterface() const; // the host-side veth
    std::string netnsName() const { return netns_; }
    std::string peerInterface() const { return peerIf_; } // the namespace-side veth
    std::string tlsName() const;                          // resolverN.test
    std::string expectedA() const;                        // 192.0.2.N
    std::string caFile() const; // the CA that signed the server certificate
    std::string certificateFile() const;

    void start(); // (re)starts unbound and waits until ports 53 and 853 accept
    void kill();  // SIGKILL: the ports close (TCP RST, ICMP unreachable)
    void pause(); // SIGSTOP: the kernel still accepts TCP, nothing answers
    void resume();

private:
    void run(const std::vector<std::string>& argv) const;
    void createCertificates() const;
    void writeConfig() const;
    bool accepts(uint16_t port) const;

    int n_;
    std::string netns_;
    std::string hostIf_;
    std::string peerIf_;
    std::filesystem::path dir_;
    std::unique_ptr<Subprocess> unbound_;
};

} // namespace mamori::test
