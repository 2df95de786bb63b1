// The client side of mamorid that every part of the app shares: one watcher, one state per
// interface and the device list. Owned by TrayApplication; pages and prompts hold references.
#pragma once

#include "DeviceModel.h"
#include "DevicesState.h"
#include "DnsState.h"
#include "ManagerState.h"
#include "SandboxState.h"
#include "ServiceWatcher.h"

#include <QDBusConnection>

namespace mamori::gui {

struct ServiceStates {
    explicit ServiceStates(const QDBusConnection& bus)
        : service(bus)
        , manager(service)
        , dns(service)
        , devices(service)
        , sandbox(service)
        , deviceModel(service, devices) {}

    ServiceWatcher service;
    ManagerState manager;
    DnsState dns;
    DevicesState devices;
    SandboxState sandbox;
    DeviceModel deviceModel;
};

} // namespace mamori::gui
