// A bound RTP/RTCP UDP socket pair (even port for RTP, the next one for RTCP, RFC 3550 §11).
// The same sockets feed udpsrc and udpsink, so we send from the port we receive on
// (symmetric RTP: NATs and SBCs drop media that comes from another port).
#pragma once

#include "core/result.hpp"
#include "media/gst_ptr.hpp"

#include <cstdint>
#include <string>

namespace media {

struct RtpSocketPair {
    GObjectPtr<GSocket> rtp;
    GObjectPtr<GSocket> rtcp;
    uint16_t rtp_port = 0;
    uint16_t rtcp_port = 0;
};

// Binds an even/odd port pair on `address` within [port_min, port_max], starting at a random
// place so that several processes on one host rarely race for the same pair.
core::Result<RtpSocketPair> bind_rtp_pair(const std::string& address, uint16_t port_min,
                                          uint16_t port_max);

// Binds one UDP socket on address:port (0: any free port). Used by tests and benchmarks too.
core::Result<GObjectPtr<GSocket>> bind_udp(const std::string& address, uint16_t port);

uint16_t local_port(GSocket* socket);

}  // namespace media
