// The usual visitor helper for std::visit over the tree's node variant.
#pragma once

namespace mamori::lbm {

template <class... Ts> struct Overloaded : Ts... { using Ts::operator()...; };
// clang before 17 does not deduce aggregate template arguments on its own (the fuzz preset
// builds with clang).
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

} // namespace mamori::lbm
