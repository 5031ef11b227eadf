// BFCP messages out of a byte stream (TCP/BFCP, TCP/TLS/BFCP): RFC 8855 §5.1's common header
// says how long each message is, and nothing else delimits them. Pure bytes in, frames out, so
// that the TCP handler and the fuzzer run the same code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sip {

class BfcpStreamFramer {
public:
    // A message bigger than this is not one a client of ours sends (a FloorRequest with every
    // optional attribute is under 200 bytes); over TCP it would make us buffer without bound.
    static constexpr size_t kMaxMessage = 4096;
    static constexpr size_t kHeaderSize = 12;

    enum class Status { Frame, NeedMore, Invalid };

    void append(std::span<const uint8_t> bytes);
    // The next whole message into `frame`. Invalid: the stream is not BFCP (a version other
    // than 1 or 2, a length past kMaxMessage) and cannot be resynchronised; why() says what.
    Status next(std::vector<uint8_t>& frame);
    void clear() { buffer_.clear(); }

    [[nodiscard]] const std::string& why() const { return why_; }
    [[nodiscard]] size_t buffered() const { return buffer_.size(); }

private:
    std::vector<uint8_t> buffer_;  // bytes of an incomplete message
    std::string why_;
};

}  // namespace sip
