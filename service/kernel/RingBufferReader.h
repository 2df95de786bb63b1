// Owns one libbpf `struct ring_buffer*` reading a BPF_MAP_TYPE_RINGBUF map.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <span>

struct ring_buffer;

namespace mamori::kernel {

class RingBufferReader {
public:
    // Called once per record; return 0 to go on. A negative errno stops the current
    // poll()/consume(), which then throws BpfError with it; an exception from the callback stops
    // it too and is rethrown from poll()/consume(). A moved-from reader may only be destroyed or
    // assigned to.
    using Callback = std::function<int(std::span<const std::byte>)>;

    RingBufferReader(int mapFd, Callback callback);
    ~RingBufferReader();

    RingBufferReader(RingBufferReader&& other) noexcept;
    RingBufferReader& operator=(RingBufferReader&& other) noexcept;
    RingBufferReader(const RingBufferReader&) = delete;
    RingBufferReader& operator=(const RingBufferReader&) = delete;

    // Waits up to `timeout` for records and hands each to the callback. Returns the number of
    // records consumed (0 on timeout or EINTR).
    int poll(std::chrono::milliseconds timeout);
    // Hands over whatever is ready without waiting.
    int consume();
    // An epoll fd that becomes readable when records are ready, for an external event loop.
    int fd() const;

private:
    // Heap-held so libbpf's context pointer stays valid when the reader is moved.
    struct State {
        Callback callback;
        std::exception_ptr pending;
    };

    static int onRecord(void* ctx, void* data, std::size_t size) noexcept;
    int finish(int rc, const char* what);
    void destroy() noexcept;

    std::unique_ptr<State> state_;
    ring_buffer* rb_ = nullptr;
};

} // namespace mamori::kernel
