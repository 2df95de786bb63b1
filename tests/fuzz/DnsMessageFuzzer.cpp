// Fuzz target for the DNS wire-format codec, which reads packets from any local process (the
// stub) and from the network (upstream answers): any input must either parse or fail with
// DnsParseError, in bounded time. What parses must survive everything the stub does with it:
// the error responses, padding and its removal, id rewriting — each result parses again and
// keeps the id and the questions — and every question name read back through buildQuery.
#include "dns/DnsMessage.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

namespace {

using mamori::dns::Message;

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

// Parses bytes the codec itself produced: a DnsParseError here is a bug, so it aborts.
Message reparse(const std::vector<uint8_t>& bytes, const Message& original) {
    Message again = mamori::dns::parse(bytes);
    check(again.id == original.id);
    check(again.questions == original.questions);
    check(again.length == bytes.size());
    return again;
}

// An error response: parses, same id, the questions echoed unless they would not fit.
Message reparseResponse(const std::vector<uint8_t>& bytes, const Message& query) {
    check(bytes.size() <= 65535);
    Message answer = mamori::dns::parse(bytes);
    check(answer.id == query.id && answer.length == bytes.size());
    check(answer.questions == query.questions || answer.questions.empty());
    check(answer.qr && answer.answers.empty());
    check(answer.edns.has_value() == query.edns.has_value());
    return answer;
}

void checkErrorResponses(std::span<const uint8_t> input, const Message& query) {
    using namespace mamori::dns;
    check(reparseResponse(servfail(input), query).rcode == rcode::ServFail);
    check(reparseResponse(nxdomain(input), query).rcode == rcode::NXDomain);
    check(reparseResponse(refused(input), query).rcode == rcode::Refused);
}

bool hasPadding(const Message& message) {
    if (!message.edns) {
        return false;
    }
    for (const auto& option : message.edns->options) {
        if (option.code == mamori::dns::kEdnsPaddingOption) {
            return true;
        }
    }
    return false;
}

void checkPadding(std::span<const uint8_t> input, const Message& message) {
    const auto padded = mamori::dns::padQuery(input);
    const Message again = reparse(padded, message);
    check(again.answers.size() == message.answers.size());
    // Either padded to the block or left alone (signed, or no room for it).
    check(padded.size() % 128 == 0 || padded.size() == message.length);
    check(mamori::dns::padQuery(padded) == padded);
    const auto stripped = mamori::dns::stripPadding(padded);
    const Message plain = reparse(stripped, message);
    check(!hasPadding(plain) || stripped.size() == padded.size());
    const auto response = mamori::dns::padResponse(input, 468);
    check(reparse(response, message).edns.has_value() == message.edns.has_value());
}

void checkNames(const Message& message) {
    for (const auto& question : message.questions) {
        const auto query = mamori::dns::buildQuery(question.name, question.type, message.id);
        check(mamori::dns::parse(query).questions.front().name == question.name);
    }
}

void checkIdRewriting(std::span<const uint8_t> input, const Message& message) {
    std::vector<uint8_t> copy(input.begin(), input.end());
    mamori::dns::setId(copy, static_cast<uint16_t>(message.id ^ 0xFFFF));
    check(mamori::dns::idOf(copy) == (message.id ^ 0xFFFF));
    const Message again = mamori::dns::parse(copy);
    check(again.questions == message.questions && again.length == message.length);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> input(data, size);
    Message message;
    try {
        message = mamori::dns::parse(input);
    } catch (const mamori::dns::DnsParseError&) {
        return 0;
    }
    check(message.length <= size);
    checkErrorResponses(input, message);
    checkPadding(input, message);
    checkNames(message);
    checkIdRewriting(input, message);
    return 0;
}
