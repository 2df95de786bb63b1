#include "common/Log.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace mamori::log {
namespace {

Level gThreshold = Level::Info;
std::string gProgram = "mamori";

// systemd sets JOURNAL_STREAM=<dev>:<inode> for the stream it connected; only when stderr is that
// very stream do the prefixes help rather than clutter.
bool stderrIsJournal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) {
        return false;
    }
    struct stat st {};
    if (fstat(STDERR_FILENO, &st) != 0) {
        return false;
    }
    const std::string expected = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    return expected == stream;
}

const char* levelWord(Level level) {
    switch (level) {
    case Level::Error:
        return "error";
    case Level::Warning:
        return "warning";
    case Level::Notice:
        return "notice";
    case Level::Info:
        return "info";
    case Level::Debug:
        return "debug";
    }
    return "log";
}

} // namespace

void setThreshold(Level level) {
    gThreshold = level;
}
void setProgramName(std::string_view name) {
    gProgram = name;
}

void write(Level level, std::string_view message) {
    if (static_cast<int>(level) > static_cast<int>(gThreshold)) {
        return;
    }
    static const bool journal = stderrIsJournal();
    std::string line;
    if (journal) {
        line = "<" + std::to_string(static_cast<int>(level)) + ">";
    } else {
        line = gProgram + ": " + levelWord(level) + ": ";
    }
    line.append(message);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace mamori::log
