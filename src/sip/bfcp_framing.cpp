#include "sip/bfcp_framing.hpp"

namespace sip {

void BfcpStreamFramer::append(std::span<const uint8_t> bytes) {
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

BfcpStreamFramer::Status BfcpStreamFramer::next(std::vector<uint8_t>& frame) {
    if (buffer_.size() < kHeaderSize) return Status::NeedMore;
    // RFC 8855 §5.1: the header's Payload Length counts 4-octet words after the 12 octets.
    const size_t len = kHeaderSize + 4 * ((size_t{buffer_[2]} << 8) | buffer_[3]);
    const unsigned ver = buffer_[0] >> 5;
    if (ver != 1 && ver != 2) {
        why_ = "version " + std::to_string(ver);
        buffer_.clear();
        return Status::Invalid;
    }
    if (len > kMaxMessage) {
        why_ = "a message of " + std::to_string(len) + " bytes";
        buffer_.clear();
        return Status::Invalid;
    }
    if (buffer_.size() < len) return Status::NeedMore;
    frame.assign(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(len));
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(len));
    return Status::Frame;
}

}  // namespace sip
