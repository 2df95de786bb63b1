// Fuzz target for the DoH monitor's stream decoder, which reads the plaintext of any app's TLS
// connections: arbitrary bytes, split into the app's writes and reads by control bytes in the
// input, must never crash or grow without bound, and what it reports must hold together: a
// verdict never changes once given, a stopped decoder stays stopped, every question decoded
// is either handed out or counted dropped. When no call was cut short, feeding the same
// stream byte by byte must tell the same (HTTP/1.1 only while nothing was malformed: it
// resynchronises at call starts; not HTTP/2 joined mid-connection, told by whole frames).
//
// Input: a sequence of calls, each
//   control byte: bit 7 = read (else write), bit 6 = cut short, bits 0-5 = length
//                 (63: two more bytes give the length, big-endian)
//   when cut short: two bytes, big-endian: missing bytes - 1
//   the call's copied bytes (fewer if the input ends)
#include "dns/doh/DohStreamDecoder.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

namespace {

using mamori::dns::DohCounters;
using mamori::dns::DohQuestion;
using mamori::dns::DohStreamDecoder;

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

struct Call {
    bool read = false;
    std::span<const uint8_t> bytes;
    uint32_t missing = 0;
};

std::vector<Call> callsOf(std::span<const uint8_t> input) {
    std::vector<Call> calls;
    std::size_t at = 0;
    const auto next = [&]() -> uint32_t { return at < input.size() ? input[at++] : 0; };
    while (at < input.size()) {
        const uint8_t control = input[at++];
        Call call;
        call.read = (control & 0x80) != 0;
        std::size_t length = control & 0x3F;
        if (length == 63) {
            length = next() << 8;
            length |= next();
        }
        if ((control & 0x40) != 0) {
            call.missing = (next() << 8 | next()) + 1;
        }
        length = std::min(length, input.size() - at);
        call.bytes = input.subspan(at, length);
        at += length;
        calls.push_back(call);
    }
    return calls;
}

struct Result {
    DohStreamDecoder::Verdict verdict;
    bool stopped;
    DohStreamDecoder::Protocol protocol;
    std::vector<DohQuestion> questions;
    DohCounters counters;
};

void give(DohStreamDecoder& decoder, bool read, std::span<const uint8_t> bytes, uint32_t missing) {
    const auto total = static_cast<uint32_t>(bytes.size()) + missing;
    if (read) {
        decoder.onRead(bytes, total);
    } else {
        decoder.onWrite(bytes, total);
    }
}

// Feeds the calls as they are, checking the decoder's promises after each.
Result feedWhole(const std::vector<Call>& calls) {
    DohStreamDecoder decoder;
    Result result{};
    for (const auto& call : calls) {
        const auto verdictBefore = decoder.verdict();
        const bool stoppedBefore = decoder.stopped();
        give(decoder, call.read, call.bytes, call.missing);
        check(verdictBefore == DohStreamDecoder::Verdict::Undecided ||
              decoder.verdict() == verdictBefore);
        check(!stoppedBefore || decoder.stopped());
        auto taken = decoder.takeQuestions();
        result.questions.insert(result.questions.end(), taken.begin(), taken.end());
    }
    result.verdict = decoder.verdict();
    result.stopped = decoder.stopped();
    result.protocol = decoder.protocol();
    result.counters = decoder.counters();
    check(result.counters.questions == result.questions.size() + result.counters.questionsDropped);
    check(result.questions.empty() || result.verdict == DohStreamDecoder::Verdict::Doh);
    check(result.counters.dohRequests <= result.counters.requests);
    return result;
}

Result feedByteByByte(const std::vector<Call>& calls) {
    DohStreamDecoder decoder;
    for (const auto& call : calls) {
        for (std::size_t i = 0; i < call.bytes.size(); ++i) {
            give(decoder, call.read, call.bytes.subspan(i, 1), 0);
        }
    }
    return {decoder.verdict(), decoder.stopped(), decoder.protocol(), decoder.takeQuestions(),
            decoder.counters()};
}

bool anyCut(const std::vector<Call>& calls) {
    for (const auto& call : calls) {
        if (call.missing > 0) {
            return true;
        }
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto calls = callsOf({data, size});
    const Result whole = feedWhole(calls);
    const bool http1Resynchronised = whole.protocol == DohStreamDecoder::Protocol::Http1 &&
                                     (whole.counters.malformed > 0 || whole.counters.desyncs > 0);
    // A joined HTTP/2 connection is recognised by a first call of whole frames, which single
    // bytes never are.
    const bool joined = whole.protocol == DohStreamDecoder::Protocol::Http2Joined;
    if (anyCut(calls) || http1Resynchronised || joined) {
        return 0;
    }
    const Result bytewise = feedByteByByte(calls);
    check(bytewise.verdict == whole.verdict);
    check(bytewise.stopped == whole.stopped);
    check(bytewise.questions == whole.questions);
    DohCounters expected = whole.counters;
    // Where decoding gave up, the bytes of that call counted skipped depend on its end.
    expected.bytesSkipped = bytewise.counters.bytesSkipped;
    check(bytewise.counters == expected);
    return 0;
}
