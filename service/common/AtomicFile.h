// Writes a file so that readers (and a crash at any moment) see either the old content or the
// new one, never a mix: temp file in the same directory, fsync, rename, fsync the directory.
#pragma once

#include <filesystem>
#include <string_view>

namespace mamori {

// Throws std::system_error naming the path on failure; the old file is then untouched.
void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                                       std::filesystem::perms::owner_write |
                                                       std::filesystem::perms::group_read |
                                                       std::filesystem::perms::others_read);

} // namespace mamori
