#include "media/passthrough.hpp"

#include "media/codec_chain.hpp"
#include "media/encoded_channel.hpp"

#include <fmt/format.h>

namespace media {

namespace {

// RFC 6184 profile-level-id: profile_idc, profile-iop (constraint flags), level_idc. The
// profiles Chromium's H.264 encoder (OpenH264) and decoder (FFmpeg) both do: Constrained
// Baseline and Baseline (profile_idc 0x42) and Main (0x4d) without the High-only flags.
bool chromium_profile(const std::string& plid) {
    if (plid.size() != 6) return false;
    const unsigned long v = std::stoul(plid, nullptr, 16);
    const unsigned profile = (v >> 16) & 0xff;
    const unsigned iop = (v >> 8) & 0xff;
    if ((iop & 0x0f) != 0) return false;  // reserved bits: not a profile anyone sends
    return profile == 0x42 || profile == 0x4d;
}

bool hex6(const std::string& s) {
    return s.size() == 6 && s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

}  // namespace

std::optional<PassthroughVideo> choose_passthrough(const core::MediaConfig& config,
                                                   const sip::NegotiatedStream& video,
                                                   const VideoFormat& limits) {
    if (!config.video_passthrough) return std::nullopt;
    PassthroughVideo p;
    p.codec = video.codec.name;
    p.limits = limits;
    if (p.codec == "VP8") return p;
    if (p.codec != "H264") return std::nullopt;
    auto it = video.codec.remote_params.find("profile-level-id");
    // RFC 6184 §8.1: absent means 420010 (Baseline, level 1.0); real peers mean 3.1 (see
    // video_format.cpp), and the level only sizes buffers on the page's side.
    p.profile_level_id = it != video.codec.remote_params.end() ? it->second : "42001f";
    if (!hex6(p.profile_level_id) || !chromium_profile(p.profile_level_id)) return std::nullopt;
    p.single_nal = h264_single_nal_mode(video.codec);
    return p;
}

std::string passthrough_channel(const std::string& session_id, bool to_page) {
    return "smgw." + session_id + ".video-encoded." + (to_page ? "to-page" : "from-page");
}

std::string passthrough_receive_description(const PassthroughVideo& v) {
    const std::string sink = EncodedChannel::sink_description("out");
    if (v.codec == "H264") {
        // Access units, byte-stream: the link's payloader starts from whole frames, and a
        // keyframe is one buffer without the delta flag (counted by the channel).
        // config-interval=-1: SPS/PPS seen earlier go with every IDR, for a link that starts
        // later than the caller's stream.
        return "rtph264depay name=depay request-keyframe=true wait-for-keyframe=true ! "
               "h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au "
               "! " +
               sink;
    }
    return "rtpvp8depay name=depay request-keyframe=true wait-for-keyframe=true ! " + sink;
}

std::string passthrough_send_description(const PassthroughVideo& v, unsigned pt) {
    const std::string src = EncodedChannel::src_description("in");
    if (v.codec == "H264") {
        // Mode 0: one NAL unit per packet. Chromium already cuts its slices to fit (libwebrtc
        // uses size-limited slices for packetization-mode=0), so no FU-A is needed.
        return fmt::format(
            "{} ! h264parse config-interval=-1 ! "
            "video/x-h264,stream-format=byte-stream,alignment=au ! "
            "rtph264pay name=pay pt={} config-interval=-1 aggregate-mode=none mtu={} ! "
            "valve name=valve drop=false",
            src, pt, v.single_nal ? 1400 : 1200);
    }
    return fmt::format(
        "{} ! rtpvp8pay name=pay pt={} picture-id-mode=15-bit mtu=1200 ! valve name=valve "
        "drop=false",
        src, pt);
}

std::string passthrough_link_send_description(const PassthroughVideo& v, unsigned pt) {
    const std::string src = EncodedChannel::src_description("pt_in");
    if (v.codec == "H264") {
        return fmt::format(
            "{} ! h264parse config-interval=-1 ! "
            "video/x-h264,stream-format=byte-stream,alignment=au ! "
            "rtph264pay pt={} config-interval=-1 aggregate-mode=none mtu={}",
            src, pt, v.single_nal ? 1400 : 1200);
    }
    return fmt::format("{} ! rtpvp8pay pt={} picture-id-mode=15-bit", src, pt);
}

std::string passthrough_link_caps(const PassthroughVideo& v, unsigned pt) {
    // No profile-level-id or packetization-mode here: rtph264pay derives its own from the
    // caller's SPS (and always says mode 1), and any other value in these caps fails
    // negotiation. What the page is offered is set on the SDP instead (passthrough_link_fmtp).
    return fmt::format("application/x-rtp,media=video,encoding-name={},payload={},clock-rate=90000",
                       v.codec == "H264" ? "H264" : "VP8", pt);
}

std::map<std::string, std::string> passthrough_link_fmtp(const PassthroughVideo& v) {
    if (v.codec != "H264") return {};
    return {{"profile-level-id", v.profile_level_id},
            {"packetization-mode", v.single_nal ? "0" : "1"},
            {"level-asymmetry-allowed", "1"}};
}

std::string passthrough_link_receive_description(const PassthroughVideo& v) {
    const std::string sink = EncodedChannel::sink_description("out");
    if (v.codec == "H264") {
        return "queue ! rtph264depay request-keyframe=true wait-for-keyframe=true ! h264parse ! "
               "video/x-h264,stream-format=byte-stream,alignment=au ! " +
               sink;
    }
    return "queue ! rtpvp8depay request-keyframe=true wait-for-keyframe=true ! " + sink;
}

bool choose_audio_passthrough(const core::MediaConfig& config, const sip::NegotiatedStream& audio) {
    return config.audio_passthrough && audio.codec.name == "opus";
}

std::string audio_passthrough_channel(const std::string& session_id, bool to_page) {
    return "smgw." + session_id + ".audio-encoded." + (to_page ? "to-page" : "from-page");
}

std::string audio_passthrough_receive_description() {
    return "rtpopusdepay name=depay ! " + EncodedChannel::sink_description("out");
}

std::string audio_passthrough_send_description(unsigned pt) {
    return fmt::format("{} ! rtpopuspay name=pay pt={} ! valve name=valve drop=false",
                       EncodedChannel::src_description("in", EncodedChannel::Media::Audio), pt);
}

std::string audio_passthrough_link_send_description(unsigned pt) {
    return fmt::format("{} ! rtpopuspay pt={}",
                       EncodedChannel::src_description("pt_audio_in", EncodedChannel::Media::Audio),
                       pt);
}

std::string audio_passthrough_link_receive_description() {
    return "queue ! rtpopusdepay ! " + EncodedChannel::sink_description("out");
}

}  // namespace media
