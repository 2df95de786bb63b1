// Writes a merged Profile back as ONE self-contained keyfile in the format of
// docs/sandbox-profiles.md: no Include (everything is already merged), every group expanded to
// sorted syscall names, every action spelled out. Loading the text again yields a profile that
// compiles to the same plan, syscall by syscall (tests/unit/sandbox/ProfileWriterTest.cpp).
// Learning mode writes its profiles through it; `mamorictl sandbox` can use it to flatten one.
#pragma once

#include "sandbox/Profile.h"

#include <string>
#include <string_view>

namespace mamori::sandbox {

// `comment` (any number of lines) goes first, each line as a `# ` comment. Throws
// std::invalid_argument when a value cannot be one keyfile line (it holds a line break).
std::string writeProfile(const Profile& profile, std::string_view comment = {});

} // namespace mamori::sandbox
