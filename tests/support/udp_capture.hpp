// A packet capture on the loopback interface (AF_PACKET raw socket, needs CAP_NET_RAW as the
// integration tests have): the UDP payloads to or from a port range, for tests that check what
// actually crossed the wire (e.g. that an SRTP call carries no cleartext RTP payload).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace testsupport {

class UdpCapture {
public:
    // Captures datagrams whose source or destination port is in [port_min, port_max].
    UdpCapture(uint16_t port_min, uint16_t port_max);
    ~UdpCapture();
    UdpCapture(const UdpCapture&) = delete;
    UdpCapture& operator=(const UdpCapture&) = delete;

    [[nodiscard]] bool ok() const { return fd_ >= 0; }
    [[nodiscard]] const std::string& error() const { return error_; }
    // The UDP payloads seen so far (each datagram once, as it left its sender).
    [[nodiscard]] std::vector<std::vector<uint8_t>> payloads() const;
    // The same, only those sent from a port in the range (what the range's owner sent).
    [[nodiscard]] std::vector<std::vector<uint8_t>> payloads_sent() const;

private:
    void run();

    uint16_t port_min_, port_max_;
    int fd_ = -1;
    std::string error_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<std::vector<uint8_t>> payloads_;
    std::vector<bool> sent_from_range_;  // per payload
    std::thread thread_;
};

}  // namespace testsupport
