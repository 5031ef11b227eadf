// A UDP socket bound to an ephemeral port on 127.0.0.1, for tests that play a media peer by hand
// (raw RTP) or need a port that never answers (a silent TURN server).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace testsupport {

class UdpSocket {
public:
    UdpSocket();  // throws when it cannot bind
    ~UdpSocket();
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;

    [[nodiscard]] uint16_t port() const { return port_; }
    void send_to(const std::string& address, uint16_t port,
                 const std::vector<uint8_t>& packet) const;

private:
    int fd_;
    uint16_t port_ = 0;
};

}  // namespace testsupport
