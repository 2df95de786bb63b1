// The daemon's bridge from MamoriError (and anything else thrown in a handler) to a D-Bus
// error reply, using the one error table in common/Errors.
#pragma once

#include "common/Errors.h"

#include <exception>
#include <sdbus-c++/Error.h>

namespace mamori {

sdbus::Error toDbusError(const MamoriError& error);
// For catch (...) sites: keeps MamoriError's kind, maps anything else to Error.Failed.
sdbus::Error currentExceptionAsDbusError();

} // namespace mamori
