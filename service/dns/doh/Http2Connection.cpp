#include "dns/doh/Http2Connection.h"

#include "dns/doh/HpackInflater.h"
#include "dns/doh/Http2FrameReader.h"

#include <algorithm>
#include <array>
#include <deque>
#include <optional>
#include <string>

namespace mamori::dns {

// The fields of one header block the monitor looks at; the first of each name counts.
struct Http2Connection::BlockFields {
    std::optional<std::string> method;
    std::string path;
    std::string authority;
    std::string host;
    std::string contentType;
    std::optional<unsigned> status;
    std::size_t decodedBytes = 0;
    bool tooLarge = false;

    void add(std::string_view name, std::string_view value);
};

void Http2Connection::BlockFields::add(std::string_view name, std::string_view value) {
    decodedBytes += name.size() + value.size();
    tooLarge = tooLarge || decodedBytes > kMaxHeaderBlock;
    if (tooLarge) {
        return;
    }
    const auto keep = [&](std::string& slot) {
        if (slot.empty()) {
            slot = value;
        }
    };
    if (name == ":method" && !method) {
        method = std::string(value);
    } else if (name == ":path") {
        keep(path);
    } else if (name == ":authority") {
        keep(authority);
    } else if (name == "host") {
        keep(host);
    } else if (name == "content-type") {
        keep(contentType);
    } else if (name == ":status" && !status && value.size() == 3 &&
               std::all_of(value.begin(), value.end(),
                           [](char c) { return c >= '0' && c <= '9'; })) {
        status = static_cast<unsigned>((value[0] - '0') * 100 + (value[1] - '0') * 10 +
                                       (value[2] - '0'));
    }
}

// One direction: its frames, its peer's encoder state (inflater) and the header block and
// SETTINGS frame being read.
class Http2Connection::Side final : public Http2FrameReader::Handler {
public:
    Side(Http2Connection& connection, bool client)
        : connection_(connection)
        , client_(client) {}
    Side(const Side&) = delete;
    Side& operator=(const Side&) = delete;
    ~Side() = default;

    void setPeer(Side& peer) { peer_ = &peer; }
    // Joined mid-connection: header blocks are framed but not decoded.
    void skipHeaderFields() { skipFields_ = true; }
    void feed(std::span<const uint8_t> bytes);
    void gap(std::size_t missing);
    bool stopped() const { return reader_.stopped(); }
    // Stops this side for good: its HPACK state or framing is lost.
    void stopWith(const std::string& what);

    void onFrameStart(const Http2FrameHeader& frame) override;
    void onFramePayload(const Http2FrameHeader& frame, std::size_t offset,
                        std::span<const uint8_t> piece) override;
    void onFramePayloadGap(const Http2FrameHeader& frame, std::size_t offset,
                           std::size_t missing) override;
    void onFrameEnd(const Http2FrameHeader& frame) override;

private:
    // What the payload of the current frame is read for.
    enum class Payload { Skip, Control, Settings, Data, HeaderBlock };
    // SETTINGS_HEADER_TABLE_SIZE values of one SETTINGS frame: the smallest and the last
    // (the encoder must pass through the smallest, RFC 7541 section 4.2).
    struct TableSizeChange {
        uint32_t smallest = 0;
        uint32_t last = 0;
    };

    HttpExchangeSink& sink() { return connection_.sink_; }
    void malformed(const std::string& what) { sink().onProblem(HttpProblem::Malformed, what); }
    void startHeaderBlock(const Http2FrameHeader& frame);
    void startSettings(const Http2FrameHeader& frame);
    void checkControlLength(const Http2FrameHeader& frame);
    void readContent(const Http2FrameHeader& frame, std::size_t offset,
                     std::span<const uint8_t> piece);
    void readSettings(std::span<const uint8_t> piece);
    void feedBlock(std::span<const uint8_t> fragment, bool last);
    void finishBlock();
    void onDataLost(const Http2FrameHeader& frame);
    void expectTableSize(std::optional<TableSizeChange> change);
    void applyTableSize(const std::optional<TableSizeChange>& change);
    void onAcknowledged();

    Http2Connection& connection_;
    const bool client_;
    Side* peer_ = nullptr;
    Http2FrameReader reader_{*this};
    HpackInflater inflater_;
    bool skipFields_ = false;
    bool stopReported_ = false;

    Payload payload_ = Payload::Skip;
    std::size_t prefix_ = 0; // pad length byte, priority fields, promised stream id
    std::size_t padding_ = 0;
    bool paddingKnown_ = true;

    std::array<uint8_t, 6> setting_{};
    std::size_t settingFill_ = 0;
    std::optional<TableSizeChange> tableSize_; // of the SETTINGS frame being read

    bool blockOpen_ = false;
    bool blockStarted_ = false;
    uint32_t blockStream_ = 0;
    bool blockEndStream_ = false;
    bool blockPushed_ = false;
    std::size_t blockBytes_ = 0;
    BlockFields fields_;

    // The peer's SETTINGS this side has not acknowledged yet, oldest first.
    std::deque<std::optional<TableSizeChange>> unacknowledged_;
};

void Http2Connection::Side::feed(std::span<const uint8_t> bytes) {
    if (stopped()) {
        sink().onSkipped(bytes.size());
        return;
    }
    sink().onSkipped(bytes.size() - reader_.feed(bytes));
}

void Http2Connection::Side::gap(std::size_t missing) {
    if (stopped()) {
        return;
    }
    if (!reader_.skip(missing)) {
        stopWith("HTTP/2: bytes missing outside a frame payload");
    }
}

void Http2Connection::Side::stopWith(const std::string& what) {
    reader_.stop();
    blockOpen_ = false;
    if (stopReported_) {
        return;
    }
    stopReported_ = true;
    sink().onProblem(HttpProblem::Desync, what);
    connection_.onSideStopped(client_);
}

void Http2Connection::Side::onFrameStart(const Http2FrameHeader& frame) {
    payload_ = Payload::Skip;
    prefix_ = 0;
    padding_ = 0;
    paddingKnown_ = true;
    if (blockOpen_ && (frame.type != http2::Continuation || frame.streamId != blockStream_)) {
        stopWith("HTTP/2: header block interrupted by another frame");
        return;
    }
    const bool padded = (frame.flags & http2::Padded) != 0;
    switch (frame.type) {
    case http2::Data:
        if (frame.streamId == 0) {
            malformed("HTTP/2: DATA on stream 0");
            return;
        }
        prefix_ = padded ? 1 : 0;
        paddingKnown_ = !padded;
        payload_ = Payload::Data;
        break;
    case http2::Headers:
    case http2::PushPromise:
        startHeaderBlock(frame);
        break;
    case http2::Continuation:
        if (!blockOpen_) {
            malformed("HTTP/2: CONTINUATION without a header block");
            return;
        }
        payload_ = Payload::HeaderBlock;
        break;
    case http2::Settings:
        startSettings(frame);
        return;
    case http2::RstStream:
        connection_.onReset(frame.streamId);
        checkControlLength(frame);
        return;
    case http2::Priority:
    case http2::Ping:
    case http2::Goaway:
    case http2::WindowUpdate:
        checkControlLength(frame);
        return;
    default:
        return; // an extension frame: RFC 9113 section 4.1 says ignore it
    }
    if (prefix_ > frame.length) {
        if (payload_ == Payload::HeaderBlock) {
            stopWith("HTTP/2: header frame shorter than its padding and priority fields");
            return;
        }
        malformed("HTTP/2: DATA frame shorter than its pad length field");
        payload_ = Payload::Skip;
    }
}

void Http2Connection::Side::startHeaderBlock(const Http2FrameHeader& frame) {
    const bool padded = (frame.flags & http2::Padded) != 0;
    const bool pushed = frame.type == http2::PushPromise;
    prefix_ = (padded ? 1 : 0) + (pushed ? 4 : 0) +
              (!pushed && (frame.flags & http2::PriorityFlag) != 0 ? 5 : 0);
    paddingKnown_ = !padded;
    payload_ = Payload::HeaderBlock;
    blockOpen_ = true;
    blockStarted_ = false;
    blockStream_ = frame.streamId;
    blockEndStream_ = !pushed && (frame.flags & http2::EndStream) != 0;
    blockPushed_ = pushed;
    blockBytes_ = 0;
    fields_ = {};
}

void Http2Connection::Side::startSettings(const Http2FrameHeader& frame) {
    settingFill_ = 0;
    tableSize_.reset();
    if (frame.streamId != 0) {
        malformed("HTTP/2: SETTINGS on a stream");
        return;
    }
    if ((frame.flags & http2::Ack) != 0) {
        if (frame.length != 0) {
            malformed("HTTP/2: SETTINGS acknowledgement with a payload");
        }
        return;
    }
    if (frame.length % setting_.size() != 0) {
        malformed("HTTP/2: SETTINGS length not a multiple of 6");
        return;
    }
    payload_ = Payload::Settings;
}

void Http2Connection::Side::checkControlLength(const Http2FrameHeader& frame) {
    payload_ = Payload::Control;
    const uint32_t length = frame.length;
    bool ok = true;
    switch (frame.type) {
    case http2::RstStream:
    case http2::WindowUpdate:
        ok = length == 4;
        break;
    case http2::Priority:
        ok = length == 5;
        break;
    case http2::Ping:
        ok = length == 8;
        break;
    case http2::Goaway:
        ok = length >= 8;
        break;
    default:
        break;
    }
    if (!ok) {
        malformed("HTTP/2: control frame of the wrong length");
    }
}

void Http2Connection::Side::onFramePayload(const Http2FrameHeader& frame, std::size_t offset,
                                           std::span<const uint8_t> piece) {
    switch (payload_) {
    case Payload::Skip:
        sink().onSkipped(piece.size());
        return;
    case Payload::Control:
        return;
    case Payload::Settings:
        readSettings(piece);
        return;
    case Payload::Data:
    case Payload::HeaderBlock:
        readContent(frame, offset, piece);
        return;
    }
}

// The frame's content without its pad length, priority or promised stream fields and padding.
void Http2Connection::Side::readContent(const Http2FrameHeader& frame, std::size_t offset,
                                        std::span<const uint8_t> piece) {
    if (!paddingKnown_ && offset == 0 && !piece.empty()) {
        padding_ = piece[0];
        paddingKnown_ = true;
        if (prefix_ + padding_ > frame.length) {
            if (payload_ == Payload::HeaderBlock) {
                stopWith("HTTP/2: header frame padding longer than the frame");
                return;
            }
            connection_.onBadData(client_, frame.streamId,
                                  "HTTP/2: DATA padding longer than the frame");
            payload_ = Payload::Skip;
            sink().onSkipped(piece.size());
            return;
        }
    }
    const std::size_t begin = std::max(offset, prefix_);
    const std::size_t end = std::min(offset + piece.size(), frame.length - padding_);
    if (begin >= end) {
        return;
    }
    const auto content = piece.subspan(begin - offset, end - begin);
    if (payload_ == Payload::Data) {
        connection_.onData(client_, frame.streamId, content);
    } else {
        feedBlock(content, false);
    }
}

void Http2Connection::Side::readSettings(std::span<const uint8_t> piece) {
    for (const uint8_t byte : piece) {
        setting_[settingFill_++] = byte;
        if (settingFill_ < setting_.size()) {
            continue;
        }
        settingFill_ = 0;
        const auto id = static_cast<uint16_t>(setting_[0] << 8 | setting_[1]);
        if (id != http2::kSettingsHeaderTableSize) {
            continue;
        }
        const uint32_t value = uint32_t{setting_[2]} << 24 | uint32_t{setting_[3]} << 16 |
                               uint32_t{setting_[4]} << 8 | setting_[5];
        if (!tableSize_) {
            tableSize_ = TableSizeChange{value, value};
        }
        tableSize_->smallest = std::min(tableSize_->smallest, value);
        tableSize_->last = value;
    }
}

void Http2Connection::Side::onFramePayloadGap(const Http2FrameHeader& frame, std::size_t /*offset*/,
                                              std::size_t /*missing*/) {
    switch (payload_) {
    case Payload::Skip:
    case Payload::Control:
        return;
    case Payload::Settings:
        // The peer's encoder may now follow a table size nobody can know.
        payload_ = Payload::Skip;
        peer_->stopWith("HTTP/2: SETTINGS cut by missing bytes");
        return;
    case Payload::HeaderBlock:
        stopWith("HTTP/2: header block cut by missing bytes");
        return;
    case Payload::Data:
        onDataLost(frame);
        payload_ = Payload::Skip;
        return;
    }
}

void Http2Connection::Side::onFrameEnd(const Http2FrameHeader& frame) {
    switch (frame.type) {
    case http2::Data:
        if (payload_ == Payload::Data && (frame.flags & http2::EndStream) != 0) {
            connection_.onEndStream(client_, frame.streamId);
        }
        return;
    case http2::Headers:
    case http2::PushPromise:
    case http2::Continuation:
        if (payload_ == Payload::HeaderBlock && (frame.flags & http2::EndHeaders) != 0) {
            finishBlock();
        }
        return;
    case http2::Settings:
        if (frame.streamId != 0) {
            return;
        }
        if ((frame.flags & http2::Ack) != 0) {
            onAcknowledged();
        } else if (payload_ == Payload::Settings) {
            peer_->expectTableSize(tableSize_);
        }
        return;
    default:
        return;
    }
}

void Http2Connection::Side::onDataLost(const Http2FrameHeader& frame) {
    connection_.onDataLost(client_, frame.streamId);
}

void Http2Connection::Side::feedBlock(std::span<const uint8_t> fragment, bool last) {
    if (skipFields_) {
        blockBytes_ += fragment.size();
        return;
    }
    if (!blockStarted_ && (last || !fragment.empty())) {
        blockStarted_ = true;
        const bool startsWithSizeUpdate = !fragment.empty() && (fragment[0] & 0xE0) == 0x20;
        while (startsWithSizeUpdate && !unacknowledged_.empty() && !stopped()) {
            applyTableSize(unacknowledged_.front());
            unacknowledged_.pop_front();
        }
        if (stopped()) {
            return;
        }
    }
    blockBytes_ += fragment.size();
    fields_.tooLarge = fields_.tooLarge || blockBytes_ > kMaxHeaderBlock;
    const bool ok =
        inflater_.feed(fragment, last, [this](std::string_view name, std::string_view value) {
            fields_.add(name, value);
        });
    if (!ok) {
        stopWith("HTTP/2 " + inflater_.error());
    }
}

void Http2Connection::Side::finishBlock() {
    feedBlock({}, true);
    if (stopped()) {
        return;
    }
    blockOpen_ = false;
    if (skipFields_ && client_) {
        connection_.onUnknownRequestBlock(blockStream_, blockEndStream_);
    } else if (fields_.tooLarge) {
        malformed("HTTP/2: header block over 64 KiB, stream dropped");
    } else if (!blockPushed_ && client_) {
        connection_.onRequestBlock(blockStream_, fields_, blockEndStream_);
        if (sink().finished()) {
            reader_.stop(); // not DoH: nothing more to read, on either side
            peer_->reader_.stop();
        }
    } else if (!blockPushed_ && fields_.status) {
        connection_.onResponseBlock(fields_);
    }
    fields_ = {};
}

void Http2Connection::Side::expectTableSize(std::optional<TableSizeChange> change) {
    if (unacknowledged_.size() >= kMaxUnacknowledgedSettings) {
        malformed("HTTP/2: too many unacknowledged SETTINGS");
        return;
    }
    unacknowledged_.push_back(change);
}

void Http2Connection::Side::applyTableSize(const std::optional<TableSizeChange>& change) {
    if (!change) {
        return;
    }
    if (!inflater_.setTableSizeLimit(change->smallest) ||
        !inflater_.setTableSizeLimit(change->last)) {
        stopWith("HTTP/2 " + inflater_.error());
    }
}

void Http2Connection::Side::onAcknowledged() {
    if (unacknowledged_.empty()) {
        return;
    }
    const auto change = unacknowledged_.front();
    unacknowledged_.pop_front();
    applyTableSize(change);
}

Http2Connection::Http2Connection(HttpExchangeSink& sink, Start start)
    : sink_(sink)
    , joined_(start == Start::Joined)
    , client_(std::make_unique<Side>(*this, true))
    , server_(std::make_unique<Side>(*this, false)) {
    client_->setPeer(*server_);
    server_->setPeer(*client_);
    if (joined_) {
        client_->skipHeaderFields();
    }
}

Http2Connection::~Http2Connection() = default;

void Http2Connection::onWrite(std::span<const uint8_t> bytes) {
    client_->feed(bytes);
}
void Http2Connection::onWriteGap(std::size_t missing) {
    client_->gap(missing);
}
// Joined: where the server's frames start in what was read is unknown, and its responses
// decide nothing a request body could not.
void Http2Connection::onRead(std::span<const uint8_t> bytes) {
    if (joined_) {
        sink_.onSkipped(bytes.size());
        return;
    }
    server_->feed(bytes);
}
void Http2Connection::onReadGap(std::size_t missing) {
    if (!joined_) {
        server_->gap(missing);
    }
}
bool Http2Connection::writeStopped() const {
    return client_->stopped();
}
bool Http2Connection::readStopped() const {
    return server_->stopped();
}

void Http2Connection::onRequestBlock(uint32_t streamId, const BlockFields& fields, bool endStream) {
    const auto stream = streams_.find(streamId);
    if (!fields.method) {
        // Trailers (RFC 9113 section 8.1) end a body as well.
        if (stream != streams_.end() && endStream) {
            complete(stream);
        }
        return;
    }
    if (stream != streams_.end()) {
        drop(stream, HttpProblem::Malformed, "HTTP/2: second request head on one stream");
    }
    if (streamId == 0) {
        sink_.onProblem(HttpProblem::Malformed, "HTTP/2: request on stream 0");
        return;
    }
    HttpRequestHead head;
    head.method = *fields.method;
    head.authority = fields.authority.empty() ? fields.host : fields.authority;
    head.target = fields.path;
    head.contentType = fields.contentType;
    head.http2 = true;
    openRequest(streamId, std::move(head), endStream);
}

void Http2Connection::onUnknownRequestBlock(uint32_t streamId, bool endStream) {
    const auto stream = streams_.find(streamId);
    if (stream != streams_.end()) {
        // A stream's second header block is its trailers: they end the body.
        if (endStream) {
            complete(stream);
        }
        return;
    }
    if (streamId == 0) {
        sink_.onProblem(HttpProblem::Malformed, "HTTP/2: request on stream 0");
        return;
    }
    HttpRequestHead head;
    head.http2 = true;
    head.fieldsUnknown = true;
    openRequest(streamId, std::move(head), endStream);
}

void Http2Connection::openRequest(uint32_t streamId, HttpRequestHead head, bool endStream) {
    if (!sink_.onRequestHead(head)) {
        return;
    }
    if (endStream) {
        sink_.onRequestBody(head, {});
        return;
    }
    if (streams_.size() >= kMaxStreams) {
        sink_.onProblem(HttpProblem::Malformed,
                        "HTTP/2: over 100 DoH streams open, stream dropped");
        return;
    }
    streams_.emplace(streamId, Stream{std::move(head), {}});
}

void Http2Connection::onResponseBlock(const BlockFields& fields) {
    sink_.onResponseHead(*fields.status, fields.contentType);
}

void Http2Connection::onData(bool client, uint32_t streamId, std::span<const uint8_t> content) {
    const auto stream = client ? streams_.find(streamId) : streams_.end();
    if (stream == streams_.end()) {
        sink_.onSkipped(content.size());
        return;
    }
    auto& body = stream->second.body;
    if (body.size() + content.size() > kMaxBody) {
        sink_.onSkipped(content.size());
        drop(stream, HttpProblem::Malformed, "HTTP/2: DoH request body over 64 KiB");
        return;
    }
    if (bufferedBodies_ + content.size() > kMaxBufferedBodies) {
        sink_.onSkipped(content.size());
        drop(stream, HttpProblem::Malformed, "HTTP/2: DoH request bodies over 256 KiB together");
        return;
    }
    body.insert(body.end(), content.begin(), content.end());
    bufferedBodies_ += content.size();
}

void Http2Connection::onDataLost(bool client, uint32_t streamId) {
    const auto stream = client ? streams_.find(streamId) : streams_.end();
    if (stream != streams_.end()) {
        drop(stream, HttpProblem::LostRequest, "HTTP/2: DoH request body cut by missing bytes");
    }
}

void Http2Connection::onBadData(bool client, uint32_t streamId, std::string_view what) {
    const auto stream = client ? streams_.find(streamId) : streams_.end();
    if (stream != streams_.end()) {
        drop(stream, HttpProblem::Malformed, what);
    } else {
        sink_.onProblem(HttpProblem::Malformed, what);
    }
}

void Http2Connection::onEndStream(bool client, uint32_t streamId) {
    const auto stream = client ? streams_.find(streamId) : streams_.end();
    if (stream != streams_.end()) {
        complete(stream);
    }
}

void Http2Connection::onReset(uint32_t streamId) {
    const auto stream = streams_.find(streamId);
    if (stream != streams_.end()) {
        drop(stream, HttpProblem::Cancelled, "HTTP/2: DoH stream reset before its body ended");
    }
}

void Http2Connection::onSideStopped(bool client) {
    if (!client) {
        return;
    }
    // Nothing more will be read of the bodies still open.
    while (!streams_.empty()) {
        drop(streams_.begin(), HttpProblem::LostRequest,
             "HTTP/2: DoH request lost with the write side's place");
    }
}

void Http2Connection::complete(Streams::iterator stream) {
    const Stream done = std::move(stream->second);
    bufferedBodies_ -= done.body.size();
    streams_.erase(stream);
    sink_.onRequestBody(done.head, done.body);
}

void Http2Connection::drop(Streams::iterator stream, HttpProblem problem, std::string_view what) {
    bufferedBodies_ -= stream->second.body.size();
    streams_.erase(stream);
    sink_.onProblem(problem, what);
}

} // namespace mamori::dns
