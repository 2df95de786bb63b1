// Logging to stderr. Under systemd (stderr connected to the journal) each line carries the
// `<N>` priority prefix that journald turns into the message's priority; on a terminal the
// level is written as a word instead.
#pragma once

#include <string_view>

namespace mamori::log {

enum class Level { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

void setThreshold(Level level);
void setProgramName(std::string_view name);
void write(Level level, std::string_view message);

inline void error(std::string_view m) {
    write(Level::Error, m);
}
inline void warning(std::string_view m) {
    write(Level::Warning, m);
}
inline void notice(std::string_view m) {
    write(Level::Notice, m);
}
inline void info(std::string_view m) {
    write(Level::Info, m);
}
inline void debug(std::string_view m) {
    write(Level::Debug, m);
}

} // namespace mamori::log
