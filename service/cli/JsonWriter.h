// A minimal streaming JSON writer for `mamorictl --json`: objects, arrays, strings, numbers and
// booleans, with correct escaping. Commas are tracked so callers only describe structure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mamori::cli {

class JsonWriter {
public:
    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(bool flag);
    JsonWriter& value(unsigned long number);

    const std::string& str() const { return out_; }

private:
    void separate();
    void appendString(std::string_view text);

    std::string out_;
    std::vector<bool> needComma_;
    bool afterKey_ = false;
};

} // namespace mamori::cli
