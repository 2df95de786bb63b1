// Fuzz target for the keyfile parser behind mamori.conf, state files and sandbox profiles: any
// input must either parse or fail with KeyFileError, and what parses must survive a round trip.
#include "common/KeyFile.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto file = mamori::KeyFile::parse(text, "fuzz");
        const auto again = mamori::KeyFile::parse(file.serialize(), "fuzz-again");
        if (again.groups().size() != file.groups().size()) {
            std::abort();
        }
        for (const auto& group : file.groups()) {
            for (const auto& entry : group.entries) {
                if (again.value(group.name, entry.key) != entry.value) {
                    std::abort();
                }
            }
        }
    } catch (const mamori::KeyFileError&) {
    }
    return 0;
}
