#include "support/udp_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace testsupport {

UdpSocket::UdpSocket() : fd_(socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        if (fd_ >= 0) close(fd_);
        throw std::runtime_error("cannot bind a UDP socket on 127.0.0.1");
    }
    port_ = ntohs(a.sin_port);
}

UdpSocket::~UdpSocket() {
    close(fd_);
}

void UdpSocket::send_to(const std::string& address, uint16_t port,
                        const std::vector<uint8_t>& packet) const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    (void)inet_pton(AF_INET, address.c_str(), &a.sin_addr);
    a.sin_port = htons(port);
    (void)sendto(fd_, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

}  // namespace testsupport
