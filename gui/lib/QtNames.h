// service/common/Names.h's names as QStrings, for the Qt side: one spelling of each name.
#pragma once

#include "common/Names.h"

#include <QString>
#include <string_view>

namespace mamori::gui {

inline QString qtName(std::string_view name) {
    return QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()));
}

} // namespace mamori::gui
