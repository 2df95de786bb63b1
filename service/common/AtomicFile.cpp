#include "common/AtomicFile.h"

#include "common/UniqueFd.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace mamori {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
    throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

void writeAll(int fd, std::string_view content, const std::filesystem::path& path) {
    while (!content.empty()) {
        const ssize_t n = ::write(fd, content.data(), content.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            fail("cannot write", path);
        }
        content.remove_prefix(static_cast<size_t>(n));
    }
}

} // namespace

void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         std::filesystem::perms mode) {
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
    std::string temp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
    UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
    if (fd.get() < 0) {
        fail("cannot create a temporary file for", path);
    }
    try {
        writeAll(fd.get(), content, temp);
        if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) {
            fail("cannot set the mode of", temp);
        }
        if (::fsync(fd.get()) != 0) {
            fail("cannot flush", temp);
        }
        if (::close(fd.release()) != 0) {
            fail("cannot close", temp);
        }
        if (::rename(temp.c_str(), path.c_str()) != 0) {
            fail("cannot replace", path);
        }
    } catch (...) {
        ::unlink(temp.c_str());
        throw;
    }
    // The rename is durable only once the directory entry is on disk.
    UniqueFd dirFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dirFd.get() < 0 || ::fsync(dirFd.get()) != 0) {
        fail("cannot flush directory", dir);
    }
}

} // namespace mamori
