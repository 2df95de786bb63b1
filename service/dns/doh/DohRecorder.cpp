#include "dns/doh/DohRecorder.h"

#include "dns/DnsMessage.h"
#include "dns/doh/DohRequest.h"

#include <utility>

namespace mamori::dns {

std::vector<DohQuestion> DohRecorder::takeQuestions() {
    return std::exchange(questions_, {});
}

void DohRecorder::noteCall(std::size_t missing) {
    if (missing > 0) {
        ++counters_.truncatedCalls;
        counters_.bytesMissing += missing;
    }
}

void DohRecorder::notHttp(std::string_view what) {
    lastProblem_ = what;
    decide(DohVerdict::NotDoh);
}

void DohRecorder::gaveUp(std::string_view what) {
    ++counters_.desyncs;
    lastProblem_ = what;
}

bool DohRecorder::onRequestHead(const HttpRequestHead& head) {
    ++counters_.requests;
    if (head.fieldsUnknown) {
        return true; // only its body can tell
    }
    switch (doh::dohMethodOf(head)) {
    case doh::DohMethod::Post:
        ++counters_.dohRequests;
        decide(DohVerdict::Doh);
        return true;
    case doh::DohMethod::Get:
        onGetRequest(head);
        return false;
    case doh::DohMethod::None:
        decide(DohVerdict::NotDoh);
        return false;
    }
    return false;
}

void DohRecorder::onGetRequest(const HttpRequestHead& head) {
    // Any site may have a "dns" parameter: until the connection is known to be DoH, only one
    // that holds a DNS query makes it so.
    const bool known = verdict_ == DohVerdict::Doh;
    const auto message = doh::dnsParameterOf(head.target);
    const bool recorded = message && record(head, *message, known);
    if (!recorded && !known) {
        decide(DohVerdict::NotDoh);
        return;
    }
    ++counters_.dohRequests;
    decide(DohVerdict::Doh);
    if (!message) {
        malformed("DoH GET: the \"dns\" parameter is not base64url");
    }
}

void DohRecorder::onRequestBody(const HttpRequestHead& head, std::span<const uint8_t> body) {
    // A joined connection's earlier body in the same call may have decided NotDoh already.
    if (verdict_ == DohVerdict::NotDoh) {
        return;
    }
    if (!head.fieldsUnknown) {
        record(head, body, true);
        return;
    }
    if (body.empty()) {
        return; // a GET, say: its query was in the header block nobody could read
    }
    // A body that is a DNS query is a DoH POST (RFC 8484's only method with a body); the first
    // body that is not decides the other way.
    HttpRequestHead post = head;
    post.method = "POST";
    if (record(post, body, verdict_ == DohVerdict::Doh)) {
        ++counters_.dohRequests;
        decide(DohVerdict::Doh);
        return;
    }
    decide(DohVerdict::NotDoh);
}

void DohRecorder::onResponseHead(unsigned /*status*/, std::string_view contentType) {
    ++counters_.responses;
    if (doh::isDnsMessageType(contentType)) {
        ++counters_.dohResponses;
        decide(DohVerdict::Doh);
    }
}

void DohRecorder::onProblem(HttpProblem problem, std::string_view what) {
    lastProblem_ = what;
    switch (problem) {
    case HttpProblem::NotHttp:
        decide(DohVerdict::NotDoh);
        return;
    case HttpProblem::Malformed:
        ++counters_.malformed;
        return;
    case HttpProblem::LostRequest:
        ++counters_.lostRequests;
        return;
    case HttpProblem::Cancelled:
        ++counters_.cancelled;
        return;
    case HttpProblem::Desync:
        ++counters_.desyncs;
        return;
    }
}

void DohRecorder::decide(DohVerdict verdict) {
    if (verdict_ == DohVerdict::Undecided) {
        verdict_ = verdict;
    }
}

bool DohRecorder::record(const HttpRequestHead& head, std::span<const uint8_t> message,
                         bool countMalformed) {
    Message parsed;
    try {
        parsed = parse(message);
    } catch (const DnsParseError& error) {
        if (countMalformed) {
            malformed("DoH DNS message: " + std::string(error.what()));
        }
        return false;
    }
    if (parsed.qr || parsed.questions.empty()) {
        if (countMalformed) {
            malformed(parsed.qr ? "DoH DNS message is a response" : "DoH DNS message asks nothing");
        }
        return false;
    }
    const std::string path(doh::pathOf(head.target));
    for (auto& question : parsed.questions) {
        ++counters_.questions;
        if (questions_.size() >= kMaxPendingQuestions) {
            ++counters_.questionsDropped;
            continue;
        }
        questions_.push_back(DohQuestion{std::move(question.name), question.type, head.http2,
                                         head.method, head.authority, path});
    }
    return true;
}

void DohRecorder::malformed(std::string what) {
    ++counters_.malformed;
    lastProblem_ = std::move(what);
}

} // namespace mamori::dns
