// Random well-typed packet rules over random packets, through the kernel (XDP harness,
// BPF_PROG_TEST_RUN) and through the Interpreter: they must agree on every verdict and on the
// deciding rule. The seed is fixed so CI is repeatable; MAMORI_LBM_SEED=<n> explores (or
// replays) another run, MAMORI_LBM_SEED=random a fresh one. A mismatch prints the seed, the
// rule file and the packet.
#include "LbmTestSupport.h"
#include "lbm/Interpreter.h"
#include "lbm/Printer.h"
#include "lbm/RuleError.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>
#include <random>
#include <string_view>

namespace mamori::lbm {
namespace {

constexpr int kRuleFiles = 500;
constexpr int kPacketsPerFile = 12;

// Random rules and packets. Values come from a small alphabet of bytes so that comparisons
// come out true about as often as false.
class Generator {
public:
    explicit Generator(uint32_t seed)
        : random_(seed) {}

    RuleFile ruleFile() {
        RuleFile file;
        const int count = pick(1, 5);
        const Subsystem main = packetSubsystem();
        for (int i = 0; i < count; ++i) {
            Rule rule;
            rule.name = "r" + std::to_string(i);
            rule.subsystem = chance(5) ? packetSubsystem() : main;
            static constexpr std::array<Action, 4> kActions = {Action::Drop, Action::Drop,
                                                               Action::Allow, Action::Log};
            rule.action = kActions[pick(0, 3)];
            rule.condition = expr(*rule.subsystem, pick(0, 4));
            file.rules.push_back(std::move(rule));
        }
        return file;
    }

    lbm_packet_meta meta() {
        lbm_packet_meta meta{};
        auto* bytes = reinterpret_cast<uint8_t*>(&meta);
        for (size_t i = 0; i < sizeof meta; ++i) {
            bytes[i] = byte();
        }
        meta.subsystem = static_cast<uint32_t>(pick(1, 3));
        meta.harness_rule = 0;
        return meta;
    }

    std::vector<uint8_t> payload() {
        const int length = chance(4) ? pick(0, 8) : pick(0, 48);
        std::vector<uint8_t> bytes(static_cast<size_t>(length));
        for (auto& b : bytes) {
            b = byte();
        }
        return bytes;
    }

private:
    int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
    bool chance(int oneIn) { return pick(1, oneIn) == 1; }

    Subsystem packetSubsystem() {
        static constexpr std::array<Subsystem, 3> kAll = {Subsystem::UsbUrb, Subsystem::BtHci,
                                                          Subsystem::BtL2cap};
        return kAll[pick(0, 2)];
    }

    uint8_t byte() {
        static constexpr std::array<uint8_t, 7> kAlphabet = {0x00, 0x01, 0x02, 0x05,
                                                             0x7f, 0x80, 0xff};
        return kAlphabet[pick(0, 6)];
    }

    // A number of `bytes` bytes from the alphabet, so a field can actually hold it.
    uint64_t value(uint32_t bytes, uint64_t max) {
        uint64_t v = 0;
        for (uint32_t i = 0; i < bytes; ++i) {
            v = (v << 8) | byte();
        }
        if (chance(6)) {
            v = static_cast<uint64_t>(pick(0, 3));
        }
        return max == 0 ? v : v & max;
    }

    std::vector<const FieldInfo*> fields(Subsystem subsystem, bool numbersOnly) {
        std::vector<const FieldInfo*> out;
        for (const auto& field : allFields()) {
            if (field.subsystem != subsystem) {
                continue;
            }
            if (numbersOnly && field.type != FieldType::Number) {
                continue;
            }
            out.push_back(&field);
        }
        return out;
    }

    const FieldInfo* anyField(Subsystem subsystem, bool numbersOnly) {
        const auto candidates = fields(subsystem, numbersOnly);
        return candidates[static_cast<size_t>(pick(0, static_cast<int>(candidates.size()) - 1))];
    }

    static ExprPtr wrap(auto node) {
        auto expr = std::make_unique<Expr>();
        expr->node = std::move(node);
        return expr;
    }

    CompareOp op() { return static_cast<CompareOp>(pick(0, 5)); }

    ExprPtr expr(Subsystem subsystem, int depth) {
        if (depth == 0) {
            return leaf(subsystem);
        }
        switch (pick(0, 4)) {
        case 0:
            return wrap(Not{expr(subsystem, depth - 1)});
        case 1:
        case 2:
            return wrap(And{expr(subsystem, depth - 1), expr(subsystem, pick(0, depth - 1))});
        default:
            return wrap(Or{expr(subsystem, depth - 1), expr(subsystem, pick(0, depth - 1))});
        }
    }

    ExprPtr leaf(Subsystem subsystem) {
        switch (pick(0, 9)) {
        case 0:
            return chance(4) ? wrap(Constant{chance(2)}) : numberComparison(subsystem);
        case 1:
        case 2:
            return membership(subsystem);
        case 3:
            return fieldComparison(subsystem);
        case 4:
        case 5:
            return bytesComparison(subsystem);
        default:
            return numberComparison(subsystem);
        }
    }

    ExprPtr numberComparison(Subsystem subsystem) {
        const FieldInfo* field = anyField(subsystem, true);
        Comparison c;
        c.lhs.field = field;
        c.op = op();
        c.rhs = value(field->widthBits / 8, TypeChecker::maxValue(*field));
        return wrap(std::move(c));
    }

    ExprPtr membership(Subsystem subsystem) {
        const FieldInfo* field = anyField(subsystem, true);
        Membership m;
        m.lhs.field = field;
        const int size = chance(3) ? pick(5, 40) : pick(1, 4);
        for (int i = 0; i < size; ++i) {
            m.set.emplace_back(value(field->widthBits / 8, TypeChecker::maxValue(*field)));
        }
        return wrap(std::move(m));
    }

    ExprPtr fieldComparison(Subsystem subsystem) {
        FieldComparison c;
        c.lhs.field = anyField(subsystem, true);
        c.rhs.field = anyField(subsystem, true);
        c.op = op();
        c.lhsAddend = chance(2) ? 0 : static_cast<uint64_t>(pick(0, 70));
        c.rhsAddend = chance(8) ? 0xffffffffULL : static_cast<uint64_t>(pick(0, 4));
        return wrap(std::move(c));
    }

    ExprPtr bytesComparison(Subsystem subsystem) {
        std::vector<const FieldInfo*> candidates;
        for (const FieldInfo* field : fields(subsystem, false)) {
            if (field->type == FieldType::Bytes) {
                candidates.push_back(field);
            }
        }
        const FieldInfo* field =
            candidates[static_cast<size_t>(pick(0, static_cast<int>(candidates.size()) - 1))];
        Comparison c;
        c.lhs.field = field;
        const bool meta = field->source == FieldSource::Meta;
        const uint32_t limit = meta ? field->widthBits / 8 : 40;
        c.lhs.sliced = !meta || !chance(4); // usb.urb.setup may be compared whole
        const auto begin = static_cast<uint32_t>(pick(0, static_cast<int>(limit) - 1));
        const uint32_t maxLength = meta ? limit - begin : 12;
        const auto length = static_cast<uint32_t>(pick(1, static_cast<int>(maxLength)));
        c.lhs.sliceBegin = c.lhs.sliced ? begin : 0;
        c.lhs.sliceEnd = c.lhs.sliced ? begin + length : limit;
        const uint32_t bytes = c.lhs.sliceEnd - c.lhs.sliceBegin;
        if (bytes > 8 || chance(3)) {
            std::string text;
            for (uint32_t i = 0; i < bytes; ++i) {
                text.push_back(static_cast<char>(byte()));
            }
            c.op = chance(2) ? CompareOp::Eq : CompareOp::Ne;
            c.rhs = text;
        } else {
            c.op = op();
            c.rhs = value(bytes, bytes == 8 ? 0 : (uint64_t{1} << (8 * bytes)) - 1);
        }
        return wrap(std::move(c));
    }

    std::mt19937 random_;
};

std::string hex(const std::vector<uint8_t>& bytes) {
    std::string out;
    std::array<char, 4> buffer{};
    for (const uint8_t b : bytes) {
        std::snprintf(buffer.data(), buffer.size(), "%02x", b);
        out += buffer.data();
    }
    return out;
}

uint32_t seedFromEnvironment() {
    constexpr uint32_t kDefaultSeed = 20190519; // LBM's conference, IEEE S&P 2019
    const char* text = std::getenv("MAMORI_LBM_SEED");
    if (text == nullptr) {
        return kDefaultSeed;
    }
    if (std::string_view(text) == "random") {
        return std::random_device{}();
    }
    return static_cast<uint32_t>(std::strtoul(text, nullptr, 0));
}

TEST(DifferentialTest, KernelAgreesWithInterpreter) {
    MAMORI_REQUIRE_ROOT();
    const uint32_t seed = seedFromEnvironment();
    std::printf("differential seed: %u (replay with MAMORI_LBM_SEED=%u)\n", seed, seed);
    Generator generator(seed);
    int cases = 0;
    int drops = 0;
    for (int f = 0; f < kRuleFiles; ++f) {
        RuleFile file = generator.ruleFile();
        ASSERT_NO_THROW(TypeChecker::check(file)) << "generator made an ill-typed rule:\n"
                                                  << Printer::print(file);
        if (f % 2 == 1) {
            ConstantFolder::fold(file);
        }
        const test::LoadedFilter filter(file);
        for (int p = 0; p < kPacketsPerFile; ++p) {
            const lbm_packet_meta meta = generator.meta();
            const std::vector<uint8_t> payload = generator.payload();
            const TestResult kernel = filter.run(meta, payload);
            lbm_packet_meta withLength = meta;
            withLength.len = static_cast<uint32_t>(payload.size());
            const PacketVerdict reference = Interpreter::evaluatePacket(
                file, subsystemFromPacketCode(meta.subsystem).value_or(Subsystem::BtL2cap),
                withLength, payload);
            ++cases;
            drops += reference.drop ? 1 : 0;
            const bool agree = (kernel.verdict == Verdict::Drop) == reference.drop &&
                               kernel.ruleIndex == reference.ruleIndex;
            ASSERT_TRUE(agree) << "seed " << seed << ", file " << f << ", packet " << p
                               << "\nkernel: "
                               << (kernel.verdict == Verdict::Drop ? "drop" : "allow") << " rule "
                               << (kernel.ruleIndex ? int(*kernel.ruleIndex) : -1)
                               << "; interpreter: " << (reference.drop ? "drop" : "allow")
                               << " rule " << (reference.ruleIndex ? int(*reference.ruleIndex) : -1)
                               << "\nrules:\n"
                               << Printer::print(file) << "packet (meta + payload): "
                               << hex(TestRunner::frame(meta, payload));
        }
    }
    std::printf("%d cases, %d dropped\n", cases, drops);
}

} // namespace
} // namespace mamori::lbm
