// Client side of org.mamori.Mamori1.Manager for mamorictl, mamori-run and the tests: the
// generated proxy bound to mamorid's name and path on a given connection.
#pragma once

#include "common/Names.h"
#include "org.mamori.Mamori1.Manager.proxy.h"

#include <memory>
#include <sdbus-c++/sdbus-c++.h>
#include <string>

namespace mamori {

class ManagerClient final : public sdbus::ProxyInterfaces<org::mamori::Mamori1::Manager_proxy> {
public:
    explicit ManagerClient(sdbus::IConnection& connection)
        : ProxyInterfaces(connection, std::string(names::kBusName), std::string(names::kRootPath)) {
        registerProxy();
    }
    ~ManagerClient() { unregisterProxy(); }
    ManagerClient(const ManagerClient&) = delete;
    ManagerClient& operator=(const ManagerClient&) = delete;
};

} // namespace mamori
