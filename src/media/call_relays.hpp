// The TURN relays of one call: one allocation per media socket (audio, video and the content
// line, RTP and RTCP) and one for the UDP/BFCP floor control server, made before the SDP
// answer, so that the answer can carry the relayed address and ports. Control thread only.
#pragma once

#include "core/control_loop.hpp"
#include "core/result.hpp"
#include "media/turn_relay.hpp"
#include "sip/negotiated_media.hpp"

#include <array>
#include <functional>
#include <memory>
#include <string>

namespace media {

class CallRelays {
public:
    using Done = std::function<void(core::Status)>;

    // Starts the allocations; `done` runs once, from the control loop (never from inside
    // a libre callback, so it may destroy this object), when all are allocated, when one
    // fails, or after `timeout_ms` without an answer. The content line's and the floor control
    // server's relays are asked for only `with_content` (the offer has such lines): a call
    // without them must not hold three allocations of the TURN server's quota for nothing.
    static core::Result<std::unique_ptr<CallRelays>> create(const TurnAccount& account,
                                                            const sip::LocalMediaPorts& local,
                                                            bool with_content,
                                                            const std::string& log_prefix,
                                                            uint32_t timeout_ms, Done done);
    struct Key {
        explicit Key() = default;
    };
    CallRelays(Key, std::string log_prefix, Done done);

    // Behind TURN, a content line or a BFCP line offered by re-INVITE to a call that has no
    // relays for them: allocates those three (content RTP and RTCP at `local`'s content ports,
    // BFCP named later by serve_bfcp()). `done` as for create(); after a failure the three are
    // gone and a later call may try again. Refused while an allocation is under way.
    core::Status add_content(const TurnAccount& account, const sip::LocalMediaPorts& local,
                             uint32_t timeout_ms, Done done);
    [[nodiscard]] bool has_content() const { return relays_[ContentRtp] != nullptr; }

    // The relayed transport addresses, for the SDP (valid once `done` said Ok).
    [[nodiscard]] sip::LocalMediaPorts relayed_ports() const;
    // Points the relays at the peer of `media` and returns the media as the pipeline must see
    // it: each peer address replaced by the local socket of its relay.
    sip::NegotiatedMedia route(const sip::NegotiatedMedia& media);
    // "host:port" of the stream's RTP relay, or empty.
    [[nodiscard]] std::string relay_of(sip::MediaKind kind) const;
    [[nodiscard]] std::string content_relay() const;

    // The floor control server's UDP socket (bound after the relays were asked for) gets the
    // BFCP relay; returns the relayed port for the SDP answer, 0 without one.
    uint16_t serve_bfcp(uint16_t local_port);
    // As route(), for the BFCP line: a UDP/BFCP peer is reached through the relay.
    std::optional<sip::NegotiatedBfcp> route_bfcp(const std::optional<sip::NegotiatedBfcp>& bfcp);

private:
    enum Slot { AudioRtp, AudioRtcp, VideoRtp, VideoRtcp, ContentRtp, ContentRtcp, Bfcp, Count };
    // Asks for the relay of each slot in [first, last] whose local port is known.
    core::Status allocate(const TurnAccount& account, const sip::LocalMediaPorts& local, Slot first,
                          Slot last);
    void start_timeout(uint32_t timeout_ms);
    void on_relay_done(core::Status status);
    void finish(core::Status status);
    void route_stream(std::optional<sip::NegotiatedStream>& stream, Slot rtp, Slot rtcp);

    std::string log_prefix_;
    Done done_;
    std::array<std::unique_ptr<TurnRelay>, Count> relays_;
    size_t waiting_ = 0;
    core::Timer timeout_;
    core::Timer finish_;  // defers `done` out of libre's callbacks
};

}  // namespace media
