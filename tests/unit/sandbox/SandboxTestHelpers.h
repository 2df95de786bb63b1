// Helpers for the sandbox tests: profiles written into temporary layer directories, and
// loading a profile from text as `t.profile`.
#pragma once

#include "TempDir.h"
#include "sandbox/ProfileLoader.h"

#include <fstream>
#include <string>

namespace mamori::sandbox::test {

inline Profile fromText(const std::string& text) {
    return ProfileLoader({}).loadText(text, "t.profile");
}

// The error message loading `text` gives, or "" when it loads.
inline std::string errorOf(const std::string& text) {
    try {
        fromText(text);
    } catch (const KeyFileError& e) {
        return e.what();
    }
    return "";
}

class Layers {
public:
    Layers() {
        for (const char* name : {"system", "admin", "user"}) {
            std::filesystem::create_directories(dir_.path() / name);
        }
    }
    std::filesystem::path dir(const std::string& layer) const { return dir_.path() / layer; }
    void write(const std::string& layer, const std::string& name, const std::string& text) const {
        std::ofstream(dir(layer) / (name + ".profile")) << text;
    }
    ProfileLoader loader() const {
        return ProfileLoader({dir("system"), dir("admin"), dir("user")});
    }

private:
    TempDir dir_;
};

} // namespace mamori::sandbox::test
