// The one table that says which polkit action guards each D-Bus method. A method that is not in
// the table is denied, whoever calls it. Property reads are not methods and need no action.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace mamori {

struct MethodAction {
    std::string_view interface;
    std::string_view method;
    std::string_view action;
};

std::span<const MethodAction> authorizationTable();
std::optional<std::string_view> actionFor(std::string_view interface, std::string_view method);

} // namespace mamori
