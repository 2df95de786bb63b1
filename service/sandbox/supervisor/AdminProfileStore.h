// The administrator's profile layer (/etc/mamori/profiles) as mamorid manages it: listing,
// installing a checked profile atomically, removing one. A profile is checked the way the
// launcher will see it — layered over the lower layers' files of the same name, its includes
// resolved through the layers, and compiled — so that nothing broken ever lands in the layer.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::sandbox {

struct AdminProfile {
    std::string name;
    std::string app; // the profile's application id; empty when it does not load
};

class AdminProfileStore {
public:
    static constexpr size_t kMaxNameLength = 64;
    // Far above any real profile; keeps one call from making mamorid parse megabytes.
    static constexpr size_t kMaxTextSize = size_t{256} * 1024;

    // The packaged administrator's layer.
    static std::filesystem::path defaultDirectory();
    // mamorid's layers with `adminDir` among them: MAMORI_PROFILE_PATH when set (with
    // `adminDir` on top unless it is listed), otherwise the system layer and `adminDir`. No user
    // layer: the daemon has no user.
    static std::vector<std::filesystem::path> layersFor(const std::filesystem::path& adminDir);
    // A name ProfileLoader can look up: lower-case letters, digits, '-' and '_', at most
    // kMaxNameLength characters.
    static bool validName(std::string_view name);

    explicit AdminProfileStore(const std::filesystem::path& dir = defaultDirectory());
    AdminProfileStore(std::filesystem::path dir, std::vector<std::filesystem::path> layers);

    const std::filesystem::path& directory() const { return dir_; }
    const std::vector<std::filesystem::path>& layers() const { return layers_; }

    // Every NAME.profile in the directory, by name. A file that does not load is listed with
    // an empty app and logged (once per distinct problem).
    std::vector<AdminProfile> list() const;
    // Throws MamoriError: InvalidArgs naming the bad name or NAME.profile:LINE; StateNotSaved
    // when it cannot be written (the old file, if any, is then untouched).
    void install(const std::string& name, const std::string& text);
    // Throws MamoriError: InvalidArgs (bad name), NotFound, StateNotSaved.
    void remove(const std::string& name);

private:
    std::filesystem::path fileOf(const std::string& name) const;
    void check(const std::string& name, const std::string& text) const;
    void ensureDirectory() const;
    std::string appOf(const std::string& name) const;

    std::filesystem::path dir_;
    std::vector<std::filesystem::path> layers_;
    // The last problem logged per file, so that reading the property does not flood the log.
    mutable std::map<std::string, std::string> reported_;
};

} // namespace mamori::sandbox
