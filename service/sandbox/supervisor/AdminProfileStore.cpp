#include "sandbox/supervisor/AdminProfileStore.h"

#include "common/AtomicFile.h"
#include "common/Errors.h"
#include "common/KeyFile.h"
#include "common/Log.h"
#include "common/UniqueFd.h"
#include "sandbox/FilterCompiler.h"
#include "sandbox/KernelSeccomp.h"
#include "sandbox/ProfileLoader.h"
#include "sandbox/ProfileMerger.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace mamori::sandbox {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSuffix = ".profile";
constexpr auto kFileMode =
    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;
constexpr mode_t kDirectoryMode = 0755;

bool samePath(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    const fs::path canonicalA = fs::weakly_canonical(a, ec);
    if (ec) {
        return a.lexically_normal() == b.lexically_normal();
    }
    const fs::path canonicalB = fs::weakly_canonical(b, ec);
    if (ec) {
        return a.lexically_normal() == b.lexically_normal();
    }
    return canonicalA == canonicalB;
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
    if (from.empty()) {
        return;
    }
    for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
        text.replace(pos, from.size(), to);
    }
}

std::string errnoText() {
    return std::strerror(errno);
}

// A private directory standing in for the administrator's layer while a new profile is
// checked: the new text as NAME.profile beside links to the other admin profiles, so that the
// check sees exactly the layer as it will be. Removed with everything in it.
class Overlay {
public:
    Overlay() {
        std::string pattern = (fs::temp_directory_path() / "mamori-profile-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw MamoriError(ErrorCode::Failed,
                              "cannot create a directory to check the profile in: " + errnoText());
        }
        path_ = pattern;
    }
    ~Overlay() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    Overlay(const Overlay&) = delete;
    Overlay& operator=(const Overlay&) = delete;

    const fs::path& path() const { return path_; }

    void linkProfilesFrom(const fs::path& dir, const std::string& except) {
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            const fs::path& file = it->path();
            if (file.extension() != kSuffix || file.filename() == except ||
                !fs::is_regular_file(file, ec)) {
                continue;
            }
            fs::create_symlink(fs::absolute(file), path_ / file.filename(), ec);
            ec.clear();
        }
    }

private:
    fs::path path_;
};

std::vector<fs::path> replaceLayer(const std::vector<fs::path>& layers, const fs::path& layer,
                                   const fs::path& replacement) {
    std::vector<fs::path> out;
    bool replaced = false;
    for (const auto& dir : layers) {
        const bool match = samePath(dir, layer);
        out.push_back(match ? replacement : dir);
        replaced = replaced || match;
    }
    if (!replaced) {
        out.push_back(replacement);
    }
    return out;
}

std::string nameProblem(const std::string& name) {
    return "name: '" + name + "' is not a profile name (lower-case letters, digits, '-' and '_', " +
           "at most " + std::to_string(AdminProfileStore::kMaxNameLength) + " characters)";
}

} // namespace

fs::path AdminProfileStore::defaultDirectory() {
    return MAMORI_ADMIN_PROFILES_DIR;
}

std::vector<fs::path> AdminProfileStore::layersFor(const fs::path& adminDir) {
    std::vector<fs::path> layers = ProfileLoader::defaultLayerDirs();
    const char* override = std::getenv("MAMORI_PROFILE_PATH");
    if ((override == nullptr || *override == '\0') && !layers.empty()) {
        // Without the override, the loader's list is system, admin, user: keep the system one.
        layers.resize(1);
    }
    const bool listed = std::any_of(layers.begin(), layers.end(),
                                    [&](const fs::path& dir) { return samePath(dir, adminDir); });
    if (!listed) {
        layers.push_back(adminDir);
    }
    return layers;
}

bool AdminProfileStore::validName(std::string_view name) {
    // The loader's own rule for a name it looks up in the layers: a profile stored under any
    // other name could never be used by name.
    return name.size() <= kMaxNameLength && ProfileMerger::isPhaseName(std::string(name));
}

AdminProfileStore::AdminProfileStore(const fs::path& dir)
    : AdminProfileStore(dir, layersFor(dir)) {}

AdminProfileStore::AdminProfileStore(fs::path dir, std::vector<fs::path> layers)
    : dir_(std::move(dir))
    , layers_(std::move(layers)) {}

fs::path AdminProfileStore::fileOf(const std::string& name) const {
    return dir_ / (name + std::string(kSuffix));
}

std::vector<AdminProfile> AdminProfileStore::list() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& file = it->path();
        std::error_code typeError;
        if (file.extension() == kSuffix && !file.stem().empty() &&
            fs::is_regular_file(file, typeError)) {
            names.push_back(file.stem().string());
        }
    }
    std::sort(names.begin(), names.end());
    std::vector<AdminProfile> out;
    for (auto& name : names) {
        std::string app = appOf(name);
        out.push_back({std::move(name), std::move(app)});
    }
    return out;
}

std::string AdminProfileStore::appOf(const std::string& name) const {
    std::string problem;
    if (!validName(name)) {
        problem = fileOf(name).string() + ": cannot be used by name: " + nameProblem(name);
    } else {
        try {
            std::string id = ProfileLoader(layers_).load(name).id;
            reported_.erase(name);
            return id;
        } catch (const std::exception& e) {
            problem = e.what();
        }
    }
    auto& last = reported_[name];
    if (last != problem) {
        log::warning("administrator's sandbox profile does not load: " + problem);
        last = problem;
    }
    return {};
}

void AdminProfileStore::check(const std::string& name, const std::string& text) const {
    const std::string fileName = name + std::string(kSuffix);
    Overlay overlay;
    overlay.linkProfilesFrom(dir_, fileName);
    try {
        writeFileAtomically(overlay.path() / fileName, text);
    } catch (const std::system_error& e) {
        throw MamoriError(ErrorCode::Failed, std::string("cannot check the profile: ") + e.what());
    }
    try {
        const Profile profile =
            ProfileLoader(replaceLayer(layers_, dir_, overlay.path())).load(name);
        FilterCompiler(KernelSeccomp::probe()).compile(profile);
    } catch (const KeyFileError& e) {
        // Name the files as the administrator knows them, not by the overlay's links.
        std::string message = e.what();
        replaceAll(message, (overlay.path() / fileName).string(), fileName);
        replaceAll(message, (overlay.path() / "").string(), (dir_ / "").string());
        throw MamoriError(ErrorCode::InvalidArgs, message);
    }
}

void AdminProfileStore::ensureDirectory() const {
    std::error_code ec;
    if (fs::is_directory(dir_, ec)) {
        return;
    }
    if (dir_.has_parent_path()) {
        fs::create_directories(dir_.parent_path(), ec);
    }
    if (ec || (::mkdir(dir_.c_str(), kDirectoryMode) != 0 && errno != EEXIST)) {
        throw MamoriError(ErrorCode::StateNotSaved, "cannot create " + dir_.string() + ": " +
                                                        (ec ? ec.message() : errnoText()));
    }
    // mkdir applied our umask; readers of the layer are every user.
    ::chmod(dir_.c_str(), kDirectoryMode);
}

void AdminProfileStore::install(const std::string& name, const std::string& text) {
    if (!validName(name)) {
        throw MamoriError(ErrorCode::InvalidArgs, nameProblem(name));
    }
    if (text.size() > kMaxTextSize) {
        throw MamoriError(ErrorCode::InvalidArgs,
                          "text: larger than " + std::to_string(kMaxTextSize / 1024) + " KiB");
    }
    check(name, text);
    ensureDirectory();
    try {
        writeFileAtomically(fileOf(name), text, kFileMode);
    } catch (const std::system_error& e) {
        throw MamoriError(ErrorCode::StateNotSaved, e.what());
    }
    reported_.erase(name);
    log::notice("sandbox profile " + fileOf(name).string() + " installed");
}

void AdminProfileStore::remove(const std::string& name) {
    if (!validName(name)) {
        throw MamoriError(ErrorCode::InvalidArgs, nameProblem(name));
    }
    const fs::path file = fileOf(name);
    if (::unlink(file.c_str()) != 0) {
        if (errno == ENOENT) {
            throw MamoriError(ErrorCode::NotFound, "no profile '" + name + "' in " + dir_.string());
        }
        throw MamoriError(ErrorCode::StateNotSaved,
                          "cannot remove " + file.string() + ": " + errnoText());
    }
    reported_.erase(name);
    // The removal is durable only once the directory is on disk; it has happened either way.
    const UniqueFd dirFd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dirFd || ::fsync(dirFd.get()) != 0) {
        log::warning("cannot flush " + dir_.string() + ": " + errnoText());
    }
    log::notice("sandbox profile " + file.string() + " removed");
}

} // namespace mamori::sandbox
