#include "TempCgroup.h"

#include "kernel/BpfError.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace mamori::kernel::probe {

namespace {

std::string makeUniqueDirectory(const std::string& parent) {
    std::string pattern = parent + "/mamori-probe-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) {
        const int error = errno;
        throw BpfError("create cgroup under " + parent, error);
    }
    return buffer.data();
}

} // namespace

TempCgroup::TempCgroup(const std::string& parent)
    : path_(makeUniqueDirectory(parent)) {
    dir_.reset(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_) {
        const int error = errno;
        ::rmdir(path_.c_str());
        throw BpfError("open cgroup " + path_, error);
    }
}

TempCgroup::~TempCgroup() {
    dir_.reset();
    ::rmdir(path_.c_str());
}

} // namespace mamori::kernel::probe
