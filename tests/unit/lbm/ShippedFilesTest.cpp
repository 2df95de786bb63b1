// Checks that keep shipped files honest: every rule file in packaging/rules parses and
// type-checks, the language reference names every field of the table, and the device
// accessors cover exactly the device fields of the table.
#include "LbmTestHelpers.h"
#include "lbm/Interpreter.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <stdexcept>

namespace mamori::lbm {
namespace {

const std::filesystem::path kSource = MAMORI_SOURCE_DIR;

TEST(ShippedRules, EveryFileParsesAndTypeChecks) {
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kSource / "packaging/rules")) {
        if (entry.path().extension() != ".rules") {
            continue;
        }
        SCOPED_TRACE(entry.path().string());
        RuleFile file;
        EXPECT_NO_THROW(file = Parser::parseFile(entry.path()));
        EXPECT_NO_THROW(TypeChecker::check(file));
        EXPECT_FALSE(file.rules.empty());
        ++files;
    }
    EXPECT_GE(files, 4);
}

TEST(ShippedRules, BlueborneDropsTheOversizedPendingConfigResponseOnly) {
    RuleFile file = Parser::parseFile(kSource / "packaging/rules/blueborne.rules");
    TypeChecker::check(file);
    const auto drops = [&](const test::Packet& p) {
        return Interpreter::evaluatePacket(file, Subsystem::BtL2cap, p.meta, p.bytes).drop;
    };
    EXPECT_TRUE(drops(test::l2capConfigResponse(0x0001, 64)));   // cmd len 70
    EXPECT_TRUE(drops(test::l2capConfigResponse(0x0001, 200)));  // far past the stack buffer
    EXPECT_FALSE(drops(test::l2capConfigResponse(0x0001, 63)));  // cmd len 69
    EXPECT_FALSE(drops(test::l2capConfigResponse(0x0000, 100))); // result success
    EXPECT_FALSE(drops(test::l2capSignal(0x04, 1, std::vector<uint8_t>(100, 0)))); // conf req
    test::Packet otherChannel = test::l2capConfigResponse(0x0001, 100);
    otherChannel.bytes[2] = 0x40;
    EXPECT_FALSE(drops(otherChannel));
    test::Packet truncated = test::l2capConfigResponse(0x0001, 100);
    truncated.bytes.resize(12); // result field outside the frame
    truncated.meta.len = 12;
    EXPECT_FALSE(drops(truncated));
}

TEST(ShippedRules, MalformedHciEventLengths) {
    RuleFile file = Parser::parseFile(kSource / "packaging/rules/hci-malformed-length.rules");
    TypeChecker::check(file);
    const auto drops = [&](const test::Packet& p) {
        return Interpreter::evaluatePacket(file, Subsystem::BtHci, p.meta, p.bytes).drop;
    };
    EXPECT_FALSE(drops(test::hciEvent(0x0e, 4, 4)));
    EXPECT_FALSE(drops(test::hciEvent(0x0e, 0, 0)));
    EXPECT_FALSE(drops(test::hciEvent(0x0e, 4, 10))); // trailing bytes are not an overrun
    EXPECT_TRUE(drops(test::hciEvent(0x0e, 5, 4)));
    EXPECT_TRUE(drops(test::hciEvent(0x3e, 255, 0)));
    test::Packet oneByte = test::hciEvent(0x0e, 0, 0);
    oneByte.bytes.resize(1);
    oneByte.meta.len = 1;
    EXPECT_TRUE(drops(oneByte));
    EXPECT_FALSE(drops(test::hciCommand(3, 3, 0))); // commands are not events
}

TEST(FieldTable, NamesAreUniqueAndWellFormed) {
    std::set<std::string_view> names;
    for (const auto& field : allFields()) {
        EXPECT_TRUE(names.insert(field.name).second) << field.name;
        EXPECT_EQ(findField(field.name), &field);
        EXPECT_FALSE(field.doc.empty()) << field.name;
        if (field.type == FieldType::Number) {
            EXPECT_TRUE(field.widthBits == 8 || field.widthBits == 16 || field.widthBits == 32 ||
                        field.widthBits == 64)
                << field.name;
        }
        if (field.source == FieldSource::Meta) {
            EXPECT_LE(field.offset + field.widthBits / 8, sizeof(lbm_packet_meta)) << field.name;
        }
    }
    EXPECT_EQ(findField("usb.nonexistent"), nullptr);
}

TEST(FieldTable, EveryDeviceFieldHasAnAccessor) {
    const DeviceDescription device;
    const InterfaceDescription interface;
    for (const auto& field : allFields()) {
        if (field.source == FieldSource::Device) {
            EXPECT_NO_THROW((void)deviceFieldValue(field.name, device, &interface)) << field.name;
        }
    }
    EXPECT_THROW((void)deviceFieldValue("bt.hci.type", device, &interface), std::logic_error);
}

TEST(Documentation, ReferenceNamesEveryField) {
    std::ifstream in(kSource / "docs/lbm-language.md");
    ASSERT_TRUE(in) << "docs/lbm-language.md is missing";
    std::ostringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    for (const auto& field : allFields()) {
        EXPECT_NE(doc.find("`" + std::string(field.name) + "`"), std::string::npos)
            << "docs/lbm-language.md does not describe " << field.name;
    }
}

} // namespace
} // namespace mamori::lbm
