// Internal: while alive, libbpf's messages go into this object instead of stderr, so that the
// feature probe's expected failures do not spam the journal but their text can still be reported.
#pragma once

#include <bpf/libbpf.h>
#include <string>

namespace mamori::kernel::probe {

class LibbpfLogCapture {
public:
    LibbpfLogCapture();
    ~LibbpfLogCapture();
    LibbpfLogCapture(const LibbpfLogCapture&) = delete;
    LibbpfLogCapture& operator=(const LibbpfLogCapture&) = delete;

    const std::string& text() const noexcept { return text_; }
    // The verifier's last meaningful line from the most recent "PROG LOAD LOG" libbpf printed,
    // or empty when there was none (e.g. the kernel refused before verifying).
    std::string verifierSummary() const;

private:
    std::string text_;
    std::string* previousSink_;
    libbpf_print_fn_t previousPrinter_;
};

} // namespace mamori::kernel::probe
