#include "sandbox/ProfileLoader.h"

#include "sandbox/ProfileBuilder.h"
#include "sandbox/ProfileMerger.h"

#include <algorithm>
#include <cstdlib>

namespace mamori::sandbox {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSuffix = ".profile";

bool isPath(std::string_view nameOrPath) {
    return nameOrPath.find('/') != std::string_view::npos || nameOrPath.ends_with(kSuffix);
}

std::string stemOf(std::string_view path) {
    return fs::path(path).stem().string();
}

std::string joinStack(const std::vector<std::string>& stack, const std::string& last) {
    std::string text;
    for (const auto& name : stack) {
        text += name + " -> ";
    }
    return text + last;
}

fs::path userDir() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg == '/') {
        return fs::path(xdg) / "mamori/profiles";
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
        return fs::path(home) / ".config/mamori/profiles";
    }
    return {};
}

} // namespace

ProfileLoader::ProfileLoader(std::vector<std::filesystem::path> layerDirs)
    : layerDirs_(std::move(layerDirs)) {}

std::vector<std::filesystem::path> ProfileLoader::defaultLayerDirs() {
    if (const char* path = std::getenv("MAMORI_PROFILE_PATH"); path != nullptr && *path != 0) {
        std::vector<fs::path> dirs;
        std::string_view rest(path);
        while (!rest.empty()) {
            const auto colon = rest.find(':');
            if (colon != 0) {
                dirs.emplace_back(rest.substr(0, colon));
            }
            rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
        }
        return dirs;
    }
    std::vector<fs::path> dirs{MAMORI_SYSTEM_PROFILES_DIR, MAMORI_ADMIN_PROFILES_DIR};
    if (fs::path user = userDir(); !user.empty()) {
        dirs.push_back(std::move(user));
    }
    return dirs;
}

std::vector<std::filesystem::path> ProfileLoader::layerFiles(std::string_view name) const {
    std::vector<fs::path> files;
    for (const auto& dir : layerDirs_) {
        fs::path candidate = dir / (std::string(name) + std::string(kSuffix));
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) {
            files.push_back(std::move(candidate));
        }
    }
    return files;
}

void ProfileLoader::applyFile(const KeyFile& file, RawProfile& raw,
                              std::vector<std::string>& stack) const {
    for (const auto& include : ProfileMerger::includes(file)) {
        applyName(include.text, include.origin, raw, stack);
    }
    ProfileMerger::merge(file, raw);
    raw.sources.push_back(file.source());
}

void ProfileLoader::applyName(const std::string& name, const Origin& from, RawProfile& raw,
                              std::vector<std::string>& stack) const {
    if (std::find(stack.begin(), stack.end(), name) != stack.end()) {
        throw KeyFileError(from.file, from.line, "include loop: " + joinStack(stack, name));
    }
    const auto files = layerFiles(name);
    if (files.empty()) {
        throw KeyFileError(from.file, from.line,
                           "Include: no profile '" + name + "' in the profile directories");
    }
    stack.push_back(name);
    for (const auto& path : files) {
        applyFile(*KeyFile::load(path), raw, stack);
    }
    stack.pop_back();
}

RawProfile ProfileLoader::loadRaw(std::string_view nameOrPath) const {
    RawProfile raw;
    std::vector<std::string> stack;
    if (isPath(nameOrPath)) {
        raw.name = stemOf(nameOrPath);
        const auto file = KeyFile::load(fs::path(nameOrPath));
        if (!file) {
            throw KeyFileError(std::string(nameOrPath), 0, "no such profile file");
        }
        stack.push_back(raw.name);
        // A profile given as a file includes its neighbours first (a development tree, a
        // profile someone is writing), above the installed layers.
        auto dirs = layerDirs_;
        dirs.push_back(fs::path(nameOrPath).parent_path().empty()
                           ? fs::path(".")
                           : fs::path(nameOrPath).parent_path());
        ProfileLoader(std::move(dirs)).applyFile(*file, raw, stack);
        return raw;
    }
    raw.name = std::string(nameOrPath);
    if (!ProfileMerger::isPhaseName(raw.name)) {
        throw KeyFileError(raw.name, 0, "not a profile name or path");
    }
    if (layerFiles(raw.name).empty()) {
        throw KeyFileError(raw.name, 0, "no profile '" + raw.name + "' in the profile directories");
    }
    applyName(raw.name, {raw.name, 0}, raw, stack);
    return raw;
}

Profile ProfileLoader::load(std::string_view nameOrPath) const {
    return ProfileBuilder::build(loadRaw(nameOrPath));
}

Profile ProfileLoader::loadText(std::string_view text, const std::string& source) const {
    RawProfile raw;
    raw.name = stemOf(source);
    std::vector<std::string> stack{raw.name};
    applyFile(KeyFile::parse(text, source), raw, stack);
    return ProfileBuilder::build(raw);
}

} // namespace mamori::sandbox
