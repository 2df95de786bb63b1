// The `[Dns]` group of mamori.conf: where the DNS engine listens, what it steers and guards.
// The user's choices (resolvers, assignments) are not here but in the state directory
// (DnsSettings), because they change over D-Bus. Keys and defaults: docs/configuration.md.
#pragma once

#include "common/KeyFile.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mamori::dns {

struct DnsConfig {
    // The stub's port on loopback (every 127.53.x.y address); 0 lets the kernel choose one.
    // Not 53: a system resolver (systemd-resolved on 127.0.0.53:53) may hold that one.
    std::uint16_t stubPort = 5300;
    // The cgroup v2 directory whose processes are steered; empty means the whole system (the
    // cgroup v2 root). Tests point it at a directory of their own.
    std::filesystem::path steeringCgroup;
    // Interfaces the XDP guard watches. Empty: every non-loopback interface a configured
    // resolver is reached through. `GuardInterfaces=none` switches the guard off.
    std::vector<std::string> guardInterfaces;
    bool guardEnabled = true;
    // How long one resolver gets to answer before the next one is asked.
    std::chrono::milliseconds queryTimeout{2000};
    // Answer Firefox's canary domain use-application-dns.net with NXDOMAIN, so that Firefox
    // keeps its DNS with Mamori instead of switching to its own DoH.
    bool blockDohCanary = true;
    // Watch apps' own DNS over HTTPS in their TLS libraries (uprobes). DohClients (`true`):
    // only in processes that connected to port 443 of a known DoH server, so that nothing else
    // pays a uprobe trap per TLS call; AllProcesses (`all-processes`): in every process, which
    // also sees DoH to servers nobody listed, at +100 % to +220 % CPU on TLS-heavy work
    // (docs/benchmarks.md, "DoH monitor").
    enum class DohMonitorScope { Off, DohClients, AllProcesses };
    DohMonitorScope dohMonitor = DohMonitorScope::DohClients;
    // More DoH servers (IP literals) whose port-443 connections count as DoH, next to the
    // well-known ones (KnownDohServers.h) and the configured resolvers.
    std::vector<std::string> dohEndpoints;
    // The shipped resolver list a new installation (and RestoreShippedResolvers) starts from.
    std::filesystem::path resolverList = MAMORI_SHIPPED_RESOLVERS;

    bool operator==(const DnsConfig&) const = default;
};

// Reads the `[Dns]` group into `config` (absent keys keep their value). Throws
// MamoriError(BadConfig) naming file:line for an invalid value; unknown keys are appended to
// `warnings` as "file:line: ...".
void readDnsConfig(const KeyFile& file, const KeyFileGroup& group, DnsConfig& config,
                   std::vector<std::string>& warnings);

} // namespace mamori::dns
