// lbm_bench [--repeat N] [--rounds N]: what a compiled peripheral filter costs per packet in
// the kernel, next to LBM's published 555-1151 ns (JIT), and how long compiling 1,000 rules
// takes. Every program runs in each round, interleaved, so machine noise hits all alike; the
// empty program (return XDP_PASS) measured in the same round is subtracted, which leaves the
// filter's own cost without BPF_PROG_TEST_RUN's per-run overhead.
#include "ebpf/BpfInstruction.h"
#include "lbm/CodeGenerator.h"
#include "lbm/ConstantFolder.h"
#include "lbm/Parser.h"
#include "lbm/ProgramLoader.h"
#include "lbm/TestRunner.h"
#include "lbm/TypeChecker.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using namespace mamori;
using namespace mamori::lbm;

// Ten rules a Bluetooth L2CAP policy might hold: the BlueBorne filter first, then malformed
// signalling, unwanted services by PSM, oversized echo requests.
const char* kTenRules = R"(
rule blueborne drop {
    bt.l2cap.cid == 1 && bt.l2cap.sig.cmd.code == 0x05
    && bt.l2cap.sig.conf_rsp.result == 1 && bt.l2cap.sig.cmd.len >= 70
}
rule short-frame drop { bt.l2cap.len + 4 > bt.l2cap.skb_len }
rule sig-truncated drop { bt.l2cap.cid == 1 && bt.l2cap.sig.cmd.len + 8 > bt.l2cap.skb_len }
rule no-obex drop { bt.l2cap.cid == 1 && bt.l2cap.sig.cmd.code == 0x02
                    && bt.l2cap.conn_req.psm in {0x0003, 0x1001, 0x1003} }
rule no-bnep drop { bt.l2cap.cid == 1 && bt.l2cap.sig.cmd.code == 0x02
                    && bt.l2cap.conn_req.psm == 0x000f }
rule big-echo drop { bt.l2cap.cid == 1 && bt.l2cap.sig.cmd.code == 0x08
                     && bt.l2cap.sig.cmd.len > 44 }
rule bad-code drop { bt.l2cap.cid == 1 && !(bt.l2cap.sig.cmd.code in {1, 2, 3, 4, 5, 6, 7, 8,
                     9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25}) }
rule le-sig-oversized drop { bt.l2cap.cid == 5 && bt.l2cap.sig.cmd.len > 64 }
rule conn-less drop { bt.l2cap.cid == 2 && bt.l2cap.payload[0:2] == 0x0100 }
rule magic drop { bt.l2cap.payload[4:12] == "\x41\x41\x41\x41\x41\x41\x41\x41" }
)";

// 90 more: per-channel and per-handle rules on the same fields.
std::string hundredRules() {
    std::string text = kTenRules;
    for (int i = 0; i < 90; ++i) {
        const std::string n = std::to_string(i);
        text += "rule extra" + n + " drop { bt.l2cap.cid == " + std::to_string(0x100 + i) +
                " && (bt.l2cap.len > " + std::to_string(600 + i) +
                " || bt.l2cap.handle == " + std::to_string(0x200 + i) + ") }\n";
    }
    return text;
}

std::string thousandRules() {
    std::string text;
    for (int i = 0; i < 1000; ++i) {
        const std::string n = std::to_string(i);
        text.append("rule r")
            .append(n)
            .append(" drop { bt.l2cap.cid == ")
            .append(std::to_string(0x40 + i % 500))
            .append(" && (bt.l2cap.sig.cmd.code in {2, 4, ")
            .append(std::to_string(6 + i % 200))
            .append("} || bt.l2cap.payload[0:2] == ")
            .append(n)
            .append(") && !(bt.l2cap.len < ")
            .append(std::to_string(i % 64))
            .append(") }\n");
    }
    return text;
}

RuleFile rules(const std::string& text) {
    RuleFile file = Parser::parse(text, "<bench>", ParseOptions{.loadInclude = {}});
    TypeChecker::check(file);
    ConstantFolder::fold(file);
    return file;
}

void appendLe16(std::vector<uint8_t>& out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value & 0xff));
    out.push_back(static_cast<uint8_t>(value >> 8));
}

// An ACL data frame on a dynamic channel (what nearly all traffic is): no rule matches, so
// every rule runs: the worst case.
std::vector<uint8_t> dataFrame() {
    std::vector<uint8_t> frame;
    appendLe16(frame, 48);
    appendLe16(frame, 0x0041);
    for (int i = 0; i < 48; ++i) {
        frame.push_back(static_cast<uint8_t>(i));
    }
    return frame;
}

// The BlueBorne configuration response: the first rule drops it.
std::vector<uint8_t> blueBorneFrame() {
    std::vector<uint8_t> frame;
    appendLe16(frame, 4 + 76);
    appendLe16(frame, 1);
    frame.push_back(0x05);
    frame.push_back(0x07);
    appendLe16(frame, 76);
    appendLe16(frame, 0x0040);
    appendLe16(frame, 0);
    appendLe16(frame, 1);
    frame.resize(frame.size() + 70, 0x01);
    return frame;
}

struct Loaded {
    std::string name;
    UniqueFd fd;
    size_t instructions = 0;
};

Loaded load(const std::string& name, const std::string& text) {
    const Program program = CodeGenerator(Target::XdpHarness).compile(rules(text));
    return {name, ProgramLoader::load(program), program.instructions.size()};
}

Loaded loadEmpty() {
    Program program;
    program.target = Target::XdpHarness;
    program.instructions = {ebpf::insn::mov64Imm(ebpf::insn::R0, 2), ebpf::insn::exit()};
    return {"empty", ProgramLoader::load(program), program.instructions.size()};
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

void compileTime() {
    const std::string text = thousandRules();
    std::vector<double> front;
    std::vector<double> back;
    size_t instructions = 0;
    for (int round = 0; round < 5; ++round) {
        const auto start = std::chrono::steady_clock::now();
        const RuleFile file = rules(text);
        front.push_back(millisecondsSince(start));
        const auto codegen = std::chrono::steady_clock::now();
        instructions = CodeGenerator(Target::XdpHarness).compile(file).instructions.size();
        back.push_back(millisecondsSince(codegen));
    }
    const Program program = CodeGenerator(Target::XdpHarness).compile(rules(text));
    const auto verify = std::chrono::steady_clock::now();
    const UniqueFd fd = ProgramLoader::load(program);
    const double verifier = millisecondsSince(verify);
    std::printf("\n| 1,000 rules (%zu instructions) | median of 5 |\n|---|---|\n", instructions);
    std::printf("| parse + type check + fold | %.1f ms |\n", median(front));
    std::printf("| code generation | %.1f ms |\n", median(back));
    std::printf("| total, text to bytecode | %.1f ms |\n", median(front) + median(back));
    std::printf("| kernel verifier (BPF_PROG_LOAD, once) | %.1f ms |\n", verifier);
}

} // namespace

int main(int argc, char** argv) {
    uint32_t repeat = 1'000'000;
    int rounds = 9;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--repeat") == 0) {
            repeat = static_cast<uint32_t>(std::strtoul(argv[i + 1], nullptr, 0));
        } else if (std::strcmp(argv[i], "--rounds") == 0) {
            rounds = std::atoi(argv[i + 1]);
        }
    }
    if (geteuid() != 0) {
        std::fprintf(stderr, "lbm_bench: needs root (BPF_PROG_LOAD, BPF_PROG_TEST_RUN)\n");
        return 1;
    }
    std::vector<Loaded> programs;
    programs.push_back(loadEmpty());
    programs.push_back(load("0 rules (harness only)", ""));
    programs.push_back(load("1 rule", std::string(kTenRules).substr(0, 150)));
    programs.push_back(load("10 rules", kTenRules));
    programs.push_back(load("100 rules", hundredRules()));

    lbm_packet_meta meta{};
    meta.subsystem = LBM_SUBSYS_BT_L2CAP;
    meta.bt_hci_handle = 0x0001;
    const auto data = TestRunner::frame(meta, dataFrame());
    const auto attack = TestRunner::frame(meta, blueBorneFrame());

    // ns[program][packet] per round
    std::vector<std::vector<std::vector<double>>> ns(programs.size(),
                                                     std::vector<std::vector<double>>(2));
    for (int round = 0; round < rounds; ++round) {
        for (size_t p = 0; p < programs.size(); ++p) {
            const TestRunner runner(programs[p].fd.get());
            ns[p][0].push_back(runner.run(data, repeat).averageNs);
            ns[p][1].push_back(runner.run(attack, repeat).averageNs);
        }
    }
    std::printf("LBM filter, BPF_PROG_TEST_RUN (XDP harness, JIT on), repeat %u, median of %d "
                "rounds\n\n",
                repeat, rounds);
    std::printf("| filter | instructions | data frame, no rule matches (ns) | minus empty (ns) "
                "| BlueBorne frame, dropped (ns) | minus empty (ns) | LBM, JIT (ns) |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    const double emptyData = median(ns[0][0]);
    const double emptyAttack = median(ns[0][1]);
    for (size_t p = 0; p < programs.size(); ++p) {
        const double d = median(ns[p][0]);
        const double a = median(ns[p][1]);
        std::printf("| %s | %zu | %.0f | %.0f | %.0f | %.0f | %s |\n", programs[p].name.c_str(),
                    programs[p].instructions, d, d - emptyData, a, a - emptyAttack,
                    p == 0 ? "" : "555 (USB) - 1151 (L2CAP)");
    }
    compileTime();
    return 0;
}
