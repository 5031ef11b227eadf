#include "media/engine.hpp"

#include "media/rtp_sockets.hpp"

#include <gst/gst.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace media {

Engine::Engine(const core::MediaConfig& media, const core::TurnConfig& turn,
               core::ControlLoop& loop)
    : config_(media), turn_(turn), loop_(loop) {
    static std::once_flag once;
    std::call_once(once, [] { gst_init(nullptr, nullptr); });
    if (config_.srtp == "off") return;
    // One certificate for the process (RFC 5763 §5 allows reusing it across calls): making one
    // per call would cost a key generation on the control thread at every INVITE.
    auto identity = make_dtls_identity();
    if (!identity) {
        spdlog::error("media: no DTLS certificate, DTLS-SRTP offers will be refused: {}",
                      identity.error().message);
        return;
    }
    spdlog::info("media: DTLS certificate fingerprint {}", identity->fingerprint);
    dtls_identity_ = std::make_shared<const DtlsIdentity>(std::move(*identity));
}

core::Result<std::unique_ptr<CallMedia>> Engine::create_call(const std::string& session_id,
                                                             const std::string& address,
                                                             CallEvents events) {
    std::string bind = address;
    if (bind.empty()) bind = config_.address.empty() ? "127.0.0.1" : config_.address;
    auto audio = bind_rtp_pair(bind, config_.rtp_port_min, config_.rtp_port_max);
    if (!audio) return audio.error();
    auto video = bind_rtp_pair(bind, config_.rtp_port_min, config_.rtp_port_max);
    if (!video) return video.error();
    auto content = bind_rtp_pair(bind, config_.rtp_port_min, config_.rtp_port_max);
    if (!content) return content.error();
    // Drawn per call even when it ends up clear: the SDP answer needs them before media exists.
    auto keys = sip::generate_srtp_keys();
    if (!keys) return keys.error();
    auto call = std::make_unique<CallMedia>(CallMedia::Key{}, session_id, config_, loop_,
                                            std::move(events), bind, std::move(audio.value()),
                                            std::move(video.value()), std::move(content.value()));
    call->ports_.srtp_keys = std::move(*keys);
    call->set_dtls_identity(dtls_identity_);
    return call;
}

core::Status Engine::allocate_relays(CallMedia& call, bool with_content,
                                     std::function<void(core::Status)> done) {
    return call.use_relays(turn_, with_content, kTurnTimeoutMs, std::move(done));
}

}  // namespace media
