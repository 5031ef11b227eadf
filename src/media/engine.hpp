// The gateway ↔ media contract: one Engine per process hands out CallMedia objects.
#pragma once

#include "core/config.hpp"
#include "core/result.hpp"
#include "media/call_events.hpp"
#include "media/call_media.hpp"
#include "media/control_bridge.hpp"

#include <memory>
#include <string>

namespace media {

class Engine {  // one per process; created on the control thread
public:
    Engine(const core::MediaConfig& media, const core::TurnConfig& turn, core::ControlLoop& loop);

    // Binds RTP/RTCP sockets for audio and video in [rtp_port_min, rtp_port_max] on `address`
    // (empty: media.address, else 127.0.0.1).
    core::Result<std::unique_ptr<CallMedia>> create_call(const std::string& session_id,
                                                         const std::string& address,
                                                         CallEvents events);

    [[nodiscard]] bool uses_turn() const { return turn_.enabled(); }
    // With [turn] server set: allocates a relay for each socket of `call` (the content line's
    // and the floor control server's only `with_content`). `done` runs later on the control
    // loop: Ok once call.local_ports() carries the relayed addresses, else why not (bad
    // credentials, no answer within kTurnTimeoutMs). An error here means nothing started.
    core::Status allocate_relays(CallMedia& call, bool with_content,
                                 std::function<void(core::Status)> done);
    static constexpr uint32_t kTurnTimeoutMs = 5000;

private:
    core::MediaConfig config_;
    std::shared_ptr<const DtlsIdentity> dtls_identity_;  // null: DTLS-SRTP offers are refused
    core::TurnConfig turn_;
    core::ControlLoop& loop_;
};

}  // namespace media
