// Mamori's error kinds and the one table that maps each to its D-Bus error name. The daemon
// throws MamoriError; its D-Bus layer turns it into an error reply; clients map the name back.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mamori {

enum class ErrorCode {
    AccessDenied,  // polkit said no (or could not be asked)
    InvalidArgs,   // a method argument is malformed; the message names the argument
    Failed,        // anything else that went wrong inside the daemon
    Unsupported,   // the running kernel lacks a feature this needs
    BadConfig,     // a configuration file has errors; the message names file:line
    StateNotSaved, // the change could not be written to disk, so it was not made
    NotFound,      // the named object does not exist
};

class MamoriError : public std::runtime_error {
public:
    MamoriError(ErrorCode code, const std::string& message)
        : std::runtime_error(message)
        , code_(code) {}
    ErrorCode code() const { return code_; }

private:
    ErrorCode code_;
};

std::string_view dbusErrorName(ErrorCode code);
std::optional<ErrorCode> errorCodeFromDbusName(std::string_view name);

} // namespace mamori
