#include "media/codec_chain.hpp"

#include <fmt/format.h>

namespace media {

std::optional<std::string> rtp_encoding_name(const std::string& sdp_name) {
    if (sdp_name == "opus") return "OPUS";
    if (sdp_name == "G722") return "G722";
    if (sdp_name == "PCMU") return "PCMU";
    if (sdp_name == "PCMA") return "PCMA";
    if (sdp_name == "H264") return "H264";
    if (sdp_name == "VP8") return "VP8";
    return std::nullopt;
}

bool h264_single_nal_mode(const sip::Codec& codec) {
    auto it = codec.remote_params.find("packetization-mode");
    return it == codec.remote_params.end() || it->second == "0";
}

std::string rtp_caps(const sip::NegotiatedStream& stream) {
    const auto& c = stream.codec;
    const bool video = stream.kind == sip::MediaKind::Video;
    std::string caps = fmt::format(
        "application/x-rtp, media=(string){}, clock-rate=(int){}, encoding-name=(string){}, "
        "payload=(int){}",
        video ? "video" : "audio", c.clock_rate, rtp_encoding_name(c.name).value_or(c.name),
        c.payload_type);
    if (c.name == "opus") caps += ", encoding-params=(string)2";
    if (video) {
        // rtpsession sends PLI when the caps carry rtcp-fb-nack-pli, FIR when they carry
        // rtcp-fb-ccm-fir and the request asks for all headers. Name only the one we want.
        if (stream.feedback.pli) {
            caps += ", rtcp-fb-nack-pli=(boolean)true";
        } else if (stream.feedback.fir) {
            caps += ", rtcp-fb-ccm-fir=(boolean)true";
        }
    }
    return caps;
}

std::optional<std::string> echo_chain_description(const sip::NegotiatedStream& stream,
                                                  const VideoFormat& v) {
    const auto& c = stream.codec;
    const unsigned pt = c.payload_type;
    // The valve at the end drops media while we must not send (hold, recvonly, inactive).
    const std::string tail = " ! valve name=valve drop=false";
    if (c.name == "opus") {
        return fmt::format(
            "rtpopusdepay name=depay ! opusdec name=dec plc=true ! audioconvert ! audioresample "
            "! opusenc name=enc bitrate=32000 frame-size=20 ! rtpopuspay name=pay pt={}{}",
            pt, tail);
    }
    if (c.name == "G722") {
        return fmt::format(
            "rtpg722depay name=depay ! avdec_g722 name=dec ! audioconvert ! audioresample ! "
            "avenc_g722 name=enc ! rtpg722pay name=pay pt={}{}",
            pt, tail);
    }
    if (c.name == "PCMU" || c.name == "PCMA") {
        const char* low = c.name == "PCMU" ? "mulaw" : "alaw";
        const char* pay = c.name == "PCMU" ? "pcmu" : "pcma";
        return fmt::format(
            "rtp{}depay name=depay ! {}dec name=dec ! audioconvert ! audioresample ! "
            "{}enc name=enc ! rtp{}pay name=pay pt={}{}",
            pay, low, low, pay, pt, tail);
    }
    // Video: decode whatever the peer sends, then encode at the size and rate we chose for it.
    const std::string scale = fmt::format(
        "videoconvert ! videoscale ! videorate ! "
        "video/x-raw,format=I420,width={},height={},framerate={}/1,pixel-aspect-ratio=1/1 ! "
        "textoverlay name=overlay text=\"sipmediagw echo test\" valignment=top halignment=left "
        "font-desc=\"Sans 14\" shaded-background=true",
        v.width, v.height, v.fps);
    const unsigned gop = v.fps * 5;  // periodic keyframes for peers that never ask
    if (c.name == "H264") {
        // Mode 0 forbids FU-A and STAP-A: cap each slice so that one NAL fits one packet.
        const bool single = h264_single_nal_mode(c);
        return fmt::format(
            "rtph264depay name=depay request-keyframe=true wait-for-keyframe=true ! "
            "avdec_h264 name=dec max-threads=1 automatic-request-sync-points=true ! {} ! "
            "x264enc name=enc tune=zerolatency speed-preset=ultrafast threads=1 bitrate={} "
            "vbv-buf-capacity=500 key-int-max={} {} ! "
            "video/x-h264,profile=constrained-baseline,stream-format=byte-stream ! "
            "rtph264pay name=pay pt={} config-interval=-1 aggregate-mode=none mtu=1200{}",
            scale, v.bitrate_kbps, gop, single ? "option-string=\"slice-max-size=1100\"" : "", pt,
            tail);
    }
    if (c.name == "VP8") {
        return fmt::format(
            "rtpvp8depay name=depay request-keyframe=true wait-for-keyframe=true ! "
            "vp8dec name=dec threads=1 automatic-request-sync-points=true ! {} ! "
            "vp8enc name=enc deadline=1 threads=1 cpu-used=8 end-usage=cbr lag-in-frames=0 "
            "target-bitrate={} keyframe-max-dist={} error-resilient=default ! "
            "rtpvp8pay name=pay pt={} picture-id-mode=15-bit mtu=1200{}",
            scale, v.bitrate_kbps * 1000, gop, pt, tail);
    }
    return std::nullopt;
}

}  // namespace media
