#include "dns/upstream/Upstream.h"

#include "dns/upstream/Do53Upstream.h"
#include "dns/upstream/DotUpstream.h"

namespace mamori::dns {

const char* toString(UpstreamError error) {
    switch (error) {
    case UpstreamError::None:
        return "ok";
    case UpstreamError::Timeout:
        return "timeout";
    case UpstreamError::Refused:
        return "refused";
    case UpstreamError::TlsFailure:
        return "TLS failure";
    case UpstreamError::ConnectionClosed:
        return "connection closed";
    case UpstreamError::NetworkError:
        return "network error";
    }
    return "unknown";
}

std::unique_ptr<Upstream> makeUpstream(const ResolverEndpoint& endpoint, EngineHooks hooks,
                                       UpstreamOptions options) {
    if (endpoint.protocol == Protocol::DoT) {
        return std::make_unique<DotUpstream>(endpoint, std::move(hooks), options);
    }
    return std::make_unique<Do53Upstream>(endpoint, std::move(hooks), options);
}

} // namespace mamori::dns
