// A real unbound resolver in its own network namespace, reachable from the test over a veth pair:
// host side 10.53.N.1/24, namespace side 10.53.N.2/24. It answers plain DNS on port 53 (UDP and
// TCP), DNS over TLS on 853 and DNS over HTTPS (HTTP/2 only, unbound's libnghttp2 server) at
// https://resolverN.test/dns-query on 443, with a certificate for resolverN.test from a CA
// generated for it. The same CA issues further leaf certificates on request, for test servers
// of the test's own (doh_http1_server) that clients must trust like the resolver.
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
    std::string dohUrl() const;         // https://resolverN.test/dns-query
    std::string curlResolveArg() const; // resolverN.test:443:10.53.N.2, for curl --resolve

    struct LeafCertificate {
        std::string certificateFile; // PEM, signed by caFile()
        std::string keyFile;         // PEM, unencrypted
    };
    // A server certificate for `name` (a DNS name or an IPv4 address) signed by this resolver's
    // CA, valid two days. Throws MamoriError(InvalidArgs) for a name that is neither.
    LeafCertificate issueCertificate(const std::string& name) const;

    void start(); // (re)starts unbound and waits until ports 53, 853 and 443 accept
    void kill();  // SIGKILL: the ports close (TCP RST, ICMP unreachable)
    void pause(); // SIGSTOP: the kernel still accepts TCP, nothing answers
    void resume();

private:
    void run(const std::vector<std::string>& argv) const;
    void createCertificates() const;
    void signCertificate(const std::string& subjectAltName, const std::string& stem) const;
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
