#include "core/DbusError.h"

#include "common/Log.h"

#include <string>

namespace mamori {

sdbus::Error toDbusError(const MamoriError& error) {
    return sdbus::Error(std::string(dbusErrorName(error.code())), error.what());
}

sdbus::Error currentExceptionAsDbusError() {
    try {
        throw;
    } catch (const MamoriError& e) {
        return toDbusError(e);
    } catch (const sdbus::Error& e) {
        return e;
    } catch (const std::exception& e) {
        log::error(std::string("internal error in a D-Bus handler: ") + e.what());
        return toDbusError(MamoriError(ErrorCode::Failed, e.what()));
    }
}

} // namespace mamori
