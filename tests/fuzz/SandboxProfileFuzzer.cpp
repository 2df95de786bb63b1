// Fuzz target for the sandbox profile front end: any input must either load (parse, merge,
// validate) and compile to a filter and plan, or fail with KeyFileError naming file:line.
#include "common/KeyFile.h"
#include "sandbox/FilterCompiler.h"
#include "sandbox/ProfileLoader.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        // No layer directories: includes fail cleanly instead of reading the disk.
        const auto profile = mamori::sandbox::ProfileLoader({}).loadText(text, "fuzz.profile");
        const auto compiled =
            mamori::sandbox::FilterCompiler(mamori::sandbox::KernelSeccomp::stock())
                .compile(profile);
        if (compiled.plan.syscalls.size() > 4096) {
            std::abort();
        }
    } catch (const mamori::KeyFileError& e) {
        if (e.line() < 0) {
            std::abort();
        }
    }
    return 0;
}
