// OpenSSL client context for DoT: TLS 1.2 minimum (1.3 when the server offers it), the peer's
// chain verified against the system store or a given CA bundle, and per connection the name
// (SNI + X509_VERIFY_PARAM host check). Owns its SSL_CTX; sessions come out as owned SSL*.
#pragma once

#include <memory>
#include <openssl/ssl.h>
#include <string>

namespace mamori::dns {

struct SslCtxFree {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

class TlsContext {
public:
    // `caFile` empty: the system's default verify paths. Throws std::runtime_error with
    // OpenSSL's reason when the context or the CA bundle cannot be set up.
    explicit TlsContext(const std::string& caFile);

    // A client session on the connected socket `fd` that sends `tlsName` as SNI and accepts only
    // a certificate valid for it. Nothing on failure (`error` says why).
    SslPtr newSession(int fd, const std::string& tlsName, std::string& error) const;

    // base64(SHA-256(DER SubjectPublicKeyInfo)) of a certificate: the RFC 7858 pin format.
    static std::string spkiPin(X509* certificate);
    // The peer certificate's pin after a completed handshake; empty if there is none.
    static std::string peerSpkiPin(SSL* ssl);
    // Why the last OpenSSL call failed: the verify result if the chain/name was rejected,
    // otherwise the error queue (which this drains).
    static std::string failureReason(SSL* ssl);

private:
    SslCtxPtr ctx_;
};

} // namespace mamori::dns
