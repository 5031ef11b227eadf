#include "media/ivr_chain.hpp"

#include "media/codec_chain.hpp"

#include <fmt/format.h>

namespace media {

std::optional<std::string> ivr_chain_description(const sip::NegotiatedStream& stream,
                                                 const VideoFormat& v) {
    const auto& c = stream.codec;
    const unsigned pt = c.payload_type;
    const std::string tail = " ! valve name=valve drop=false";
    if (stream.kind == sip::MediaKind::Audio) {
        // 20 ms buffers of silence, paced by the pipeline clock; PromptPlayer overwrites them.
        const std::string src = fmt::format(
            "audiotestsrc name=src is-live=true wave=silence samplesperbuffer={} ! "
            "audio/x-raw,format=S16LE,rate={},channels=1,layout=interleaved ! audioconvert ! "
            "audioresample",
            kPromptRate / 50, kPromptRate);
        if (c.name == "opus")
            return fmt::format(
                "{} ! opusenc name=enc bitrate=32000 frame-size=20 ! rtpopuspay name=pay pt={}{}",
                src, pt, tail);
        if (c.name == "G722")
            return fmt::format("{} ! avenc_g722 name=enc ! rtpg722pay name=pay pt={}{}", src, pt,
                               tail);
        if (c.name == "PCMU")
            return fmt::format("{} ! mulawenc name=enc ! rtppcmupay name=pay pt={}{}", src, pt,
                               tail);
        if (c.name == "PCMA")
            return fmt::format("{} ! alawenc name=enc ! rtppcmapay name=pay pt={}{}", src, pt,
                               tail);
        return std::nullopt;
    }
    // A few frames per second are enough for text; keyframes every 2 s so a late decoder starts.
    const unsigned fps = v.fps < 5 ? v.fps : 5;
    const unsigned gop = fps * 2;
    const std::string src = fmt::format(
        "videotestsrc name=src is-live=true pattern=solid-color foreground-color=0xff1d3557 ! "
        "video/x-raw,format=I420,width={},height={},framerate={}/1,pixel-aspect-ratio=1/1 ! "
        "textoverlay name=overlay text=\"\" valignment=center halignment=center "
        "line-alignment=center font-desc=\"Sans {}\" shaded-background=false",
        v.width, v.height, fps, v.height / 24 > 8 ? v.height / 24 : 8);
    if (c.name == "H264") {
        const bool single = h264_single_nal_mode(c);
        return fmt::format(
            "{} ! x264enc name=enc tune=zerolatency speed-preset=ultrafast threads=1 bitrate={} "
            "key-int-max={} {} ! "
            "video/x-h264,profile=constrained-baseline,stream-format=byte-stream ! "
            "rtph264pay name=pay pt={} config-interval=-1 aggregate-mode=none mtu=1200{}",
            src, v.bitrate_kbps / 4 + 64, gop,
            single ? "option-string=\"slice-max-size=1100\"" : "", pt, tail);
    }
    if (c.name == "VP8") {
        return fmt::format(
            "{} ! vp8enc name=enc deadline=1 threads=1 cpu-used=8 end-usage=cbr lag-in-frames=0 "
            "target-bitrate={} keyframe-max-dist={} error-resilient=default ! "
            "rtpvp8pay name=pay pt={} picture-id-mode=15-bit mtu=1200{}",
            src, (v.bitrate_kbps / 4 + 64) * 1000, gop, pt, tail);
    }
    return std::nullopt;
}

}  // namespace media
