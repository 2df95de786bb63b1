// `mamorictl lbm check|compile|dump|test`: the peripheral rule language's tools. They work on
// a rule file locally, without mamorid: checking and compiling need no privileges, `test` loads
// the filter into this kernel (XDP harness, BPF_PROG_TEST_RUN) and so needs root.
#include "cli/Commands.h"
#include "cli/JsonWriter.h"
#include "common/Hex.h"
#include "lbm/CodeGenerator.h"
#include "lbm/ConstantFolder.h"
#include "lbm/Disassembler.h"
#include "lbm/Interpreter.h"
#include "lbm/LbmHooks.h"
#include "lbm/Parser.h"
#include "lbm/ProgramLoader.h"
#include "lbm/RuleError.h"
#include "lbm/TestRunner.h"
#include "lbm/TypeChecker.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <unistd.h>

namespace mamori::cli {
namespace {

using namespace mamori::lbm;

constexpr const char* kLbmUsage =
    "lbm check FILE | lbm compile FILE [-o OUT] [--target lbm|xdp] | lbm dump FILE "
    "[--target lbm|xdp] | lbm test FILE --packet HEX|--packet-file F "
    "[--subsystem usb|hci|l2cap] [--set FIELD=VALUE]... | lbm attach FILE | lbm detach | "
    "lbm status";

[[noreturn]] void usage(const std::string& problem) {
    throw CliError(kExitUsage, problem + "; usage: mamorictl " + kLbmUsage);
}

// The options after `lbm VERB FILE`.
struct LbmOptions {
    std::string file;
    std::string output;
    Target target = Target::LbmProgram;
    std::string packetHex;
    std::string packetFile;
    std::optional<Subsystem> subsystem;
    std::vector<std::string> sets;
};

std::string takeValue(const Arguments& args, size_t& i) {
    if (i + 1 >= args.size()) {
        usage("'" + args[i] + "' needs a value");
    }
    return args[++i];
}

Target parseTarget(const std::string& name) {
    if (name == "lbm") {
        return Target::LbmProgram;
    }
    if (name == "xdp") {
        return Target::XdpHarness;
    }
    usage("unknown target '" + name + "' (lbm or xdp)");
}

Subsystem parseSubsystem(const std::string& name) {
    if (name == "usb") {
        return Subsystem::UsbUrb;
    }
    if (name == "hci") {
        return Subsystem::BtHci;
    }
    if (name == "l2cap") {
        return Subsystem::BtL2cap;
    }
    usage("unknown subsystem '" + name + "' (usb, hci or l2cap)");
}

LbmOptions parseOptions(const Arguments& args) {
    LbmOptions options;
    for (size_t i = 1; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "-o" || arg == "--output") {
            options.output = takeValue(args, i);
        } else if (arg == "--target") {
            options.target = parseTarget(takeValue(args, i));
        } else if (arg == "--packet") {
            options.packetHex = takeValue(args, i);
        } else if (arg == "--packet-file") {
            options.packetFile = takeValue(args, i);
        } else if (arg == "--subsystem") {
            options.subsystem = parseSubsystem(takeValue(args, i));
        } else if (arg == "--set") {
            options.sets.push_back(takeValue(args, i));
        } else if (arg.starts_with("-") || !options.file.empty()) {
            usage("unexpected argument '" + arg + "'");
        } else {
            options.file = arg;
        }
    }
    if (options.file.empty()) {
        usage("no rule file given");
    }
    return options;
}

// Parsed, type-checked and folded; errors come out as `file:line:column: message`.
RuleFile loadRules(const std::string& path) {
    try {
        RuleFile file = Parser::parseFile(path);
        TypeChecker::check(file);
        ConstantFolder::fold(file);
        return file;
    } catch (const RuleError& e) {
        throw CliError(kExitFailure, e.what());
    }
}

Program compileRules(const RuleFile& file, Target target) {
    try {
        return CodeGenerator(target).compile(file);
    } catch (const std::length_error& e) {
        throw CliError(kExitFailure, e.what());
    }
}

// Hex bytes; spaces, colons and a leading 0x are ignored ("0x02 0c:00", "020c00").
std::vector<uint8_t> parseHex(std::string text) {
    if (text.starts_with("0x") || text.starts_with("0X")) {
        text.erase(0, 2);
    }
    std::vector<uint8_t> bytes;
    int high = -1;
    for (const char c : text) {
        if (c == ' ' || c == ':' || c == '\n' || c == '\t') {
            continue;
        }
        const int digit = hexDigitValue(c);
        if (digit < 0) {
            usage(std::string("'") + c + "' is not a hex digit in the packet");
        }
        if (high < 0) {
            high = digit;
        } else {
            bytes.push_back(static_cast<uint8_t>(high << 4 | digit));
            high = -1;
        }
    }
    if (high >= 0) {
        usage("the packet has an odd number of hex digits");
    }
    return bytes;
}

std::vector<uint8_t> readPacket(const LbmOptions& options) {
    if (options.packetHex.empty() == options.packetFile.empty()) {
        usage("give the packet with exactly one of --packet HEX and --packet-file FILE");
    }
    if (!options.packetHex.empty()) {
        return parseHex(options.packetHex);
    }
    std::ifstream in(options.packetFile, std::ios::binary);
    if (!in) {
        throw CliError(kExitFailure, "cannot read packet file " + options.packetFile);
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Without --subsystem, the subsystem of the first packet rule.
Subsystem chooseSubsystem(const LbmOptions& options, const RuleFile& file) {
    if (options.subsystem) {
        return *options.subsystem;
    }
    for (const auto& rule : file.rules) {
        if (rule.subsystem && isPacketSubsystem(*rule.subsystem)) {
            return *rule.subsystem;
        }
    }
    usage("the file has no packet rules; say which packet this is with --subsystem");
}

// --set FIELD=VALUE writes a metadata field of the field table (numbers, or hex for
// usb.urb.setup) into the packet's metadata.
void applySet(lbm_packet_meta& meta, const std::string& assignment) {
    const auto equals = assignment.find('=');
    const FieldInfo* field =
        equals == std::string::npos ? nullptr : findField(assignment.substr(0, equals));
    if (field == nullptr || field->source != FieldSource::Meta) {
        usage("--set needs a metadata field, e.g. usb.urb.transfer_type=2, not '" + assignment +
              "'");
    }
    const std::string value = assignment.substr(equals + 1);
    auto* base = reinterpret_cast<uint8_t*>(&meta) + field->offset;
    const uint32_t bytes = field->widthBits / 8;
    if (field->type == FieldType::Bytes) {
        const auto data = parseHex(value);
        if (data.size() != bytes) {
            usage(std::string(field->name) + " takes " + std::to_string(bytes) + " hex bytes");
        }
        std::memcpy(base, data.data(), bytes);
        return;
    }
    const uint64_t number = std::stoull(value, nullptr, 0);
    // Host order, as the kernel fills the struct; little-endian hosts keep the low bytes.
    std::memcpy(base, &number, bytes);
}

void writeBytecode(const Program& program, const std::string& output) {
    const auto* data = reinterpret_cast<const char*>(program.instructions.data());
    const auto size = static_cast<std::streamsize>(program.instructions.size() * sizeof(bpf_insn));
    if (output.empty() || output == "-") {
        if (isatty(STDOUT_FILENO) != 0) {
            throw CliError(kExitUsage, "refusing to write bytecode to a terminal; use -o FILE");
        }
        std::cout.write(data, size);
        return;
    }
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out.write(data, size);
    if (!out.flush()) {
        throw CliError(kExitFailure, "cannot write " + output);
    }
}

int lbmCheck(const Options& global, const LbmOptions& options) {
    const RuleFile file = loadRules(options.file);
    size_t packetRules = 0;
    for (const auto& rule : file.rules) {
        packetRules += rule.subsystem && isPacketSubsystem(*rule.subsystem) ? 1 : 0;
    }
    if (global.json) {
        JsonWriter json;
        json.beginObject().key("file").value(options.file).key("rules");
        json.value(static_cast<unsigned long>(file.rules.size())).key("packet_rules");
        json.value(static_cast<unsigned long>(packetRules)).endObject();
        std::cout << json.str() << '\n';
        return kExitOk;
    }
    std::cout << options.file << ": " << file.rules.size() << " rules OK (" << packetRules
              << " packet, " << file.rules.size() - packetRules << " device)\n";
    return kExitOk;
}

int lbmCompile(const LbmOptions& options) {
    const Program program = compileRules(loadRules(options.file), options.target);
    writeBytecode(program, options.output);
    std::fprintf(stderr, "%zu packet rules, %zu eBPF instructions\n", program.rules.size(),
                 program.instructions.size());
    return kExitOk;
}

int lbmDump(const LbmOptions& options) {
    const Program program = compileRules(loadRules(options.file), options.target);
    std::cout << Disassembler::disassemble(program);
    return kExitOk;
}

std::string describe(const RuleFile& file, std::optional<size_t> rule) {
    if (!rule) {
        return "no rule matched";
    }
    const Rule& decided = file.rules.at(*rule);
    return "rule '" + decided.name + "' at " + decided.position.file + ":" +
           std::to_string(decided.position.line);
}

int lbmTest(const Options& global, const LbmOptions& options) {
    const RuleFile file = loadRules(options.file);
    std::vector<uint8_t> payload = readPacket(options);
    const Subsystem subsystem = chooseSubsystem(options, file);
    lbm_packet_meta meta{};
    meta.subsystem = packetSubsystemCode(subsystem);
    if (subsystem == Subsystem::BtHci && !payload.empty()) {
        // An H:4 frame as btmon and hcidump show it: the type byte goes to the metadata.
        meta.bt_hci_type = payload.front();
        payload.erase(payload.begin());
    }
    for (const auto& assignment : options.sets) {
        applySet(meta, assignment);
    }
    if (geteuid() != 0) {
        throw CliError(kExitNotAuthorized, "lbm test runs the filter in the kernel (BPF_PROG_LOAD, "
                                           "BPF_PROG_TEST_RUN) and needs root; try sudo");
    }
    const Program program = compileRules(file, Target::XdpHarness);
    const UniqueFd fd = ProgramLoader::load(program);
    const TestResult result = TestRunner(fd.get()).run(meta, payload);
    meta.len = static_cast<uint32_t>(payload.size());
    const PacketVerdict reference = Interpreter::evaluatePacket(file, subsystem, meta, payload);
    const bool drop = result.verdict == Verdict::Drop;
    if (global.json) {
        JsonWriter json;
        json.beginObject().key("verdict").value(drop ? "drop" : "allow").key("rule");
        json.value(result.ruleIndex ? file.rules[*result.ruleIndex].name : std::string());
        json.endObject();
        std::cout << json.str() << '\n';
    } else {
        std::cout << (drop ? "drop" : "allow") << " (" << describe(file, result.ruleIndex) << ")\n";
    }
    if (reference.drop != drop || reference.ruleIndex != result.ruleIndex) {
        std::fprintf(stderr,
                     "mamorictl: warning: the user-space interpreter says %s (%s); this is a "
                     "bug, please report it with the rule file and packet\n",
                     reference.drop ? "drop" : "allow",
                     describe(file, reference.ruleIndex).c_str());
        return kExitFailure;
    }
    return kExitOk;
}

void requireRoot(const std::string& verb) {
    if (geteuid() != 0) {
        throw CliError(kExitNotAuthorized, "lbm " + verb +
                                               " changes the kernel's LBM hooks (BPF_PROG_ATTACH) "
                                               "and needs root; try sudo");
    }
}

void requirePatch() {
    if (!LbmHooks::available()) {
        throw CliError(kExitFailure, "this kernel has no LBM hooks (/sys/kernel/lbm is missing): "
                                     "they come with the LBM patches in kernel-patches/");
    }
}

// What mamorid's devices engine does with its rule files, by hand: for a patched kernel
// without mamorid (the qemu guest of kernel-patches/) and for trying a rule file out.
int lbmAttach(const LbmOptions& options) {
    requireRoot("attach");
    requirePatch();
    const Program program = compileRules(loadRules(options.file), Target::LbmProgram);
    if (program.rules.empty()) {
        usage(options.file + " has no packet rules to attach");
    }
    const LbmInstallResult result = LbmHooks::install(program);
    std::string hooks;
    for (const auto& hook : result.hooks) {
        hooks += (hooks.empty() ? "" : ", ") + hook;
    }
    std::cout << options.file << ": " << program.rules.size() << " packet rules on " << hooks;
    if (result.replaced > 0) {
        std::cout << " (replaced " << result.replaced << " earlier Mamori filter attachments)";
    }
    std::cout << '\n';
    return kExitOk;
}

int lbmDetach() {
    requireRoot("detach");
    requirePatch();
    const unsigned removed = LbmHooks::removeOurs();
    std::cout << "took " << removed << " Mamori filter attachment" << (removed == 1 ? "" : "s")
              << " off the LBM hooks\n";
    return kExitOk;
}

int lbmStatus(const Options& global) {
    requireRoot("status");
    requirePatch();
    const auto hooks = LbmHooks::status();
    if (global.json) {
        JsonWriter json;
        json.beginArray();
        for (const auto& hook : hooks) {
            json.beginObject().key("hook").value(hook.hook).key("mamori_programs");
            json.value(static_cast<unsigned long>(hook.ourPrograms)).key("other_programs");
            json.value(static_cast<unsigned long>(hook.otherPrograms)).key("packets");
            json.value(static_cast<unsigned long>(hook.packets)).key("dropped");
            json.value(static_cast<unsigned long>(hook.dropped)).endObject();
        }
        json.endArray();
        std::cout << json.str() << '\n';
        return kExitOk;
    }
    for (const auto& hook : hooks) {
        std::cout << hook.hook << ": " << hook.ourPrograms << " Mamori, " << hook.otherPrograms
                  << " other programs; " << hook.packets << " packets, " << hook.dropped
                  << " dropped\n";
    }
    return kExitOk;
}

} // namespace

int commandLbm(Bus& /*bus*/, const Options& options, const Arguments& args) {
    if (args.empty()) {
        usage("no lbm action given");
    }
    const std::string& verb = args.front();
    if (verb == "detach" || verb == "status") {
        if (args.size() > 1) {
            usage("lbm " + verb + " takes no arguments");
        }
        return verb == "detach" ? lbmDetach() : lbmStatus(options);
    }
    if (verb != "check" && verb != "compile" && verb != "dump" && verb != "test" &&
        verb != "attach") {
        usage("unknown lbm action '" + verb + "'");
    }
    const LbmOptions lbm = parseOptions(args);
    if (verb == "check") {
        return lbmCheck(options, lbm);
    }
    if (verb == "compile") {
        return lbmCompile(lbm);
    }
    if (verb == "dump") {
        return lbmDump(lbm);
    }
    if (verb == "attach") {
        return lbmAttach(lbm);
    }
    return lbmTest(options, lbm);
}

} // namespace mamori::cli
