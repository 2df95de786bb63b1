// The DNS GUI tests' set-up: where cgroup v2 is mounted (the DNS engine steers a directory
// of it), the engine's configuration, and running a command inside an app's scope, as a
// desktop session would start an app there.
#pragma once

#include "Subprocess.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

inline std::filesystem::path cgroupV2Mount() {
    std::ifstream mounts("/proc/self/mounts");
    std::string device;
    std::string point;
    std::string type;
    std::string rest;
    while (mounts >> device >> point >> type && std::getline(mounts, rest)) {
        if (type == "cgroup2") {
            return point;
        }
    }
    return {};
}

// The DNS engine's configuration of the GUI tests in `configDir`: steering `cgroup`, two
// resolvers — r3 ("Plain resolver", a real unbound at `resolverAddress`) as the default and
// quiet ("Nobody home", an address nobody answers on) — sharded over both; `engines` are the
// [Engines] lines besides dns=true.
inline void writeDnsTestConfig(const std::filesystem::path& configDir,
                               const std::string& resolverAddress,
                               const std::filesystem::path& cgroup,
                               const std::string& engines = {}) {
    const auto list = configDir / "resolvers.conf";
    std::ofstream(list) << "[Resolver r3]\nName=Plain resolver\nAddress=" << resolverAddress
                        << "\nPort=53\nProtocol=do53\n\n[Resolver quiet]\nName=Nobody home\n"
                        << "Address=192.0.2.254\nPort=53\nProtocol=do53\n\n"
                        << "[Policy]\nDefault=r3\nShard=r3;quiet\n";
    std::ofstream(configDir / "mamori.conf")
        << "[Engines]\ndns=true\n"
        << engines << "\n[Dns]\nStubPort=0\nSteeringCgroup=" << cgroup.string()
        << "\nGuardInterfaces=none\nDohMonitor=false\nResolverList=" << list.string() << "\n";
}

// Runs `argv` with its process moved into `scope` (a cgroup directory) first.
inline mamori::test::RunResult runInScope(const std::filesystem::path& scope,
                                          const std::vector<std::string>& argv) {
    std::vector<std::string> command{"/bin/sh", "-c", R"(echo $$ > "$0" && exec "$@")",
                                     (scope / "cgroup.procs").string()};
    command.insert(command.end(), argv.begin(), argv.end());
    return mamori::test::Subprocess::run({command, {}, {}, {}, {}}, 20.0);
}
