#include "kernel/BpfError.h"

#include <cstdlib>
#include <cstring>

namespace mamori::kernel {

namespace {

std::string describe(std::string_view what, int error) {
    std::string message(what);
    message += " failed: ";
    message += std::strerror(std::abs(error));
    return message;
}

} // namespace

BpfError::BpfError(std::string_view what, int error)
    : std::runtime_error(describe(what, error))
    , error_(std::abs(error)) {}

int throwIfNegative(int rc, std::string_view what) {
    if (rc < 0) {
        throw BpfError(what, rc);
    }
    return rc;
}

} // namespace mamori::kernel
