#include "media/rtp_sockets.hpp"

#include <random>

namespace media {

core::Result<GObjectPtr<GSocket>> bind_udp(const std::string& address, uint16_t port) {
    GObjectPtr<GInetAddress> inet(g_inet_address_new_from_string(address.c_str()));
    if (!inet) return core::fail("media: not an IP address: " + address);
    GError* err = nullptr;
    GObjectPtr<GSocket> sock(g_socket_new(g_inet_address_get_family(inet.get()),
                                          G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &err));
    if (!sock) {
        std::string msg = err ? err->message : "unknown";
        g_clear_error(&err);
        return core::fail("media: cannot create a UDP socket: " + msg);
    }
    GObjectPtr<GSocketAddress> sa(g_inet_socket_address_new(inet.get(), port));
    if (!g_socket_bind(sock.get(), sa.get(), FALSE, &err)) {
        std::string msg = err ? err->message : "unknown";
        g_clear_error(&err);
        return core::fail("media: cannot bind " + address + ":" + std::to_string(port) + ": " +
                          msg);
    }
    return sock;
}

uint16_t local_port(GSocket* socket) {
    GObjectPtr<GSocketAddress> sa(g_socket_get_local_address(socket, nullptr));
    if (!sa) return 0;
    return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(sa.get()));
}

core::Result<RtpSocketPair> bind_rtp_pair(const std::string& address, uint16_t port_min,
                                          uint16_t port_max) {
    if (port_min % 2 != 0) ++port_min;
    if (port_max <= port_min) return core::fail("media: RTP port range is empty");
    const unsigned pairs = (port_max - port_min + 1U) / 2U;
    if (pairs == 0) return core::fail("media: RTP port range holds no even/odd pair");
    static thread_local std::mt19937 rng{std::random_device{}()};
    const unsigned first = std::uniform_int_distribution<unsigned>(0, pairs - 1)(rng);
    for (unsigned i = 0; i < pairs; ++i) {
        const auto port = static_cast<uint16_t>(port_min + 2U * ((first + i) % pairs));
        auto rtp = bind_udp(address, port);
        if (!rtp) {
            if (i == 0 && !g_hostname_is_ip_address(address.c_str())) return rtp.error();
            continue;
        }
        auto rtcp = bind_udp(address, static_cast<uint16_t>(port + 1));
        if (!rtcp) continue;
        RtpSocketPair pair;
        pair.rtp = std::move(rtp.value());
        pair.rtcp = std::move(rtcp.value());
        pair.rtp_port = port;
        pair.rtcp_port = static_cast<uint16_t>(port + 1);
        return pair;
    }
    return core::fail("media: no free RTP port pair on " + address + " in " +
                      std::to_string(port_min) + "-" + std::to_string(port_max));
}

}  // namespace media
