#include "gateway/port_reservation.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <random>

namespace gateway {

namespace {

int bind_udp(const std::string& address, uint16_t port) {
    const bool v6 = address.find(':') != std::string::npos;
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int rc = -1;
    if (v6) {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port);
        if (inet_pton(AF_INET6, address.c_str(), &sa.sin6_addr) == 1)
            rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    } else {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) == 1)
            rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    }
    if (rc != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

core::Result<std::unique_ptr<PortReservation>> PortReservation::create(const std::string& address,
                                                                       uint16_t port_min,
                                                                       uint16_t port_max) {
    std::unique_ptr<PortReservation> r(new PortReservation());  // NOLINT: private constructor
    r->ports_.address = address;
    const uint32_t first = (port_min + 1U) & ~1U;  // RTP on even ports (RFC 3550 §11)
    const uint32_t pairs = (port_max - first + 1) / 2;
    if (pairs < 2) return core::fail("media: RTP port range too small");
    std::mt19937 rng(std::random_device{}());
    const uint32_t start = rng() % pairs;
    int got = 0;
    for (uint32_t i = 0; i < pairs && got < 2; ++i) {
        const auto port = static_cast<uint16_t>(first + 2 * ((start + i) % pairs));
        const int rtp = bind_udp(address, port);
        if (rtp < 0) continue;
        const int rtcp = bind_udp(address, static_cast<uint16_t>(port + 1));
        if (rtcp < 0) {
            ::close(rtp);
            continue;
        }
        r->fds_[got * 2] = rtp;
        r->fds_[got * 2 + 1] = rtcp;
        if (got == 0) {
            r->ports_.audio_rtp = port;
            r->ports_.audio_rtcp = static_cast<uint16_t>(port + 1);
        } else {
            r->ports_.video_rtp = port;
            r->ports_.video_rtcp = static_cast<uint16_t>(port + 1);
        }
        ++got;
    }
    if (got < 2) return core::fail("media: no free RTP ports on " + address);
    return r;
}

PortReservation::~PortReservation() {
    for (int fd : fds_)
        if (fd >= 0) ::close(fd);
}

core::Status PortReservation::start(const sip::NegotiatedMedia&, MediaMode) {
    return core::Ok{};
}

core::Status PortReservation::update(const sip::NegotiatedMedia&) {
    return core::Ok{};
}

}  // namespace gateway
