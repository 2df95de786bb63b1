// mamori_gui_probe copied where uid nobody can run it: the build tree may sit below a directory
// only root may enter (a CI clone in `mktemp -d` does).
#pragma once

#include "TempDir.h"

#include <filesystem>

class GuiProbeCopy {
public:
    explicit GuiProbeCopy(const std::filesystem::path& probe)
        : path_(dir_.path() / probe.filename()) {
        std::filesystem::permissions(dir_.path(), static_cast<std::filesystem::perms>(0755));
        std::filesystem::copy_file(probe, path_);
    }

    const std::filesystem::path& path() const { return path_; }

private:
    TempDir dir_;
    std::filesystem::path path_;
};
