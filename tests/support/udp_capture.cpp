#include "support/udp_capture.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace testsupport {

namespace {
constexpr size_t kMaxPackets = 20000;  // bounds memory on a long capture
}

UdpCapture::UdpCapture(uint16_t port_min, uint16_t port_max)
    : port_min_(port_min), port_max_(port_max) {
    fd_ = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
    if (fd_ < 0) {
        error_ = std::string("AF_PACKET socket: ") + std::strerror(errno);
        return;
    }
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_IP);
    addr.sll_ifindex = static_cast<int>(if_nametoindex("lo"));
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        error_ = std::string("bind to lo: ") + std::strerror(errno);
        close(fd_);
        fd_ = -1;
        return;
    }
    thread_ = std::thread([this] { run(); });
}

UdpCapture::~UdpCapture() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
}

std::vector<std::vector<uint8_t>> UdpCapture::payloads() const {
    std::lock_guard lock(mutex_);
    return payloads_;
}

std::vector<std::vector<uint8_t>> UdpCapture::payloads_sent() const {
    std::lock_guard lock(mutex_);
    std::vector<std::vector<uint8_t>> sent;
    for (size_t i = 0; i < payloads_.size(); ++i)
        if (sent_from_range_[i]) sent.push_back(payloads_[i]);
    return sent;
}

void UdpCapture::run() {
    std::vector<uint8_t> buf(65536);
    while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        sockaddr_ll from{};
        socklen_t len = sizeof from;
        const ssize_t n =
            recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
        // Loopback shows each packet twice (sent and received): keep the received copy.
        if (n < 20 || from.sll_pkttype == PACKET_OUTGOING) continue;
        const uint8_t* ip = buf.data();
        const size_t ihl = static_cast<size_t>(ip[0] & 0x0f) * 4;
        if ((ip[0] >> 4) != 4 || ip[9] != IPPROTO_UDP || static_cast<size_t>(n) < ihl + 8) continue;
        const uint8_t* udp = ip + ihl;
        const uint16_t sport = static_cast<uint16_t>((udp[0] << 8) | udp[1]);
        const uint16_t dport = static_cast<uint16_t>((udp[2] << 8) | udp[3]);
        const bool from_range = sport >= port_min_ && sport <= port_max_;
        if (!from_range && !(dport >= port_min_ && dport <= port_max_)) continue;
        std::lock_guard lock(mutex_);
        const uint8_t* end = buf.data() + n;
        if (payloads_.size() < kMaxPackets) {
            payloads_.emplace_back(udp + 8, end);
            sent_from_range_.push_back(from_range);
        }
    }
}

}  // namespace testsupport
