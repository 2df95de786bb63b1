// The grammar: every construct parses to the expected canonical form, every error names the
// right line:column and the expected token, includes resolve relative to the including file.
#include "LbmTestHelpers.h"
#include "lbm/Lexer.h"
#include "lbm/Printer.h"
#include "lbm/RuleError.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

namespace mamori::lbm {
namespace {

struct ParseCase {
    std::string input;
    std::string printed; // Printer output of the parsed file
};

class ParsesTo : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParsesTo, CanonicalText) {
    const RuleFile file = Parser::parse(GetParam().input, "test.rules");
    EXPECT_EQ(Printer::print(file), GetParam().printed);
}

INSTANTIATE_TEST_SUITE_P(
    Constructs, ParsesTo,
    ::testing::Values(
        ParseCase{"usb.idProduct == 0x1234", "rule rule-1 drop { usb.idProduct == 0x1234 }\n"},
        ParseCase{"usb.serial == \"7777\"", "rule rule-1 drop { usb.serial == \"7777\" }\n"},
        ParseCase{"((bt.hci.type == 1) && (bt.hci.len < 3)) || "
                  "((bt.hci.type == 2) && (bt.hci.len < 4))",
                  "rule rule-1 drop { bt.hci.type == 1 && bt.hci.len < 3 || bt.hci.type == 2 && "
                  "bt.hci.len < 4 }\n"},
        ParseCase{"(bt.l2cap.skb_len < 4) || ((bt.l2cap.cid == 1) && (bt.l2cap.len < 8))",
                  "rule rule-1 drop { bt.l2cap.skb_len < 4 || bt.l2cap.cid == 1 && bt.l2cap.len < "
                  "8 }\n"},
        ParseCase{"(usb.idVendor == 1 || usb.idVendor == 2) && usb.idProduct == 3",
                  "rule rule-1 drop { (usb.idVendor == 1 || usb.idVendor == 2) && usb.idProduct "
                  "== 3 }\n"},
        ParseCase{"usb.idVendor == 1 || (usb.idVendor == 2 || usb.idVendor == 3)",
                  "rule rule-1 drop { usb.idVendor == 1 || (usb.idVendor == 2 || usb.idVendor == "
                  "3) }\n"},
        ParseCase{"usb.idVendor != 1 && usb.idVendor < 2 && usb.idVendor <= 3 && "
                  "usb.idVendor > 4 && usb.idVendor >= 5",
                  "rule rule-1 drop { usb.idVendor != 1 && usb.idVendor < 2 && usb.idVendor <= 3 "
                  "&& usb.idVendor > 4 && usb.idVendor >= 5 }\n"},
        ParseCase{"!usb.idVendor == 1", "rule rule-1 drop { !usb.idVendor == 1 }\n"},
        ParseCase{"!(usb.idVendor == 1 && usb.idProduct == 2) && !!usb.busnum == 3",
                  "rule rule-1 drop { !(usb.idVendor == 1 && usb.idProduct == 2) && "
                  "!!usb.busnum == 3 }\n"},
        ParseCase{"usb.interface.class in {3, 8,0xff}",
                  "rule rule-1 drop { usb.interface.class in {3, 8, 0xff} }\n"},
        ParseCase{"usb.interface_classes in {8}",
                  "rule rule-1 drop { usb.interface_classes in {8} }\n"},
        ParseCase{"usb.urb.payload[0:4] == \"USBC\"",
                  "rule rule-1 drop { usb.urb.payload[0:4] == \"USBC\" }\n"},
        ParseCase{"usb.urb.setup[0:2] == 0x8006",
                  "rule rule-1 drop { usb.urb.setup[0:2] == 0x8006 }\n"},
        ParseCase{"bt.hci.event.len + 2 > bt.hci.len",
                  "rule rule-1 drop { bt.hci.event.len + 2 > bt.hci.len }\n"},
        ParseCase{"bt.hci.len < bt.hci.event.len + 0x10",
                  "rule rule-1 drop { bt.hci.len < bt.hci.event.len + 0x10 }\n"},
        ParseCase{"usb.serial == \"a\\\"b\\\\c\\x01\\x7f\"",
                  "rule rule-1 drop { usb.serial == \"a\\\"b\\\\c\\x01\\x7f\" }\n"},
        ParseCase{"rule my-rule allow { true }\nrule other ask { false }\nrule l log { "
                  "usb.idVendor == 9 }",
                  "rule my-rule allow { true }\nrule other ask { false }\nrule l log { "
                  "usb.idVendor == 9 }\n"},
        ParseCase{"# comment\nusb.idVendor == 1 // trailing comment\n  # more\n"
                  "usb.idVendor == 2\nrule named drop { usb.idVendor == 3 }\nusb.idVendor == 4",
                  "rule rule-1 drop { usb.idVendor == 1 }\nrule rule-2 drop { usb.idVendor == 2 "
                  "}\nrule named drop { usb.idVendor == 3 }\nrule rule-4 drop { usb.idVendor == "
                  "4 }\n"},
        ParseCase{"usb.idVendor==1&&usb.idProduct>=18446744073709551615",
                  "rule rule-1 drop { usb.idVendor == 1 && usb.idProduct >= 0xffffffffffffffff "
                  "}\n"},
        ParseCase{"", ""}, ParseCase{"# only a comment", ""}));

struct ErrorCase {
    std::string input;
    int line;
    int column;
    std::string message;
};

class RejectsWith : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RejectsWith, PositionAndExpectedToken) {
    const auto& param = GetParam();
    try {
        (void)Parser::parse(param.input, "test.rules");
        FAIL() << "parsed: " << param.input;
    } catch (const RuleError& e) {
        EXPECT_EQ(e.position().file, "test.rules");
        EXPECT_EQ(e.position().line, param.line) << e.what();
        EXPECT_EQ(e.position().column, param.column) << e.what();
        EXPECT_EQ(e.message(), param.message);
        EXPECT_EQ(std::string(e.what()), "test.rules:" + std::to_string(param.line) + ":" +
                                             std::to_string(param.column) + ": " + param.message);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Errors, RejectsWith,
    ::testing::Values(
        ErrorCase{"usb.idVendor == 1 &&\n  (usb.idProduct == 2 && )", 2, 26,
                  "expected a field, '(', '!', 'true' or 'false' after '&&', got ')'"},
        ErrorCase{"(usb.idVendor == 1 || usb.idProduct == 2 usb.serial == \"x\")", 1, 42,
                  "expected ')' after expression, got 'usb.serial'"},
        ErrorCase{"(usb.idVendor == 1", 1, 19, "expected ')' after expression, got end of input"},
        ErrorCase{"rule x block { usb.idVendor == 1 }", 1, 8,
                  "expected an action (drop, allow, ask or log) after rule name 'x', got 'block'"},
        ErrorCase{"rule x drop usb.idVendor == 1", 1, 13,
                  "expected '{' after the rule's action, got 'usb.idVendor'"},
        ErrorCase{"rule x drop { usb.idVendor == 1", 1, 32,
                  "expected '}' after rule condition, got end of input"},
        ErrorCase{"rule { usb.idVendor == 1 }", 1, 6, "expected a rule name after 'rule', got '{'"},
        ErrorCase{"usb.idVendor = 1", 1, 14, "unexpected '=' (comparison is '==')"},
        ErrorCase{"usb.idVendor == 1 & usb.idProduct == 2", 1, 19,
                  "unexpected '&' (did you mean '&&'?)"},
        ErrorCase{"usb.idVendor == 1 $", 1, 19, "unexpected character '$'"},
        ErrorCase{"usb.idVendr == 1", 1, 1, "unknown field 'usb.idVendr'"},
        ErrorCase{"usb.idVendor 1", 1, 14,
                  "expected a comparison operator or 'in' after 'usb.idVendor', got '1'"},
        ErrorCase{"usb.idVendor ==", 1, 16,
                  "expected a number or string after '==', got end of input"},
        ErrorCase{"usb.idVendor in 1", 1, 17, "expected '{' after 'in', got '1'"},
        ErrorCase{"usb.idVendor in {1,}", 1, 20, "expected a number or string after ',', got '}'"},
        ErrorCase{"usb.idVendor in {1 2}", 1, 20, "expected '}' after set members, got '2'"},
        ErrorCase{"usb.serial == \"abc", 1, 15,
                  "unterminated string (a string ends at the same line)"},
        ErrorCase{"usb.serial == \"a\\qb\"", 1, 17,
                  "unknown escape in string (use \\\", \\\\ or \\xNN)"},
        ErrorCase{"usb.serial == \"\\x4\"", 1, 16, "expected two hex digits after '\\x'"},
        ErrorCase{"usb.idVendor == 0x", 1, 17, "expected hex digits after '0x'"},
        ErrorCase{"usb.idVendor == 12ab", 1, 17, "invalid character 'a' in number"},
        ErrorCase{"usb.idVendor == 18446744073709551616", 1, 17,
                  "number 18446744073709551616 does not fit in 64 bits"},
        ErrorCase{"usb.urb.payload[0 2] == 1", 1, 19, "expected ':' after slice start, got '2'"},
        ErrorCase{"usb.urb.payload[0:2 == 1", 1, 21, "expected ']' after slice end, got '=='"},
        ErrorCase{"usb.urb.payload[x:2] == 1", 1, 17,
                  "expected a number in slice of 'usb.urb.payload', got 'x'"},
        ErrorCase{"usb.idVendor + 1 == 2", 1, 14,
                  "'+ N' is only allowed when comparing two fields"},
        ErrorCase{"bt.hci.len + 4294967296 == bt.hci.len", 1, 14,
                  "addend 4294967296 is larger than 4294967295"},
        ErrorCase{"include x", 1, 9, "expected a file name string after 'include', got 'x'"},
        ErrorCase{") usb.idVendor == 1", 1, 1,
                  "expected 'rule', 'include' or an expression at top level, got ')'"},
        ErrorCase{"usb.idVendor == 1 2", 1, 19,
                  "expected 'rule', 'include' or an expression at top level, got '2'"},
        ErrorCase{"# comment\n// another\nrule a drop {\n  usb.idVendor == 1 ||\n}\n", 5, 1,
                  "expected a field, '(', '!', 'true' or 'false' after '||', got '}'"},
        ErrorCase{"rule a drop { true }\nrule a allow { false }", 2, 1,
                  "duplicate rule name 'a' (first at test.rules:1)"},
        ErrorCase{"usb.idVendor == 1\nrule rule-1 allow { true }", 2, 1,
                  "duplicate rule name 'rule-1' (first at test.rules:1)"}));

std::string repeated(const std::string& text, int count) {
    std::string out;
    for (int i = 0; i < count; ++i) {
        out += text;
    }
    return out;
}

TEST(ParserLimits, DeepNestingIsAnErrorNotACrash) {
    const std::string parens = repeated("(", 300) + "usb.idVendor == 1" + repeated(")", 300);
    const std::string bangs = repeated("!", 100000) + "usb.idVendor == 1";
    const std::string chain = "usb.idVendor == 1" + repeated(" && usb.idVendor == 1", 300);
    for (const auto* text : {&parens, &bangs, &chain}) {
        try {
            (void)Parser::parse(*text, "deep.rules");
            FAIL() << "accepted a too deep expression";
        } catch (const RuleError& e) {
            EXPECT_EQ(e.message(), "expression nested too deeply (more than 256 levels)");
        }
    }
}

TEST(ParserLimits, NestingUpToTheLimitParses) {
    const std::string parens = repeated("(", 200) + "usb.idVendor == 1" + repeated(")", 200);
    EXPECT_EQ(Parser::parse(parens, "ok.rules").rules.size(), 1u);
    const std::string chain = "usb.idVendor == 1" + repeated(" || usb.idVendor == 1", 200);
    EXPECT_EQ(Parser::parse(chain, "ok.rules").rules.size(), 1u);
}

TEST(ParserPositions, RulesAndFieldsKnowWhereTheyAre) {
    const RuleFile file =
        Parser::parse("\n  rule a drop {\n    bt.hci.type == 4 }\nbt.hci.len < 2", "p.rules");
    ASSERT_EQ(file.rules.size(), 2u);
    EXPECT_EQ(file.rules[0].position.line, 2);
    EXPECT_EQ(file.rules[0].position.column, 3);
    const auto& c = std::get<Comparison>(file.rules[0].condition->node);
    EXPECT_EQ(c.lhs.position.line, 3);
    EXPECT_EQ(c.lhs.position.column, 5);
    EXPECT_EQ(file.rules[1].name, "rule-2");
    EXPECT_EQ(file.rules[1].position.line, 4);
    EXPECT_EQ(file.rules[0].subsystem, Subsystem::BtHci);
}

TEST(ParserSubsystem, RuleKnowsWhatItTalksAbout) {
    const RuleFile file = Parser::parse("usb.idVendor == 1\nusb.interface.class == 3 && "
                                        "usb.idVendor == 1\nbt.l2cap.cid == 1\ntrue",
                                        "s.rules");
    EXPECT_EQ(file.rules[0].subsystem, Subsystem::UsbDevice);
    EXPECT_EQ(file.rules[1].subsystem, Subsystem::UsbInterface);
    EXPECT_EQ(file.rules[2].subsystem, Subsystem::BtL2cap);
    EXPECT_EQ(file.rules[3].subsystem, std::nullopt);
}

TEST(ParseExpression, RejectsTrailingTokens) {
    EXPECT_NO_THROW((void)Parser::parseExpression("usb.idVendor == 1"));
    try {
        (void)Parser::parseExpression("usb.idVendor == 1 )");
        FAIL();
    } catch (const RuleError& e) {
        EXPECT_EQ(e.message(), "expected end of input after expression, got ')'");
        EXPECT_EQ(e.position().column, 19);
    }
}

TEST(Lexer, TokensAndEscapes) {
    const auto tokens = Lexer::tokenize(R"(a.b-c[1:0x2] "\x41\\" != + , })", "t");
    ASSERT_EQ(tokens.size(), 12u);
    EXPECT_EQ(tokens[0].text, "a.b-c");
    EXPECT_EQ(tokens[4].number, 2u);
    EXPECT_EQ(tokens[6].kind, TokenKind::String);
    EXPECT_EQ(tokens[6].text, "A\\");
    EXPECT_EQ(tokens[7].kind, TokenKind::Ne);
    EXPECT_EQ(tokens[11].kind, TokenKind::End);
}

// --- include ---------------------------------------------------------------------------------

TEST(Include, ResolvesRelativeToTheIncludingFile) {
    const auto options = test::memoryIncludes({
        {"/rules/sub/a.rules", "include \"../b.rules\"\nrule a drop { usb.idVendor == 1 }"},
        {"/rules/b.rules", "usb.idVendor == 2"},
    });
    const RuleFile file = Parser::parse("include \"sub/a.rules\"\nrule main allow { true }",
                                        "/rules/main.rules", options);
    ASSERT_EQ(file.rules.size(), 3u);
    EXPECT_EQ(file.rules[0].name, "rule-1");
    EXPECT_EQ(file.rules[0].position.file, "/rules/b.rules");
    EXPECT_EQ(file.rules[1].name, "a");
    EXPECT_EQ(file.rules[1].position.file, "/rules/sub/a.rules");
    EXPECT_EQ(file.rules[2].name, "main");
}

TEST(Include, LoopIsAnErrorAtTheIncludeThatClosesIt) {
    const auto options = test::memoryIncludes({
        {"/rules/a.rules", "usb.idVendor == 1\ninclude \"b.rules\""},
        {"/rules/b.rules", "\n\n  include \"a.rules\""},
    });
    try {
        (void)Parser::parse("include \"a.rules\"", "/rules/main.rules", options);
        FAIL();
    } catch (const RuleError& e) {
        EXPECT_EQ(e.position().file, "/rules/b.rules");
        EXPECT_EQ(e.position().line, 3);
        EXPECT_EQ(e.position().column, 3);
        EXPECT_EQ(e.message(),
                  "include loop: /rules/main.rules -> /rules/a.rules -> /rules/b.rules -> "
                  "/rules/a.rules");
    }
}

TEST(Include, SelfIncludeIsALoop) {
    const auto options = test::memoryIncludes({{"/r/self.rules", "include \"./self.rules\""}});
    EXPECT_THROW((void)Parser::parse("include \"self.rules\"", "/r/main.rules", options),
                 RuleError);
}

TEST(Include, MissingFileNamesTheIncludingFileAndLine) {
    try {
        (void)Parser::parse("usb.idVendor == 1\ninclude \"nope.rules\"", "/rules/main.rules",
                            test::memoryIncludes({}));
        FAIL();
    } catch (const RuleError& e) {
        EXPECT_EQ(std::string(e.what()), "/rules/main.rules:2:1: cannot read included file "
                                         "'nope.rules' (/rules/nope.rules)");
    }
}

TEST(Include, CanBeDisabled) {
    ParseOptions options;
    options.loadInclude = nullptr;
    try {
        (void)Parser::parse("include \"/etc/passwd\"", "f.rules", options);
        FAIL();
    } catch (const RuleError& e) {
        EXPECT_EQ(e.message(), "include is not allowed here");
    }
}

TEST(Include, ErrorsInsideAnIncludedFileNameThatFile) {
    const auto options = test::memoryIncludes({{"/r/bad.rules", "\nusb.idVendor == == 1"}});
    try {
        (void)Parser::parse("include \"bad.rules\"", "/r/main.rules", options);
        FAIL();
    } catch (const RuleError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "/r/bad.rules:2:17: expected a number or string after '==', got '=='");
    }
}

TEST(Include, ReadsRealFilesRelativeToTheIncludingFile) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("lbm-include-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir / "sub");
    std::ofstream(dir / "main.rules") << "include \"sub/x.rules\"\n";
    std::ofstream(dir / "sub" / "x.rules") << "rule x drop { usb.idVendor == 0x1234 }\n";
    const RuleFile file = Parser::parseFile(dir / "main.rules");
    std::filesystem::remove_all(dir);
    ASSERT_EQ(file.rules.size(), 1u);
    EXPECT_EQ(file.rules[0].name, "x");
}

TEST(Include, MissingTopLevelFileIsARuleError) {
    EXPECT_THROW((void)Parser::parseFile("/nonexistent/dir/x.rules"), RuleError);
}

} // namespace
} // namespace mamori::lbm
