#include "common/Errors.h"

#include <array>
#include <utility>

namespace mamori {
namespace {

struct ErrorName {
    ErrorCode code;
    std::string_view dbusName;
};

constexpr std::array kErrorTable = {
    ErrorName{ErrorCode::AccessDenied, "org.freedesktop.DBus.Error.AccessDenied"},
    ErrorName{ErrorCode::InvalidArgs, "org.freedesktop.DBus.Error.InvalidArgs"},
    ErrorName{ErrorCode::Failed, "org.mamori.Mamori1.Error.Failed"},
    ErrorName{ErrorCode::Unsupported, "org.mamori.Mamori1.Error.Unsupported"},
    ErrorName{ErrorCode::BadConfig, "org.mamori.Mamori1.Error.BadConfig"},
    ErrorName{ErrorCode::StateNotSaved, "org.mamori.Mamori1.Error.StateNotSaved"},
    ErrorName{ErrorCode::NotFound, "org.mamori.Mamori1.Error.NotFound"},
};

} // namespace

std::string_view dbusErrorName(ErrorCode code) {
    for (const auto& entry : kErrorTable) {
        if (entry.code == code) {
            return entry.dbusName;
        }
    }
    return dbusErrorName(ErrorCode::Failed);
}

std::optional<ErrorCode> errorCodeFromDbusName(std::string_view name) {
    for (const auto& entry : kErrorTable) {
        if (entry.dbusName == name) {
            return entry.code;
        }
    }
    return std::nullopt;
}

} // namespace mamori
