// MediaStream in bridge mode: what the SIP peer sends is decoded into the channel toward the
// meeting page; what the page sends comes from the other channel, encoded for the SIP peer with
// the endpoint's limits. Same probes as the echo chain, so stats, keyframe requests (PLI/FIR/
// SIP INFO) and the peer's keyframe requests behave the same.
#include "media/bridge_channels.hpp"
#include "media/codec_chain.hpp"
#include "media/media_stream.hpp"

#include <gst/video/video.h>
#include <spdlog/spdlog.h>

#include <fmt/format.h>

namespace media {

namespace {

GstElement* parse_bin(const std::string& description, std::string& error) {
    GError* err = nullptr;
    GstElement* bin = gst_parse_bin_from_description(description.c_str(), FALSE, &err);
    if (bin == nullptr) error = err ? err->message : "unknown";
    g_clear_error(&err);  // a non-fatal warning may be set with a bin
    return bin;
}

}  // namespace

void MediaStream::watch_chain(GstElement* bin) {
    auto add = [bin](const char* name, const char* pad, GstPadProbeType type,
                     GstPadProbeCallback cb, gpointer self) {
        GstPtr<GstElement> e(gst_bin_get_by_name(GST_BIN(bin), name));
        if (!e) return;
        GstPtr<GstPad> p(gst_element_get_static_pad(e.get(), pad));
        gst_pad_add_probe(p.get(), type, cb, self, nullptr);
    };
    add("depay", "sink", GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, &MediaStream::on_decoder_event, this);
    add("depay", "src", GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_depayloaded, this);
    add("dec", "src", GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_decoded, this);
    add("enc", "src", GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_encoded, this);
}

core::Status MediaStream::build_bridge_chain(GstBin* pipeline, GstElement* rtpbin,
                                             const core::MediaConfig& config) {
    const bool video = kind_ == sip::MediaKind::Video;
    const std::string k = name();
    const unsigned sid = session_id();
    if (video) {
        video_format_ = choose_video_format(config, negotiated_.codec, negotiated_.bandwidth_kbps);
        passthrough_ = choose_passthrough(config, negotiated_, video_format_);
    } else {
        audio_passthrough_ = choose_audio_passthrough(config, negotiated_);
    }
    const bool forwarding = passthrough_ || audio_passthrough_;
    // The content line forwards toward the page only: the meeting's share reaches the room
    // decoded by the link and encoded here at the content line's codec and size, as before.
    const bool forwarding_back = forwarding && !content_;
    std::optional<std::string> recv_desc;
    std::optional<std::string> send_desc;
    if (passthrough_) {
        recv_desc = passthrough_receive_description(*passthrough_);
        send_desc =
            content_ ? bridge_send_description(
                           negotiated_, video_format_,
                           bridge_channel(bridge_session_, true, BridgeDirection::FromPage))
                     : passthrough_send_description(*passthrough_, negotiated_.codec.payload_type);
    } else if (audio_passthrough_) {
        recv_desc = audio_passthrough_receive_description();
        send_desc = audio_passthrough_send_description(negotiated_.codec.payload_type);
    } else {
        recv_desc = bridge_receive_description(
            negotiated_, bridge_channel(bridge_session_, video, BridgeDirection::ToPage));
        send_desc = bridge_send_description(
            negotiated_, video_format_,
            bridge_channel(bridge_session_, video, BridgeDirection::FromPage));
    }
    if (!recv_desc || !send_desc)
        return core::fail("media: no bridge chain for " + negotiated_.codec.name);

    std::string error;
    GstElement* recv_bin = parse_bin(*recv_desc, error);
    if (recv_bin == nullptr)
        return core::fail("media: cannot build the bridge receive chain: " + error);
    gst_object_set_name(GST_OBJECT(recv_bin), (k + "_to_page").c_str());
    adopt(pipeline, recv_bin);
    GstElement* send_bin = parse_bin(*send_desc, error);
    if (send_bin == nullptr)
        return core::fail("media: cannot build the bridge send chain: " + error);
    gst_object_set_name(GST_OBJECT(send_bin), (k + "_from_page").c_str());
    adopt(pipeline, send_bin);
    watch_chain(recv_bin);
    watch_chain(send_bin);

    GstPtr<GstElement> depay(gst_bin_get_by_name(GST_BIN(recv_bin), "depay"));
    GstPtr<GstElement> enc(gst_bin_get_by_name(GST_BIN(send_bin), "enc"));
    GstPtr<GstElement> valve(gst_bin_get_by_name(GST_BIN(send_bin), "valve"));
    if (!depay || (!enc && !forwarding_back) || !valve)
        return core::fail("media: bridge chain incomplete");
    encoder_ = enc.get();
    valve_ = valve.get();
    if (forwarding) {
        GstPtr<GstElement> out(gst_bin_get_by_name(GST_BIN(recv_bin), "out"));
        GstPtr<GstElement> in(gst_bin_get_by_name(GST_BIN(send_bin), "in"));
        if (!out || (!in && forwarding_back))
            return core::fail("media: passthrough chain incomplete");
        if (video) {
            to_page_ = EncodedChannel::get(passthrough_channel(bridge_session_, true));
            from_page_ = EncodedChannel::get(passthrough_channel(bridge_session_, false));
        } else {
            constexpr auto kAudio = EncodedChannel::Media::Audio;
            to_page_ =
                EncodedChannel::get(audio_passthrough_channel(bridge_session_, true), kAudio);
            from_page_ =
                EncodedChannel::get(audio_passthrough_channel(bridge_session_, false), kAudio);
        }
        // The meeting link starts after the caller's first keyframe went by (its offer waits
        // for one): the frames since then let it start without the caller's next keyframe.
        to_page_->keep_gop(true);
        to_page_->attach_producer(out.get());
        if (forwarding_back) {
            from_page_->attach_consumer(in.get());
        } else {
            from_page_.reset();
        }
    } else if (!video) {
        GstPtr<GstElement> out(gst_bin_get_by_name(GST_BIN(recv_bin), "out"));
        if (!out) return core::fail("media: bridge audio chain incomplete");
        pcm_to_page_ =
            EncodedChannel::get(bridge_channel(bridge_session_, false, BridgeDirection::ToPage),
                                EncodedChannel::Media::Audio);
        pcm_to_page_->attach_producer(out.get());
    }

    GstPtr<GstPad> depay_sink(gst_element_get_static_pad(depay.get(), "sink"));
    GstPad* ghost_sink = gst_ghost_pad_new("sink", depay_sink.get());
    gst_pad_set_active(ghost_sink, TRUE);
    gst_element_add_pad(recv_bin, ghost_sink);
    echo_sink_ = ghost_sink;  // on_recv_pad links the peer's stream here

    GstPtr<GstPad> valve_src(gst_element_get_static_pad(valve.get(), "src"));
    GstPad* ghost_src = gst_ghost_pad_new("src", valve_src.get());
    gst_pad_set_active(ghost_src, TRUE);
    gst_element_add_pad(send_bin, ghost_src);
    // rtpsession turns the peer's PLI/FIR into an upstream event; hand it to our encoder.
    gst_pad_add_probe(ghost_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
                      &MediaStream::on_peer_keyframe_request, this, nullptr);
    // No cycle here (the send chain starts at an intervideosrc), so a plain link into rtpbin.
    if (!gst_element_link_pads(send_bin, "src", rtpbin,
                               fmt::format("send_rtp_sink_{}", sid).c_str()) ||
        !link_rtp_sender(rtpbin)) {
        return core::fail("media: cannot link the bridge chain to rtpbin");
    }
    GstPtr<GstPad> out(gst_element_get_static_pad(rtp_sink_, "sink"));
    gst_pad_add_probe(out.get(), GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_rtp_out, this,
                      nullptr);
    if (passthrough_ && content_) {
        spdlog::info(
            "{} bridge: content passthrough {} toward the page (no decode/encode) "
            "profile-level-id={} packetization-mode={}; the meeting's share encoded here {} "
            "{}x{}@{} {} kb/s",
            log_prefix_, negotiated_.codec.name,
            passthrough_->profile_level_id.empty() ? "-" : passthrough_->profile_level_id,
            passthrough_->single_nal ? 0 : 1, negotiated_.codec.name, video_format_.width,
            video_format_.height, video_format_.fps, video_format_.bitrate_kbps);
    } else if (passthrough_) {
        spdlog::info(
            "{} bridge: video passthrough {} (no decode/encode) profile-level-id={} "
            "packetization-mode={}; the page sends at most {}x{}@{} {} kb/s",
            log_prefix_, negotiated_.codec.name,
            passthrough_->profile_level_id.empty() ? "-" : passthrough_->profile_level_id,
            passthrough_->single_nal ? 0 : 1, video_format_.width, video_format_.height,
            video_format_.fps, video_format_.bitrate_kbps);
    } else if (audio_passthrough_) {
        spdlog::info("{} bridge: audio passthrough opus (no decode/encode)", log_prefix_);
    } else if (video) {
        spdlog::info("{} video bridge (transcoding) {} toward the caller {}x{}@{} {} kb/s",
                     log_prefix_, negotiated_.codec.name, video_format_.width, video_format_.height,
                     video_format_.fps, video_format_.bitrate_kbps);
    }
    return core::Ok{};
}

}  // namespace media
