// What a query sent upstream ends in: the answer's bytes, or why there is none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mamori::dns {

enum class UpstreamError {
    None,
    Timeout,          // no answer within the query's timeout
    Refused,          // the resolver's port is closed (ICMP unreachable, TCP RST)
    TlsFailure,       // handshake, certificate, name or pin check failed (see reason)
    ConnectionClosed, // the connection went away before the answer came
    NetworkError,     // any other socket error (see reason)
};

const char* toString(UpstreamError error);

struct UpstreamResult {
    std::vector<uint8_t> answer; // the answer, with the id of the query as it was given
    UpstreamError error = UpstreamError::None;
    std::string reason; // human-readable detail for errors

    bool ok() const { return error == UpstreamError::None; }

    static UpstreamResult success(std::vector<uint8_t> answer) {
        return {std::move(answer), UpstreamError::None, {}};
    }
    static UpstreamResult failure(UpstreamError error, std::string reason) {
        return {{}, error, std::move(reason)};
    }
};

} // namespace mamori::dns
