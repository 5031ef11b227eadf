#include "media/passthrough.hpp"

#include "media/codec_chain.hpp"
#include "media/encoded_channel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

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
            "rtph264pay name=pt_pay pt={} config-interval=-1 aggregate-mode=none mtu={}",
            src, pt, v.single_nal ? 1400 : 1200);
    }
    return fmt::format("{} ! rtpvp8pay name=pt_pay pt={} picture-id-mode=15-bit", src, pt);
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

namespace {

std::string lower(std::string s) {
    std::ranges::transform(s, s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// One fmtp parameter's value ("" when absent), lower case.
std::string fmtp_param(const std::string& fmtp, const std::string& key) {
    size_t start = 0;
    while (start <= fmtp.size()) {
        size_t end = fmtp.find(';', start);
        if (end == std::string::npos) end = fmtp.size();
        std::string item = fmtp.substr(start, end - start);
        item.erase(0, item.find_first_not_of(' '));
        const auto eq = item.find('=');
        if (eq != std::string::npos && lower(item.substr(0, eq)) == key)
            return lower(item.substr(eq + 1));
        start = end + 1;
    }
    return "";
}

}  // namespace

std::vector<NativeVideoFormat> parse_native_video_formats(const nlohmann::json& formats) {
    std::vector<NativeVideoFormat> out;
    if (!formats.is_array()) return out;
    for (const auto& f : formats) {
        if (out.size() >= 64) break;
        if (!f.is_object()) continue;
        const auto pt = f.find("payloadType");
        const auto codec = f.find("codec");
        const auto fmtp = f.find("fmtp");
        if (pt == f.end() || !pt->is_number_integer() || pt->get<int64_t>() < 0 ||
            pt->get<int64_t>() > 127)
            continue;
        if (codec == f.end() || !codec->is_string() ||
            codec->get_ref<const std::string&>().size() > 32)
            continue;
        NativeVideoFormat n;
        n.payload_type = static_cast<unsigned>(pt->get<int64_t>());
        n.codec = codec->get<std::string>();
        if (fmtp != f.end() && fmtp->is_string() &&
            fmtp->get_ref<const std::string&>().size() <= 512)
            n.fmtp = fmtp->get<std::string>();
        out.push_back(std::move(n));
    }
    return out;
}

std::optional<unsigned> link_payload_type(const PassthroughVideo& video,
                                          const std::vector<NativeVideoFormat>& native) {
    // Dynamic numbers: 96-127, and 35-63 that Chromium takes once those run out.
    const auto usable = [](const NativeVideoFormat& n) {
        const unsigned pt = n.payload_type;
        return ((pt >= 35 && pt <= 63) || (pt >= 96 && pt <= 127)) && pt != kLinkAudioPayloadType &&
               pt != kLinkContentPayloadType;
    };
    const auto pick = [&](const auto& wanted) -> std::optional<unsigned> {
        for (const auto& n : native)
            if (lower(n.codec) == lower(video.codec) && wanted(n))
                return usable(n) ? std::optional<unsigned>(n.payload_type) : std::nullopt;
        return std::nullopt;
    };
    if (video.codec != "H264") return pick([](const NativeVideoFormat&) { return true; });
    const std::string caller = lower(video.profile_level_id);
    // Profile and constraint flags; the level only sizes buffers.
    const auto profile = [&](const std::string& prefix) {
        return [prefix](const NativeVideoFormat& n) {
            return fmtp_param(n.fmtp, "packetization-mode") == "1" &&
                   fmtp_param(n.fmtp, "profile-level-id").starts_with(prefix);
        };
    };
    if (caller.size() != 6) return std::nullopt;
    if (auto pt = pick(profile(caller.substr(0, 4)))) return pt;
    if (caller.starts_with("42"))
        if (auto pt = pick(profile("42e0"))) return pt;
    return pick(profile(caller.substr(0, 2)));
}

std::optional<std::map<std::string, std::string>> meeting_payload_type_fmtp(
    const PassthroughVideo& video, unsigned pt, const std::string& codec, const std::string& fmtp,
    unsigned video_pt, unsigned content_pt) {
    const bool dynamic = (pt >= 35 && pt <= 63) || (pt >= 96 && pt <= 127);
    if (!dynamic || pt == video_pt || pt == content_pt || pt == kLinkAudioPayloadType)
        return std::nullopt;
    std::string name = lower(codec);
    if (name.starts_with("video/")) name = name.substr(6);
    if (name != lower(video.codec)) return std::nullopt;
    if (video.codec != "H264") return std::map<std::string, std::string>{};
    if (video.single_nal || fmtp_param(fmtp, "packetization-mode") != "1") return std::nullopt;
    std::string meeting = fmtp_param(fmtp, "profile-level-id");
    if (meeting.empty()) meeting = "42001f";  // RFC 6184 default profile (the level aside)
    const std::string caller = lower(video.profile_level_id);
    if (!hex6(meeting) || caller.size() != 6) return std::nullopt;
    // constraint_set1 (0x40 in profile-iop) on Baseline: Constrained Baseline, which every
    // profile's decoder takes.
    const bool constrained_baseline =
        meeting.starts_with("42") && (std::stoul(meeting.substr(2, 2), nullptr, 16) & 0x40) != 0;
    if (meeting.substr(0, 2) != caller.substr(0, 2) && !constrained_baseline) return std::nullopt;
    return std::map<std::string, std::string>{{"profile-level-id", meeting},
                                              {"packetization-mode", "1"},
                                              {"level-asymmetry-allowed", "1"}};
}

std::optional<unsigned> content_link_payload_type(const std::vector<NativeVideoFormat>& native,
                                                  unsigned video_pt) {
    for (const auto& n : native) {
        if (lower(n.codec) != "vp8") continue;
        const unsigned pt = n.payload_type;
        const bool dynamic = (pt >= 35 && pt <= 63) || (pt >= 96 && pt <= 127);
        if (!dynamic || pt == video_pt || pt == kLinkAudioPayloadType) return std::nullopt;
        return pt;
    }
    return std::nullopt;
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
