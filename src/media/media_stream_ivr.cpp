// MediaStream's IVR mode: a generated source (ivr_chain.hpp) instead of the echo chain. What
// the peer sends is still received (DTMF, RTCP, media timeout) and then dropped.
#include "media/ivr_chain.hpp"
#include "media/media_stream.hpp"

#include <gst/video/video.h>
#include <spdlog/spdlog.h>

#include <fmt/format.h>

namespace media {

core::Status MediaStream::build_ivr_chain(GstBin* pipeline, GstElement* rtpbin,
                                          const core::MediaConfig& config) {
    const unsigned sid = session_id();
    const bool video = kind_ == sip::MediaKind::Video;
    if (video)
        video_format_ = choose_video_format(config, negotiated_.codec, negotiated_.bandwidth_kbps);
    auto desc = ivr_chain_description(negotiated_, video_format_);
    if (!desc) return core::fail("media: no IVR chain for " + negotiated_.codec.name);
    GError* err = nullptr;
    GstElement* bin = gst_parse_bin_from_description(desc->c_str(), FALSE, &err);
    if (bin == nullptr) {
        std::string msg = err ? err->message : "unknown";
        g_clear_error(&err);
        return core::fail("media: cannot build the IVR chain: " + msg);
    }
    g_clear_error(&err);
    gst_object_set_name(GST_OBJECT(bin), video ? "video_ivr" : "audio_ivr");
    adopt(pipeline, bin);
    echo_bin_ = bin;
    GstPtr<GstElement> src(gst_bin_get_by_name(GST_BIN(bin), "src"));
    GstPtr<GstElement> enc(gst_bin_get_by_name(GST_BIN(bin), "enc"));
    GstPtr<GstElement> valve(gst_bin_get_by_name(GST_BIN(bin), "valve"));
    GstPtr<GstElement> overlay(gst_bin_get_by_name(GST_BIN(bin), "overlay"));
    if (!src || !enc || !valve) return core::fail("media: IVR chain incomplete");
    encoder_ = enc.get();
    valve_ = valve.get();
    overlay_ = overlay.get();
    if (overlay_ != nullptr) g_object_set(overlay_, "text", ivr_text_.c_str(), nullptr);

    GstPtr<GstPad> src_pad(gst_element_get_static_pad(src.get(), "src"));
    if (!video) {
        // The probe holds a plain pointer: the player lives as long as this stream, which
        // outlives the pipeline.
        gst_pad_add_probe(src_pad.get(), GST_PAD_PROBE_TYPE_BUFFER, &PromptPlayer::on_buffer,
                          prompts_.get(), nullptr);
    }
    GstPtr<GstPad> enc_src(gst_element_get_static_pad(enc.get(), "src"));
    gst_pad_add_probe(enc_src.get(), GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_encoded, this,
                      nullptr);
    GstPtr<GstPad> valve_src(gst_element_get_static_pad(valve.get(), "src"));
    GstPad* ghost_src = gst_ghost_pad_new("src", valve_src.get());
    gst_pad_set_active(ghost_src, TRUE);
    gst_element_add_pad(bin, ghost_src);
    // The peer's PLI/FIR reach the encoder as an upstream event; count them on the way.
    gst_pad_add_probe(ghost_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
                      &MediaStream::on_peer_keyframe_request, this, nullptr);
    if (!gst_element_link_pads(bin, "src", rtpbin, fmt::format("send_rtp_sink_{}", sid).c_str()) ||
        !link_rtp_sender(rtpbin)) {
        return core::fail("media: cannot link the IVR chain to rtpbin");
    }
    GstPtr<GstPad> out(gst_element_get_static_pad(rtp_sink_, "sink"));
    gst_pad_add_probe(out.get(), GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_rtp_out, this,
                      nullptr);
    if (video) {
        spdlog::info("{} video ivr {} {}x{}", log_prefix_, negotiated_.codec.name,
                     video_format_.width, video_format_.height);
    }
    return core::Ok{};
}

void MediaStream::set_text(const std::string& text) {
    ivr_text_ = text;
    if (mode_ == Mode::Ivr && overlay_ != nullptr)
        g_object_set(overlay_, "text", text.c_str(), nullptr);
}

void MediaStream::play_prompts(const std::vector<std::string>& wav_files) {
    if (kind_ == sip::MediaKind::Audio) prompts_->play(wav_files, kPromptRate);
}

}  // namespace media
