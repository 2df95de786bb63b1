#include "kernel/RingBufferReader.h"

#include "kernel/BpfError.h"

#include <bpf/libbpf.h>
#include <cerrno>
#include <utility>

namespace mamori::kernel {

RingBufferReader::RingBufferReader(int mapFd, Callback callback)
    : state_(std::make_unique<State>(State{std::move(callback), nullptr})) {
    rb_ = throwIfNull(ring_buffer__new(mapFd, &RingBufferReader::onRecord, state_.get(), nullptr),
                      "create ring buffer reader");
}

RingBufferReader::~RingBufferReader() {
    destroy();
}

RingBufferReader::RingBufferReader(RingBufferReader&& other) noexcept
    : state_(std::move(other.state_))
    , rb_(std::exchange(other.rb_, nullptr)) {}

RingBufferReader& RingBufferReader::operator=(RingBufferReader&& other) noexcept {
    if (this != &other) {
        destroy();
        state_ = std::move(other.state_);
        rb_ = std::exchange(other.rb_, nullptr);
    }
    return *this;
}

int RingBufferReader::poll(std::chrono::milliseconds timeout) {
    return finish(ring_buffer__poll(rb_, static_cast<int>(timeout.count())), "poll ring buffer");
}

int RingBufferReader::consume() {
    return finish(ring_buffer__consume(rb_), "consume ring buffer");
}

int RingBufferReader::fd() const {
    return ring_buffer__epoll_fd(rb_);
}

int RingBufferReader::onRecord(void* ctx, void* data, std::size_t size) noexcept {
    auto* state = static_cast<State*>(ctx);
    // Exceptions must not unwind through libbpf's C frames; park them for finish().
    try {
        return state->callback(std::span(static_cast<const std::byte*>(data), size));
    } catch (...) {
        state->pending = std::current_exception();
        return -ECANCELED;
    }
}

int RingBufferReader::finish(int rc, const char* what) {
    if (state_->pending) {
        std::rethrow_exception(std::exchange(state_->pending, nullptr));
    }
    if (rc == -EINTR) {
        return 0;
    }
    return throwIfNegative(rc, what);
}

void RingBufferReader::destroy() noexcept {
    ring_buffer__free(std::exchange(rb_, nullptr));
}

} // namespace mamori::kernel
