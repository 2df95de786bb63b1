// Lets polkit ask for a password on the terminal, the way systemctl does: while an object of
// this class lives, a pkttyagent registered for this process answers authentication requests
// for the calls it makes. Does nothing when stdin is not a terminal, when we are root (polkit
// never asks root) or when pkttyagent is not installed; then polkit simply says no.
#pragma once

#include <sys/types.h>

namespace mamori::cli {

class PolkitTtyAgent {
public:
    PolkitTtyAgent();
    ~PolkitTtyAgent();
    PolkitTtyAgent(const PolkitTtyAgent&) = delete;
    PolkitTtyAgent& operator=(const PolkitTtyAgent&) = delete;

private:
    pid_t pid_ = -1;
};

} // namespace mamori::cli
