#include "LibbpfLogCapture.h"

#include <bpf/libbpf.h>
#include <cstdarg>
#include <cstdio>
#include <sstream>
#include <vector>

namespace mamori::kernel::probe {

namespace {

// libbpf's printer is a plain function pointer with no context argument.
thread_local std::string* currentSink = nullptr;

__attribute__((format(printf, 2, 0))) int capture(libbpf_print_level level, const char* format,
                                                  va_list args) {
    if (level == LIBBPF_DEBUG || currentSink == nullptr) {
        return 0;
    }
    va_list sizing;
    va_copy(sizing, args);
    const int length = std::vsnprintf(nullptr, 0, format, sizing);
    va_end(sizing);
    if (length <= 0) {
        return 0;
    }
    std::vector<char> buffer(static_cast<std::size_t>(length) + 1);
    std::vsnprintf(buffer.data(), buffer.size(), format, args);
    currentSink->append(buffer.data(), static_cast<std::size_t>(length));
    return length;
}

bool isStatisticsLine(const std::string& line) {
    return line.starts_with("processed ") || line.starts_with("verification time") ||
           line.starts_with("stack depth");
}

} // namespace

LibbpfLogCapture::LibbpfLogCapture()
    : previousSink_(currentSink)
    , previousPrinter_(nullptr) {
    currentSink = &text_;
    previousPrinter_ = libbpf_set_print(&capture);
}

LibbpfLogCapture::~LibbpfLogCapture() {
    libbpf_set_print(previousPrinter_);
    currentSink = previousSink_;
}

std::string LibbpfLogCapture::verifierSummary() const {
    const auto begin = text_.rfind("-- BEGIN PROG LOAD LOG --");
    if (begin == std::string::npos) {
        return {};
    }
    std::istringstream log(text_.substr(begin));
    std::string summary;
    for (std::string line; std::getline(log, line);) {
        if (line.find("PROG LOAD LOG") != std::string::npos || line.empty() ||
            isStatisticsLine(line)) {
            continue;
        }
        summary = line;
    }
    return summary;
}

} // namespace mamori::kernel::probe
