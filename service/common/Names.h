// Every name that crosses a process boundary: bus names, object paths, interfaces, polkit
// actions, error names, feature and engine identifiers. Daemon, CLI, launcher and tests include
// this header; nothing else spells these strings.
#pragma once

#include <array>
#include <string_view>

namespace mamori::names {

inline constexpr std::string_view kBusName = "org.mamori.Mamori1";
inline constexpr std::string_view kRootPath = "/org/mamori/Mamori1";
inline constexpr std::string_view kDevicesPath = "/org/mamori/Mamori1/devices";

namespace iface {
inline constexpr std::string_view kManager = "org.mamori.Mamori1.Manager";
inline constexpr std::string_view kDns = "org.mamori.Mamori1.Dns";
inline constexpr std::string_view kSandbox = "org.mamori.Mamori1.Sandbox";
inline constexpr std::string_view kDevices = "org.mamori.Mamori1.Devices";
inline constexpr std::string_view kLbm = "org.mamori.Mamori1.Lbm";
inline constexpr std::string_view kDevice = "org.mamori.Mamori1.Device";
inline constexpr std::string_view kObjectManager = "org.freedesktop.DBus.ObjectManager";
inline constexpr std::string_view kProperties = "org.freedesktop.DBus.Properties";
} // namespace iface

// The engines' names (Manager's Engines property, SetEngineEnabled, [Engines] in mamori.conf).
namespace engine {
inline constexpr std::string_view kDns = "dns";
inline constexpr std::string_view kSandbox = "sandbox";
inline constexpr std::string_view kDevices = "devices";
} // namespace engine

// Values of the Devices and Device interfaces' string arguments and properties.
namespace device {
inline constexpr std::string_view kScopeOnce = "once";
inline constexpr std::string_view kScopeAlways = "always";
inline constexpr std::string_view kStatusWaiting = "waiting";
inline constexpr std::string_view kStatusAuthorized = "authorized";
inline constexpr std::string_view kStatusPartlyAuthorized = "partly-authorized";
inline constexpr std::string_view kStatusBlocked = "blocked";
// DefaultPolicy: what happens to a device nobody has decided about.
inline constexpr std::string_view kPolicyAllow = "allow";
inline constexpr std::string_view kPolicyAsk = "ask";
inline constexpr std::string_view kPolicyBlock = "block";
} // namespace device

// Values of the Dns interface's string arguments and properties.
namespace dns {
inline constexpr std::string_view kShardTarget = "shard";
inline constexpr std::string_view kSourceMamori = "mamori";
inline constexpr std::string_view kSourceBypassing = "bypassing";
// How an app's own DoH was seen (DohApps): in its TLS library, or only by where it connected.
inline constexpr std::string_view kSeenByTlsLibrary = "tls-library";
inline constexpr std::string_view kSeenByDestination = "destination";
inline constexpr std::string_view kStateRunning = "running";
inline constexpr std::string_view kStateStopped = "stopped";
inline constexpr std::string_view kStateFailed = "failed";
} // namespace dns

// The Manager API version (the `Version` property). Bump on any incompatible change.
inline constexpr unsigned kApiVersion = 1;

namespace action {
inline constexpr std::string_view kManage = "org.mamori.manage";
inline constexpr std::string_view kDnsConfigure = "org.mamori.dns.configure";
inline constexpr std::string_view kDevicesAuthorize = "org.mamori.devices.authorize";
inline constexpr std::string_view kDevicesManage = "org.mamori.devices.manage";
inline constexpr std::string_view kSandboxManage = "org.mamori.sandbox.manage";
inline constexpr std::string_view kSandboxSupervise = "org.mamori.sandbox.supervise";
inline constexpr std::string_view kLbmManage = "org.mamori.lbm.manage";
} // namespace action

namespace error {
inline constexpr std::string_view kAccessDenied = "org.freedesktop.DBus.Error.AccessDenied";
inline constexpr std::string_view kInvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
inline constexpr std::string_view kServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown";
inline constexpr std::string_view kNameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner";
// sd-bus's reply to a call on a path where no object is (an unplugged device's id).
inline constexpr std::string_view kUnknownObject = "org.freedesktop.DBus.Error.UnknownObject";
inline constexpr std::string_view kPrefix = "org.mamori.Mamori1.Error.";
} // namespace error

// Kernel capabilities found by the feature probe; keys of the Manager's `Features` property.
namespace feature {
inline constexpr std::string_view kXdp = "xdp";
inline constexpr std::string_view kCgroupSockAddr = "cgroup_sock_addr";
inline constexpr std::string_view kUprobe = "uprobe";
inline constexpr std::string_view kTpBtf = "tp_btf";
inline constexpr std::string_view kBpfLsm = "bpf_lsm";
inline constexpr std::string_view kProgTestRun = "bpf_prog_test_run";
inline constexpr std::string_view kSeccompUserNotif = "seccomp_user_notif";
inline constexpr std::string_view kSeccompEbpf = "seccomp_ebpf";
inline constexpr std::string_view kLbm = "lbm";
inline constexpr std::array kAll = {kXdp,         kCgroupSockAddr,   kUprobe,      kTpBtf, kBpfLsm,
                                    kProgTestRun, kSeccompUserNotif, kSeccompEbpf, kLbm};
} // namespace feature

} // namespace mamori::names
