#include "dns/upstream/TcpExchange.h"

#include "dns/upstream/QueryWire.h"

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <sys/socket.h>

namespace mamori::dns {
namespace {

UpstreamResult socketFailure(int error) {
    if (error == ECONNREFUSED) {
        return UpstreamResult::failure(UpstreamError::Refused, std::strerror(error));
    }
    if (error == ECONNRESET || error == EPIPE) {
        return UpstreamResult::failure(UpstreamError::ConnectionClosed, std::strerror(error));
    }
    return UpstreamResult::failure(UpstreamError::NetworkError, std::strerror(error));
}

} // namespace

TcpExchange::TcpExchange(EngineHooks& hooks, const SocketAddress& address,
                         std::vector<uint8_t> query, std::function<void(UpstreamResult)> done)
    : hooks_(hooks)
    , query_(std::move(query))
    , done_(std::move(done))
    , fd_(connectNonBlocking(address, SOCK_STREAM)) {
    out_.reserve(query_.size() + 2);
    out_.push_back(static_cast<uint8_t>(query_.size() >> 8));
    out_.push_back(static_cast<uint8_t>(query_.size() & 0xff));
    out_.insert(out_.end(), query_.begin(), query_.end());
    if (!fd_) {
        // Reported from the loop like every other outcome (never from inside the caller).
        const int error = errno;
        failTimer_ = hooks_.after(std::chrono::milliseconds(0),
                                  [this, error] { finish(socketFailure(error)); });
        return;
    }
    watch_ = std::make_unique<ReadinessWatch>(
        hooks, fd_.get(), [this](ReadinessWatch::Events events) { onReady(events); });
    watch_->want(false, true);
}

TcpExchange::~TcpExchange() {
    if (failTimer_ != 0) {
        hooks_.cancel(failTimer_);
    }
}

void TcpExchange::onReady(ReadinessWatch::Events events) {
    if (finished_) {
        return;
    }
    if (!connected_) {
        if (!events.writable && !events.error) {
            return;
        }
        if (const int error = socketError(fd_.get()); error != 0) {
            finish(socketFailure(error));
            return;
        }
        connected_ = true;
    }
    if (!flush()) {
        return;
    }
    watch_->want(true, !out_.empty());
    if (events.readable || events.error) {
        receive();
    }
}

bool TcpExchange::flush() {
    while (!out_.empty()) {
        const ssize_t n = ::send(fd_.get(), out_.data(), out_.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return true;
            }
            finish(socketFailure(errno));
            return false;
        }
        out_.erase(out_.begin(), out_.begin() + n);
    }
    return true;
}

bool TcpExchange::receive() {
    std::array<uint8_t, 4096> buffer; // filled by recv() before use
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), 0);
        if (n == 0) {
            finish(UpstreamResult::failure(UpstreamError::ConnectionClosed,
                                           "resolver closed the TCP connection"));
            return false;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return true;
            }
            finish(socketFailure(errno));
            return false;
        }
        in_.insert(in_.end(), buffer.begin(), buffer.begin() + n);
        // Consume every complete frame; a frame that is not our answer is skipped.
        while (in_.size() >= 2) {
            const std::size_t length = (std::size_t{in_[0]} << 8) | in_[1];
            if (in_.size() < 2 + length) {
                break;
            }
            const auto frameEnd = in_.begin() + static_cast<std::ptrdiff_t>(2 + length);
            std::vector<uint8_t> answer(in_.begin() + 2, frameEnd);
            in_.erase(in_.begin(), frameEnd);
            if (answer.size() >= wire::kHeaderSize && wire::idOf(answer) == wire::idOf(query_) &&
                wire::sameQuestion(query_, answer)) {
                finish(UpstreamResult::success(std::move(answer)));
                return false;
            }
        }
    }
}

void TcpExchange::finish(UpstreamResult result) {
    if (finished_) {
        return;
    }
    finished_ = true;
    if (watch_) {
        watch_->stop();
    }
    done_(std::move(result));
}

} // namespace mamori::dns
