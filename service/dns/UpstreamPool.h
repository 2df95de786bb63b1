// One transport per configured resolver, with what it has answered and failed. Rebuilt from the
// settings whenever the resolvers change; a resolver whose endpoint did not change keeps its
// transport (and with it its open DoT connection and its health). Transports are shared: a
// query in flight keeps the one it was sent on alive after a change removed it.
#pragma once

#include "common/EngineHooks.h"
#include "dns/upstream/Upstream.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::dns {

struct ResolverConfig;

class UpstreamPool {
public:
    struct Health {
        std::string id;
        bool healthy = true;
        std::uint64_t answered = 0;
        std::uint64_t failed = 0;
    };

    UpstreamPool(EngineHooks hooks, UpstreamOptions options);

    // Resolvers that cannot get a transport are logged and left out (their queries fail over).
    void configure(const std::vector<ResolverConfig>& resolvers);
    std::shared_ptr<Upstream> get(std::string_view id) const;
    void recordAnswer(std::string_view id);
    void recordFailure(std::string_view id, std::string_view reason);
    // In the order of the resolvers given to configure().
    std::vector<Health> health() const;
    void clear();

private:
    struct Entry {
        std::shared_ptr<Upstream> upstream;
        std::uint64_t answered = 0;
        std::uint64_t failed = 0;
        bool warned = false; // a failing resolver is logged once until it answers again
    };

    EngineHooks hooks_;
    UpstreamOptions options_;
    std::vector<std::string> order_;
    std::map<std::string, Entry, std::less<>> entries_;
};

} // namespace mamori::dns
