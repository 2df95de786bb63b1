// Finds a profile's files in the layer directories and merges them, includes first, into a
// RawProfile: system (<datadir>/mamori/profiles, /usr/share/… for a distribution), then admin
// (/etc/mamori/profiles), then user
// ($XDG_CONFIG_HOME/mamori/profiles) — later layers override earlier ones key by key, the way
// `flatpak override` layers. Unknown groups and keys are errors at their file:line.
#pragma once

#include "common/KeyFile.h"
#include "sandbox/Profile.h"
#include "sandbox/RawProfile.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::sandbox {

class ProfileLoader {
public:
    // Layer directories, lowest priority first. Missing directories are fine.
    explicit ProfileLoader(std::vector<std::filesystem::path> layerDirs);

    // The system, admin and user directories; MAMORI_PROFILE_PATH (colon-separated, lowest
    // priority first) replaces all three, for tests and development trees.
    static std::vector<std::filesystem::path> defaultLayerDirs();

    // NAME is looked up in the layers; anything with a '/' or ending in `.profile` is a file,
    // read as the only layer (its includes resolve through the layers and, above them, the
    // file's own directory). Throws KeyFileError naming file:line.
    Profile load(std::string_view nameOrPath) const;
    RawProfile loadRaw(std::string_view nameOrPath) const;
    // One in-memory file as the only layer (fuzzing, tests).
    Profile loadText(std::string_view text, const std::string& source) const;

    // The files that make up NAME, lowest priority first.
    std::vector<std::filesystem::path> layerFiles(std::string_view name) const;
    const std::vector<std::filesystem::path>& layerDirs() const { return layerDirs_; }

private:
    void applyName(const std::string& name, const Origin& from, RawProfile& raw,
                   std::vector<std::string>& stack) const;
    void applyFile(const KeyFile& file, RawProfile& raw, std::vector<std::string>& stack) const;

    std::vector<std::filesystem::path> layerDirs_;
};

} // namespace mamori::sandbox
