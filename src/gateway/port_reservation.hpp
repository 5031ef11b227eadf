// TEMPORARY (the lead deletes this file when media::Engine is merged): holds real UDP sockets
// for a call's RTP/RTCP so the ports in our SDP answers exist, with the same surface the
// gateway uses from media::CallMedia (local_ports, start, update, send_keyframe). It moves no
// media.
#pragma once

#include "core/result.hpp"
#include "sip/negotiated_media.hpp"

#include <array>
#include <memory>
#include <string>

namespace gateway {

enum class MediaMode { Echo, Idle };

class PortReservation {
public:
    static core::Result<std::unique_ptr<PortReservation>> create(const std::string& address,
                                                                 uint16_t port_min,
                                                                 uint16_t port_max);
    ~PortReservation();
    PortReservation(const PortReservation&) = delete;
    PortReservation& operator=(const PortReservation&) = delete;

    [[nodiscard]] const sip::LocalMediaPorts& local_ports() const { return ports_; }
    core::Status start(const sip::NegotiatedMedia& media, MediaMode mode);
    core::Status update(const sip::NegotiatedMedia& media);
    void send_keyframe() {}

private:
    PortReservation() = default;
    sip::LocalMediaPorts ports_;
    std::array<int, 4> fds_{-1, -1, -1, -1};
};

}  // namespace gateway
