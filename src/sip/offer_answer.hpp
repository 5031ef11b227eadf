// SDP offer/answer (RFC 3264) for one call, fmtp-aware: a pure function of SDP text, our codec
// preferences and our RTP ports, so every rule is unit-tested without a network.
//
// Why our own parser instead of libre's sdp module: libre's session object holds sockets-free
// but stateful local/remote format lists and decides H.264 format equality through callbacks;
// the rules we need (mode 0 and 1 as different formats, answering the offered profile with a
// capped level, telephone-event matched to the chosen clock, rtcp-fb filtering, hold by
// 0.0.0.0) read more plainly as one function from text to NegotiatedMedia.
#pragma once

#include "core/config.hpp"
#include "sip/negotiated_media.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sip {

// [media] srtp: which offers we take and what we offer (docs/sip.md, "SRTP").
enum class SrtpPolicy { Optional, Mandatory, Off };
// [media] srtp_offer: the key exchange of our own offers (docs/sip.md, "DTLS-SRTP offers").
enum class SrtpOffer { Sdes, Dtls };

struct CodecPreferences {
    std::vector<std::string> audio{"opus", "G722", "PCMU", "PCMA"};  // most wanted first
    std::vector<std::string> video{"H264", "VP8"};
    uint32_t video_width = 1280;
    uint32_t video_height = 720;
    uint32_t video_fps = 30;
    uint32_t video_bitrate_kbps = 2000;
    SrtpPolicy srtp = SrtpPolicy::Optional;
    SrtpOffer srtp_offer = SrtpOffer::Sdes;

    static CodecPreferences from_config(const core::MediaConfig& media);
    // The highest H.264 level_idc our configured resolution and frame rate need (e.g. 31).
    [[nodiscard]] uint8_t h264_max_level() const;
};

// o= line identity: the id stays for the call, the version grows with every changed SDP.
struct SdpOrigin {
    uint64_t session_id = 0;
    uint64_t version = 0;
};

// What to answer the peer when its SDP cannot be accepted.
struct SdpFailure {
    // 400 (malformed) or 488 (nothing acceptable, past SdpLimits, or a host name in c=)
    uint16_t status = 488;
    std::string reason;  // SIP reason phrase
    std::string detail;  // for the log
};

struct Negotiation {
    std::optional<SdpFailure> failure;
    std::string sdp;  // our answer (answer_offer) or empty (apply_answer)
    NegotiatedMedia media;
    // Attribute and format lines visited while collecting formats: tests bound it by the size
    // of the offer (linear work) instead of timing the negotiation.
    size_t work = 0;
    // Why the offered BFCP line got port 0 (the call goes on without floor control).
    std::string bfcp_refused;
    [[nodiscard]] bool ok() const { return !failure.has_value(); }
};

// The peer offered; we answer.
Negotiation answer_offer(std::string_view offer, const CodecPreferences& prefs,
                         const LocalMediaPorts& ports, const SdpOrigin& origin);

// We offer (outbound calls, or an INVITE without SDP). `current` is what the dialog runs now
// (offerless re-INVITEs): a DTLS-SRTP stream is offered again with the role it has, so that
// the answer keeps its DTLS association, whatever [media] srtp_offer says.
std::string build_offer(const CodecPreferences& prefs, const LocalMediaPorts& ports,
                        const SdpOrigin& origin, const NegotiatedMedia* current = nullptr);

// The peer answered our build_offer().
Negotiation apply_answer(std::string_view answer, const CodecPreferences& prefs,
                         const LocalMediaPorts& ports);

}  // namespace sip
