#include "dns/doh/Http1Connection.h"

namespace mamori::dns {

Http1Connection::Http1Connection(HttpExchangeSink& sink)
    : sink_(sink) {}

void Http1Connection::haltIfFinished() {
    if (sink_.finished()) {
        requestParser_.halt();
        responseParser_.halt();
    }
}

bool Http1Connection::Requests::onHead(const Http1Head& head) {
    reset();
    head_.method = head.method;
    head_.target = head.target;
    head_.authority = head.field("host");
    head_.contentType = head.field("content-type");
    if (connection_.outstandingHead_.size() < kMaxOutstanding) {
        connection_.outstandingHead_.push_back(head.method == "HEAD");
    }
    wanted_ = connection_.sink_.onRequestHead(head_);
    connection_.haltIfFinished();
    return true;
}

void Http1Connection::Requests::onBody(std::span<const uint8_t> piece) {
    if (!wanted_ || tooLarge_) {
        connection_.sink_.onSkipped(piece.size());
        return;
    }
    if (body_.size() + piece.size() > kMaxBody) {
        tooLarge_ = true;
        connection_.sink_.onSkipped(body_.size() + piece.size());
        body_ = {};
        return;
    }
    body_.insert(body_.end(), piece.begin(), piece.end());
}

void Http1Connection::Requests::onBodyGap(std::size_t /*missing*/) {
    gap_ = gap_ || wanted_;
}

void Http1Connection::Requests::onMessageEnd() {
    if (!wanted_) {
        return;
    }
    if (tooLarge_) {
        connection_.sink_.onProblem(HttpProblem::Malformed, "HTTP/1 DoH request body over 64 KiB");
    } else if (gap_) {
        connection_.sink_.onProblem(HttpProblem::LostRequest,
                                    "HTTP/1 DoH request body cut by missing bytes");
    } else {
        connection_.sink_.onRequestBody(head_, body_);
    }
    reset();
}

void Http1Connection::Requests::onMessageLost() {
    if (wanted_) {
        connection_.sink_.onProblem(HttpProblem::LostRequest,
                                    "HTTP/1 DoH request body lost with the parser's place");
    }
    reset();
}

void Http1Connection::Requests::onProblem(HttpProblem problem, std::string_view what) {
    connection_.sink_.onProblem(problem, what);
    connection_.haltIfFinished();
}

void Http1Connection::Requests::onSkipped(std::size_t bytes) {
    connection_.sink_.onSkipped(bytes);
}

void Http1Connection::Requests::reset() {
    head_ = {};
    wanted_ = false;
    gap_ = false;
    tooLarge_ = false;
    body_ = {};
}

bool Http1Connection::Responses::onHead(const Http1Head& head) {
    if (head.status < 200) {
        return true; // interim: the final response to the same request follows
    }
    bool answersHead = false;
    if (!connection_.outstandingHead_.empty()) {
        answersHead = connection_.outstandingHead_.front();
        connection_.outstandingHead_.pop_front();
    }
    connection_.sink_.onResponseHead(head.status, head.field("content-type"));
    return !answersHead;
}

void Http1Connection::Responses::onBody(std::span<const uint8_t> piece) {
    connection_.sink_.onSkipped(piece.size());
}

void Http1Connection::Responses::onProblem(HttpProblem problem, std::string_view what) {
    // A response stream that is not HTTP says nothing about the requests.
    connection_.sink_.onProblem(problem == HttpProblem::NotHttp ? HttpProblem::Malformed : problem,
                                what);
}

void Http1Connection::Responses::onSkipped(std::size_t bytes) {
    connection_.sink_.onSkipped(bytes);
}

} // namespace mamori::dns
