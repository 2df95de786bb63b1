// Internal: a uniquely named, empty child cgroup that exists only as long as this object.
#pragma once

#include "common/UniqueFd.h"

#include <string>

namespace mamori::kernel::probe {

class TempCgroup {
public:
    // Creates <parent>/mamori-probe-XXXXXX; throws BpfError when that is not allowed.
    explicit TempCgroup(const std::string& parent);
    // Removes the directory; the kernel refuses if a process is still inside, so callers reap
    // anything they moved in first.
    ~TempCgroup();
    TempCgroup(const TempCgroup&) = delete;
    TempCgroup& operator=(const TempCgroup&) = delete;

    const std::string& path() const noexcept { return path_; }
    int fd() const noexcept { return dir_.get(); }

private:
    std::string path_;
    UniqueFd dir_;
};

} // namespace mamori::kernel::probe
