#include "cli/JsonWriter.h"

#include <gtest/gtest.h>

using mamori::cli::JsonWriter;

TEST(JsonWriter, NestsAndSeparates) {
    JsonWriter json;
    json.beginObject();
    json.key("a").value(true);
    json.key("list").beginArray().value(1UL).value("two").endArray();
    json.key("obj").beginObject().key("x").value(false).endObject();
    json.endObject();
    EXPECT_EQ(json.str(), R"({"a":true,"list":[1,"two"],"obj":{"x":false}})");
}

TEST(JsonWriter, EscapesControlCharactersAndQuotes) {
    JsonWriter json;
    json.value(std::string_view("q\"b\\n\n\x01"));
    EXPECT_EQ(json.str(), R"("q\"b\\n\n\u0001")");
}
