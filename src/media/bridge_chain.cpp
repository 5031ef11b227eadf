// Bridge-mode element descriptions: the SIP side of a call joined to a meeting page. The two
// halves meet the page's WebRTC link (media::MeetingBridge) through inter* channels, so the
// call's pipeline and the link's pipeline keep their own clocks and state changes.
#include "media/bridge_channels.hpp"
#include "media/codec_chain.hpp"
#include "media/encoded_channel.hpp"

#include <fmt/format.h>

namespace media {

std::optional<std::string> bridge_receive_description(const sip::NegotiatedStream& stream,
                                                      const std::string& to_page) {
    const auto& c = stream.codec;
    // The channels' sinks never preroll (async=false): in the call's pipeline, a sink still
    // waiting for its first buffer (a room that sends no audio, a content line before the room
    // presents) would, once another sink prerolls, hold the whole pipeline in PAUSED: every
    // stream stops after its first frames (the content line's picture was black in the meeting).
    // The caller's audio goes to the link's Opus encoder as it arrives (EncodedChannel, audio):
    // the channel's other end is not clocked, so no queue builds up between the two (an
    // interaudiosrc's did, up to its bound: bridge_channels.hpp). At the codec's own rate (8 or
    // 16 kHz; Opus takes both): a resampler holds back a few ms of each packet, so every 20 ms
    // Opus frame would wait for the caller's next packet.
    const std::string audio_tail =
        " ! audioconvert ! audio/x-raw,channels=1 ! " + EncodedChannel::sink_description("out");
    if (c.name == "opus") return "rtpopusdepay name=depay ! opusdec name=dec plc=true" + audio_tail;
    if (c.name == "G722") return "rtpg722depay name=depay ! avdec_g722 name=dec" + audio_tail;
    if (c.name == "PCMU") return "rtppcmudepay name=depay ! mulawdec name=dec" + audio_tail;
    if (c.name == "PCMA") return "rtppcmadepay name=depay ! alawdec name=dec" + audio_tail;
    // intervideosrc paces itself by the frame rate in the caps and fails on some caps changes
    // mid-stream (variable rate 0/1, a new size): the channel always carries one fixed format.
    const std::string video_tail =
        " ! videoconvert ! videoscale add-borders=true ! videorate ! "
        "video/x-raw,format=I420,width=1280,height=720,framerate=30/1,pixel-aspect-ratio=1/1 ! "
        "intervideosink sync=false async=false channel=" +
        to_page;
    if (c.name == "H264") {
        return "rtph264depay name=depay request-keyframe=true wait-for-keyframe=true ! "
               "avdec_h264 name=dec max-threads=1 automatic-request-sync-points=true" +
               video_tail;
    }
    if (c.name == "VP8") {
        return "rtpvp8depay name=depay request-keyframe=true wait-for-keyframe=true ! "
               "vp8dec name=dec threads=1 automatic-request-sync-points=true" +
               video_tail;
    }
    return std::nullopt;
}

std::optional<std::string> bridge_send_description(const sip::NegotiatedStream& stream,
                                                   const VideoFormat& v,
                                                   const std::string& from_page) {
    const auto& c = stream.codec;
    const unsigned pt = c.payload_type;
    const std::string tail = " ! valve name=valve drop=false";
    // interaudiosrc plays silence until the page's mix arrives, so the caller hears no gap.
    const std::string audio_head =
        bridge_audio_source(from_page) + " ! audioconvert ! audioresample";
    if (c.name == "opus") {
        return fmt::format(
            "{} ! opusenc name=enc bitrate=32000 frame-size=20 ! rtpopuspay name=pay pt={}{}",
            audio_head, pt, tail);
    }
    if (c.name == "G722") {
        return fmt::format("{} ! avenc_g722 name=enc ! rtpg722pay name=pay pt={}{}", audio_head, pt,
                           tail);
    }
    if (c.name == "PCMU" || c.name == "PCMA") {
        const char* low = c.name == "PCMU" ? "mulaw" : "alaw";
        const char* pay = c.name == "PCMU" ? "pcmu" : "pcma";
        return fmt::format("{} ! {}enc name=enc ! rtp{}pay name=pay pt={}{}", audio_head, low, pay,
                           pt, tail);
    }
    // The endpoint's limits (size, rate, bitrate from its SDP) decide the format we send.
    const std::string head = fmt::format(
        "intervideosrc channel={} ! videoconvert ! videoscale add-borders=true ! videorate ! "
        "video/x-raw,format=I420,width={},height={},framerate={}/1,pixel-aspect-ratio=1/1",
        from_page, v.width, v.height, v.fps);
    const unsigned gop = v.fps * 5;
    if (c.name == "H264") {
        const bool single = h264_single_nal_mode(c);
        return fmt::format(
            "{} ! x264enc name=enc tune=zerolatency speed-preset=ultrafast threads=1 bitrate={} "
            "vbv-buf-capacity=500 key-int-max={} {} ! "
            "video/x-h264,profile=constrained-baseline,stream-format=byte-stream ! "
            "rtph264pay name=pay pt={} config-interval=-1 aggregate-mode=none mtu=1200{}",
            head, v.bitrate_kbps, gop, single ? "option-string=\"slice-max-size=1100\"" : "", pt,
            tail);
    }
    if (c.name == "VP8") {
        return fmt::format(
            "{} ! vp8enc name=enc deadline=1 threads=1 cpu-used=8 end-usage=cbr lag-in-frames=0 "
            "target-bitrate={} keyframe-max-dist={} error-resilient=default ! "
            "rtpvp8pay name=pay pt={} picture-id-mode=15-bit mtu=1200{}",
            head, v.bitrate_kbps * 1000, gop, pt, tail);
    }
    return std::nullopt;
}

}  // namespace media
