#include "dns/upstream/TlsContext.h"

#include <array>
#include <cerrno>
#include <cstdint>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <sys/socket.h>
#include <vector>

namespace mamori::dns {
namespace {

std::string drainErrors() {
    std::string reason;
    while (const unsigned long code = ERR_get_error()) {
        std::array<char, 256> text{};
        ERR_error_string_n(code, text.data(), text.size());
        if (!reason.empty()) {
            reason += "; ";
        }
        reason += text.data();
    }
    return reason;
}

// A socket BIO that sends with MSG_NOSIGNAL: OpenSSL's own uses write(), which raises SIGPIPE
// (killing mamorid) when the resolver has reset the connection.
int bioWrite(BIO* bio, const char* data, int length) {
    const int fd = static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio)));
    BIO_clear_retry_flags(bio);
    const ssize_t n = ::send(fd, data, static_cast<std::size_t>(length), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        BIO_set_retry_write(bio);
    }
    return static_cast<int>(n);
}

int bioRead(BIO* bio, char* data, int length) {
    const int fd = static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio)));
    BIO_clear_retry_flags(bio);
    const ssize_t n = ::recv(fd, data, static_cast<std::size_t>(length), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        BIO_set_retry_read(bio);
    }
    return static_cast<int>(n);
}

long bioCtrl(BIO*, int command, long, void*) {
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int bioCreate(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}

struct BioMethodFree {
    void operator()(BIO_METHOD* method) const { BIO_meth_free(method); }
};

const BIO_METHOD* noSignalSocketMethod() {
    static const std::unique_ptr<BIO_METHOD, BioMethodFree> method = [] {
        std::unique_ptr<BIO_METHOD, BioMethodFree> m(
            BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "mamori socket"));
        if (m) {
            BIO_meth_set_write(m.get(), bioWrite);
            BIO_meth_set_read(m.get(), bioRead);
            BIO_meth_set_ctrl(m.get(), bioCtrl);
            BIO_meth_set_create(m.get(), bioCreate);
        }
        return m;
    }();
    return method.get();
}

} // namespace

TlsContext::TlsContext(const std::string& caFile)
    : ctx_(SSL_CTX_new(TLS_client_method())) {
    if (!ctx_) {
        throw std::runtime_error("SSL_CTX_new: " + drainErrors());
    }
    SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    // SSL_write may be retried from a different address after WANT_WRITE (our buffer is a
    // vector); without this OpenSSL rejects the retry.
    SSL_CTX_set_mode(ctx_.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    const int loaded = caFile.empty()
                           ? SSL_CTX_set_default_verify_paths(ctx_.get())
                           : SSL_CTX_load_verify_locations(ctx_.get(), caFile.c_str(), nullptr);
    if (loaded != 1) {
        throw std::runtime_error("cannot load CA certificates" +
                                 (caFile.empty() ? std::string() : " from " + caFile) + ": " +
                                 drainErrors());
    }
}

SslPtr TlsContext::newSession(int fd, const std::string& tlsName, std::string& error) const {
    ERR_clear_error();
    SslPtr ssl(SSL_new(ctx_.get()));
    if (!ssl) {
        error = "SSL_new: " + drainErrors();
        return nullptr;
    }
    if (tlsName.empty()) {
        // Chain-only verification would accept any server with any valid certificate.
        error = "DoT endpoint has no TLS name to verify";
        return nullptr;
    }
    const BIO_METHOD* method = noSignalSocketMethod();
    BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
    if (bio == nullptr) {
        error = "BIO_new: " + drainErrors();
        return nullptr;
    }
    // OpenSSL's BIO keeps custom state only as a void*; the fd is stored in it (and read back by
    // the read/write callbacks) rather than allocating a holder the BIO would have to free.
    // NOLINTNEXTLINE(performance-no-int-to-ptr): OpenSSL's BIO data slot is a void*.
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
    SSL_set_bio(ssl.get(), bio, bio); // the session owns the BIO from here on
    SSL_set_hostflags(ssl.get(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set_tlsext_host_name(ssl.get(), tlsName.c_str()) != 1 ||
        SSL_set1_host(ssl.get(), tlsName.c_str()) != 1) {
        error = "TLS session setup: " + drainErrors();
        return nullptr;
    }
    SSL_set_connect_state(ssl.get());
    return ssl;
}

std::string TlsContext::spkiPin(X509* certificate) {
    if (certificate == nullptr) {
        return {};
    }
    unsigned char* der = nullptr;
    const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), &der);
    if (length <= 0) {
        return {};
    }
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(der, static_cast<std::size_t>(length), digest.data());
    OPENSSL_free(der);
    std::array<unsigned char, 4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1> base64{};
    EVP_EncodeBlock(base64.data(), digest.data(), static_cast<int>(digest.size()));
    return reinterpret_cast<const char*>(base64.data());
}

std::string TlsContext::peerSpkiPin(SSL* ssl) {
    return spkiPin(SSL_get0_peer_certificate(ssl));
}

std::string TlsContext::failureReason(SSL* ssl) {
    const long verify = ssl != nullptr ? SSL_get_verify_result(ssl) : X509_V_OK;
    std::string queued = drainErrors();
    if (verify != X509_V_OK) {
        return std::string("certificate verification failed: ") +
               X509_verify_cert_error_string(verify);
    }
    return queued.empty() ? "TLS handshake failed" : queued;
}

} // namespace mamori::dns
