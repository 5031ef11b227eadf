#include "media/media_stream.hpp"

#include "media/codec_chain.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/net/gstnetaddressmeta.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>
#include <spdlog/spdlog.h>

#include <fmt/format.h>
#include <algorithm>

namespace media {

namespace {

int64_t monotonic_ns() {
    return g_get_monotonic_time() * 1000;
}

// While a keyframe request is unanswered, further ones wait this long (the retry covers them):
// decoders ask on every broken frame, and a burst of PLIs only makes the sender produce a burst
// of keyframes. Once its keyframe has come, a new request is a new need and leaves at once: the
// meeting's subscriber often asks just after the keyframe our own request brought.
constexpr int64_t kKeyframeRequestGapNs = 500'000'000;
// A keyframe asked for and not come (the PLI lost, or sent where the peer is not; baresip 1.0
// sets its picture-update flag from RTCP without the encoder's lock and clears it after each
// encode, so a PLI that lands mid-encode is lost, most of them when its encoder is busy) is
// asked for again after three times what this peer took to answer before (250 ms to 1 s; 1 s
// until measured), a few times at that pace, then with the gap doubling up to 8 s: a frozen
// picture is worth a few RTCP packets, a peer that never answers is not worth a stream.
constexpr int64_t kKeyframeRetryFirstNs = 1'000'000'000;
constexpr int64_t kKeyframeRetryMinNs = 250'000'000;
constexpr int64_t kKeyframeRetryMaxNs = 8'000'000'000;
constexpr int kKeyframeQuickRetries = 4;

bool is_rtcp_packet(const guint8* data, gsize size) {
    // RFC 5761 §4: with rtcp-mux, RTCP packet types 192-223 occupy what would be RTP marker
    // bit + payload type 64-95, which no dynamic or static RTP payload may use.
    return size >= 2 && data[1] >= 192 && data[1] <= 223;
}

bool our_direction_sends(sip::Direction d) {
    return d == sip::Direction::SendRecv || d == sip::Direction::SendOnly;
}

void set_udp_destination(GstElement* sink, const std::string& host, uint16_t port) {
    if (sink == nullptr || host.empty() || port == 0) return;
    g_signal_emit_by_name(sink, "clear");
    g_signal_emit_by_name(sink, "add", host.c_str(), static_cast<gint>(port));
}

GstElement* make(const char* factory, const std::string& name) {
    return gst_element_factory_make(factory, name.c_str());
}

}  // namespace

MediaStream::MediaStream(sip::MediaKind kind, RtpSocketPair sockets, std::string log_prefix,
                         bool content)
    : kind_(kind),
      content_(content),
      sockets_(std::move(sockets)),
      log_prefix_(std::move(log_prefix)) {}

MediaStream::~MediaStream() = default;

void MediaStream::clear() {
    rtp_sink_ = rtcp_sink_ = rtcp_mux_src_ = echo_bin_ = echo_in_ = valve_ = encoder_ = overlay_ =
        nullptr;
    srtpenc_ = srtpdec_ = dtls_rtp_enc_ = nullptr;
    srtp_key_caps_.reset();
    echo_sink_ = nullptr;
    to_page_.reset();
    from_page_.reset();
    pcm_to_page_.reset();
    std::lock_guard lock(elements_mutex_);
    elements_.clear();
}

void MediaStream::adopt(GstBin* pipeline, GstElement* element) {
    // Added outside the lock: gst_bin_add takes the bin's own lock, and nothing here may wait
    // on GStreamer while holding ours.
    if (!gst_bin_add(pipeline, element)) return;
    std::lock_guard lock(elements_mutex_);
    elements_.push_back(element);
}

bool MediaStream::start_in_running_pipeline() {
    std::vector<GstElement*> elements;
    {
        std::lock_guard lock(elements_mutex_);
        elements = elements_;
    }
    // Downstream first: a source that starts before its peers would push into a flushing pad
    // and pause its streaming task for good.
    bool ok = true;
    for (const bool sources : {false, true}) {
        for (GstElement* e : elements) {
            if (GST_OBJECT_FLAG_IS_SET(e, GST_ELEMENT_FLAG_SOURCE) != sources) continue;
            if (!gst_element_sync_state_with_parent(e)) {
                spdlog::warn("{} {}: {} does not start", log_prefix_, name(), GST_ELEMENT_NAME(e));
                ok = false;
            }
        }
    }
    return ok;
}

void MediaStream::remove_from(GstBin* pipeline, GstElement* rtpbin) {
    auto stop = [](GstElement* e) {
        // Locked: the pipeline must not bring it back while it leaves.
        gst_element_set_locked_state(e, TRUE);
        gst_element_set_state(e, GST_STATE_NULL);
    };
    std::vector<GstElement*> elements;
    {
        std::lock_guard lock(elements_mutex_);
        elements = elements_;
    }
    // 1. Nothing new enters: the sockets' sources and the sending chain's source stop (their
    // threads are joined), so no packet reaches this stream's rtpbin session any more.
    for (GstElement* e : elements)
        if (GST_OBJECT_FLAG_IS_SET(e, GST_ELEMENT_FLAG_SOURCE)) stop(e);
    // 2. The session's request pads: releasing the last one makes rtpbin stop and free the
    // session (rtpsession and its RTCP thread, the SSRC demuxer, each SSRC's jitterbuffer and
    // payload demuxer), unlinking what was linked to its pads. The other sessions are not
    // touched (rtpbin keeps one set of elements per session).
    const unsigned sid = session_id();
    for (const std::string& name :
         {fmt::format("recv_rtp_sink_{}", sid), fmt::format("recv_rtcp_sink_{}", sid),
          fmt::format("send_rtp_sink_{}", sid), fmt::format("send_rtcp_src_{}", sid)}) {
        GstPtr<GstPad> pad(gst_element_get_static_pad(rtpbin, name.c_str()));
        if (pad) gst_element_release_request_pad(rtpbin, pad.get());
    }
    // 3. No thread of this stream runs now; the list is complete (a jitterbuffer that met a new
    // payload type just before it stopped may have added a fakesink through on_recv_pad).
    {
        std::lock_guard lock(elements_mutex_);
        elements = std::move(elements_);
        elements_.clear();
    }
    for (GstElement* e : elements) {
        stop(e);
        gst_bin_remove(pipeline, e);  // drops the pipeline's reference: the element goes
    }
    clear();
}

core::Status MediaStream::build(GstBin* pipeline, GstElement* rtpbin,
                                const sip::NegotiatedStream& stream, Mode mode,
                                const core::MediaConfig& config, StreamHooks hooks) {
    negotiated_ = stream;
    mode_ = mode;
    passthrough_.reset();
    audio_passthrough_ = false;
    hooks_ = std::move(hooks);
    failed_ = false;
    dtmf_.reset();
    if (!rtp_encoding_name(stream.codec.name)) {
        return core::fail("media: unsupported codec " + stream.codec.name);
    }
    const std::string k = name();
    const unsigned sid = session_id();

    GstElement* rtp_src = make("udpsrc", k + "_rtp_src");
    rtp_sink_ = make("udpsink", k + "_rtp_sink");
    rtcp_sink_ = make("udpsink", k + "_rtcp_sink");
    if (!rtp_src || !rtp_sink_ || !rtcp_sink_) return core::fail("media: udpsrc/udpsink missing");
    const bool srtp = stream.srtp.has_value();
    const bool dtls = stream.dtls.has_value();
    std::string caps_text = rtp_caps(stream);
    // srtpdec takes application/x-srtp and gives the same caps back as application/x-rtp.
    // With DTLS the socket carries handshake records too; dtlssrtpdec sorts them by first byte
    // and its DTLS side takes any caps.
    if (srtp || dtls)
        caps_text.replace(0, std::string_view("application/x-rtp").size(), "application/x-srtp");
    CapsPtr caps(gst_caps_from_string(caps_text.c_str()));
    g_object_set(rtp_src, "socket", sockets_.rtp.get(), "close-socket", FALSE, "caps", caps.get(),
                 nullptr);
    GSocket* rtcp_socket = stream.rtcp_mux ? sockets_.rtp.get() : sockets_.rtcp.get();
    g_object_set(rtp_sink_, "socket", sockets_.rtp.get(), "close-socket", FALSE, "sync", FALSE,
                 "async", FALSE, nullptr);
    g_object_set(rtcp_sink_, "socket", rtcp_socket, "close-socket", FALSE, "sync", FALSE, "async",
                 FALSE, nullptr);
    for (GstElement* e : {rtp_src, rtp_sink_, rtcp_sink_}) adopt(pipeline, e);

    if (dtls || srtp) {
        GstElement* rtcp_src = nullptr;
        if (!stream.rtcp_mux) {
            // With rtcp-mux the decryptor itself tells SRTCP from SRTP on the one socket.
            rtcp_src = make("udpsrc", k + "_rtcp_src");
            CapsPtr rtcp_caps(gst_caps_from_string("application/x-srtcp"));
            g_object_set(rtcp_src, "socket", sockets_.rtcp.get(), "close-socket", FALSE, "caps",
                         rtcp_caps.get(), nullptr);
            adopt(pipeline, rtcp_src);
        }
        auto st = dtls ? build_dtls(pipeline, rtpbin, rtp_src, rtcp_src)
                       : build_srtp(pipeline, rtpbin, rtp_src, rtcp_src);
        if (!st) return st;
    } else {
        GstElement* rtcp_src = nullptr;
        if (stream.rtcp_mux) {
            // One socket carries both; the RTP probe hands RTCP packets to this appsrc.
            rtcp_mux_src_ = make("appsrc", k + "_rtcp_mux_src");
            CapsPtr rtcp_caps(gst_caps_from_string("application/x-rtcp"));
            g_object_set(rtcp_mux_src_, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp",
                         TRUE, "caps", rtcp_caps.get(), nullptr);
            rtcp_src = rtcp_mux_src_;
        } else {
            rtcp_src = make("udpsrc", k + "_rtcp_src");
            CapsPtr rtcp_caps(gst_caps_from_string("application/x-rtcp"));
            g_object_set(rtcp_src, "socket", sockets_.rtcp.get(), "close-socket", FALSE, "caps",
                         rtcp_caps.get(), nullptr);
            GstPtr<GstPad> p(gst_element_get_static_pad(rtcp_src, "src"));
            gst_pad_add_probe(p.get(), GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_rtcp_in, this,
                              nullptr);
        }
        adopt(pipeline, rtcp_src);
        GstPtr<GstPad> p(gst_element_get_static_pad(rtp_src, "src"));
        gst_pad_add_probe(p.get(), GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_rtp_in, this,
                          nullptr);
        if (!gst_element_link_pads(rtp_src, "src", rtpbin,
                                   fmt::format("recv_rtp_sink_{}", sid).c_str()) ||
            !gst_element_link_pads(rtcp_src, "src", rtpbin,
                                   fmt::format("recv_rtcp_sink_{}", sid).c_str())) {
            return core::fail("media: cannot link " + k + " sources to rtpbin");
        }
    }
    if (!srtp && !dtls &&
        !gst_element_link_pads(rtpbin, fmt::format("send_rtcp_src_{}", sid).c_str(), rtcp_sink_,
                               "sink")) {
        return core::fail("media: cannot link " + k + " RTCP sender");
    }

    if (mode == Mode::Echo) {
        auto st = build_echo_chain(pipeline, rtpbin, config);
        if (!st) return st;
    } else if (mode == Mode::Bridge) {
        auto st = build_bridge_chain(pipeline, rtpbin, config);
        if (!st) return st;
    } else if (mode == Mode::Ivr) {
        auto st = build_ivr_chain(pipeline, rtpbin, config);
        if (!st) return st;
    }
    {
        std::lock_guard lock(mutex_);
        rtp_host_ = rtcp_host_ = stream.remote_address;
        rtp_dest_port_ = stream.remote_rtp_port;
        rtcp_dest_port_ = stream.rtcp_mux ? stream.remote_rtp_port : stream.remote_rtcp_port;
        if (rtcp_dest_port_ == 0) rtcp_dest_port_ = static_cast<uint16_t>(rtp_dest_port_ + 1);
        remember_sdp_destinations();
    }
    apply_destinations();
    apply_direction();
    return core::Ok{};
}

core::Status MediaStream::build_echo_chain(GstBin* pipeline, GstElement* rtpbin,
                                           const core::MediaConfig& config) {
    const unsigned sid = session_id();
    if (kind_ == sip::MediaKind::Video) {
        video_format_ = choose_video_format(config, negotiated_.codec, negotiated_.bandwidth_kbps);
    }
    auto desc = echo_chain_description(negotiated_, video_format_);
    if (!desc) return core::fail("media: no echo chain for " + negotiated_.codec.name);
    GError* err = nullptr;
    GstElement* bin = gst_parse_bin_from_description(desc->c_str(), FALSE, &err);
    if (bin == nullptr) {
        std::string msg = err ? err->message : "unknown";
        g_clear_error(&err);
        return core::fail("media: cannot build the echo chain: " + msg);
    }
    g_clear_error(&err);  // a non-fatal warning (e.g. an unused property) may still be set
    gst_object_set_name(GST_OBJECT(bin), (std::string(name()) + "_echo").c_str());
    adopt(pipeline, bin);
    echo_bin_ = bin;
    GstPtr<GstElement> depay(gst_bin_get_by_name(GST_BIN(bin), "depay"));
    GstPtr<GstElement> dec(gst_bin_get_by_name(GST_BIN(bin), "dec"));
    GstPtr<GstElement> enc(gst_bin_get_by_name(GST_BIN(bin), "enc"));
    GstPtr<GstElement> pay(gst_bin_get_by_name(GST_BIN(bin), "pay"));
    GstPtr<GstElement> valve(gst_bin_get_by_name(GST_BIN(bin), "valve"));
    GstPtr<GstElement> overlay(gst_bin_get_by_name(GST_BIN(bin), "overlay"));
    if (!depay || !dec || !enc || !pay || !valve) return core::fail("media: echo chain incomplete");
    encoder_ = enc.get();
    valve_ = valve.get();
    overlay_ = overlay.get();

    GstPtr<GstPad> depay_sink(gst_element_get_static_pad(depay.get(), "sink"));
    gst_pad_add_probe(depay_sink.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
                      &MediaStream::on_decoder_event, this, nullptr);
    GstPtr<GstPad> depay_src(gst_element_get_static_pad(depay.get(), "src"));
    gst_pad_add_probe(depay_src.get(), GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_depayloaded,
                      this, nullptr);
    GstPtr<GstPad> dec_src(gst_element_get_static_pad(dec.get(), "src"));
    gst_pad_add_probe(dec_src.get(), GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_decoded, this,
                      nullptr);
    GstPtr<GstPad> enc_src(gst_element_get_static_pad(enc.get(), "src"));
    gst_pad_add_probe(enc_src.get(), GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_encoded, this,
                      nullptr);
    // Ghost only the chain's ends (textoverlay's text_sink stays unlinked on purpose).
    GstPtr<GstPad> valve_src(gst_element_get_static_pad(valve.get(), "src"));
    GstPad* ghost_sink = gst_ghost_pad_new("sink", depay_sink.get());
    GstPad* ghost_src = gst_ghost_pad_new("src", valve_src.get());
    gst_pad_set_active(ghost_sink, TRUE);
    gst_pad_set_active(ghost_src, TRUE);
    gst_element_add_pad(bin, ghost_sink);  // the bin takes the floating refs
    gst_element_add_pad(bin, ghost_src);
    echo_sink_ = ghost_sink;

    // The chain's output re-enters rtpbin through appsink → appsrc rather than a pad link:
    // rtpbin → chain → rtpbin would be a cycle, which GStreamer's bins cannot order for state
    // changes (they warn "loop detected" on every change).
    const std::string k = name();
    GstElement* chain_out = make("appsink", k + "_echo_out");
    GstElement* in = make("appsrc", k + "_echo_in");
    if (chain_out == nullptr || in == nullptr) return core::fail("media: appsink/appsrc missing");
    g_object_set(chain_out, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, nullptr);
    g_object_set(in, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, nullptr);
    adopt(pipeline, chain_out);
    adopt(pipeline, in);
    echo_in_ = in;
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = [](GstAppSink* sink, gpointer data) -> GstFlowReturn {
        GstSample* sample = gst_app_sink_pull_sample(sink);
        if (sample == nullptr) return GST_FLOW_OK;
        gst_app_src_push_sample(GST_APP_SRC(static_cast<MediaStream*>(data)->echo_in_), sample);
        gst_sample_unref(sample);
        return GST_FLOW_OK;
    };
    gst_app_sink_set_callbacks(GST_APP_SINK(chain_out), &callbacks, this, nullptr);
    GstPtr<GstPad> in_src(gst_element_get_static_pad(in, "src"));
    gst_pad_add_probe(in_src.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
                      &MediaStream::on_peer_keyframe_request, this, nullptr);
    if (!gst_element_link_pads(bin, "src", chain_out, "sink") ||
        !gst_element_link_pads(in, "src", rtpbin, fmt::format("send_rtp_sink_{}", sid).c_str())) {
        return core::fail("media: cannot link the echo chain to rtpbin");
    }
    if (!link_rtp_sender(rtpbin)) {
        return core::fail("media: cannot link rtpbin to the RTP sender");
    }
    GstPtr<GstPad> out(gst_element_get_static_pad(rtp_sink_, "sink"));
    gst_pad_add_probe(out.get(), GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_rtp_out, this,
                      nullptr);
    if (kind_ == sip::MediaKind::Video) {
        spdlog::info("{} {} echo {} {}x{}@{} {} kb/s", log_prefix_, name(), negotiated_.codec.name,
                     video_format_.width, video_format_.height, video_format_.fps,
                     video_format_.bitrate_kbps);
    }
    return core::Ok{};
}

GstCaps* MediaStream::caps_for_pt(unsigned pt) const {
    if (pt != negotiated_.codec.payload_type) return nullptr;
    return gst_caps_from_string(rtp_caps(negotiated_).c_str());
}

void MediaStream::on_recv_pad(GstBin* pipeline, GstPad* pad, unsigned pt) {
    if (echo_sink_ != nullptr && pt == negotiated_.codec.payload_type) {
        // A new SSRC (the peer restarted its stream) replaces the old one.
        GstPtr<GstPad> old(gst_pad_get_peer(echo_sink_));
        if (old) gst_pad_unlink(old.get(), echo_sink_);
        const GstPadLinkReturn linked = gst_pad_link(pad, echo_sink_);
        if (linked == GST_PAD_LINK_OK) {
            if (kind_ == sip::MediaKind::Video) {
                // Ask at once: the decoder cannot start before a keyframe.
                gst_pad_push_event(echo_sink_, gst_video_event_new_upstream_force_key_unit(
                                                   GST_CLOCK_TIME_NONE, TRUE, 0));
            }
            return;
        }
        CapsPtr have(gst_pad_query_caps(pad, nullptr));
        CapsPtr want(gst_pad_query_caps(echo_sink_, nullptr));
        gchar* a = gst_caps_to_string(have.get());
        gchar* b = gst_caps_to_string(want.get());
        spdlog::warn("{} cannot link the received {} stream: {} ({} vs {})", log_prefix_,
                     negotiated_.codec.name, gst_pad_link_get_name(linked), a, b);
        g_free(a);
        g_free(b);
    }
    // Anything else (idle mode, comfort noise, unknown payload) is received and dropped; an
    // unlinked pad would stop the whole session with not-linked.
    GstElement* sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    adopt(pipeline, sink);
    gst_element_sync_state_with_parent(sink);
    GstPtr<GstPad> sink_pad(gst_element_get_static_pad(sink, "sink"));
    gst_pad_link(pad, sink_pad.get());
}

void MediaStream::stream_failed(const std::string& reason) {
    if (failed_.exchange(true)) return;
    spdlog::error("{} {}", log_prefix_, reason);
    if (hooks_.failed) hooks_.failed(reason);
}

void MediaStream::set_remote(const sip::NegotiatedStream& stream) {
    {
        std::lock_guard lock(mutex_);
        const bool moved = stream.remote_address != negotiated_.remote_address ||
                           stream.remote_rtp_port != negotiated_.remote_rtp_port;
        negotiated_.direction = stream.direction;
        negotiated_.feedback = stream.feedback;
        if (moved) {
            negotiated_.remote_address = stream.remote_address;
            negotiated_.remote_rtp_port = stream.remote_rtp_port;
            negotiated_.remote_rtcp_port = stream.remote_rtcp_port;
            rtp_host_ = rtcp_host_ = stream.remote_address;
            rtp_dest_port_ = stream.remote_rtp_port;
            rtcp_dest_port_ =
                negotiated_.rtcp_mux ? stream.remote_rtp_port : stream.remote_rtcp_port;
            if (rtcp_dest_port_ == 0) rtcp_dest_port_ = static_cast<uint16_t>(rtp_dest_port_ + 1);
            remember_sdp_destinations();
        }
    }
    apply_destinations();
    apply_direction();
}

void MediaStream::remember_sdp_destinations() {
    // Packets name their source as GIO prints it; print the SDP's literal the same way.
    sdp_host_ = rtp_host_;
    if (GInetAddress* a = g_inet_address_new_from_string(rtp_host_.c_str())) {
        gchar* text = g_inet_address_to_string(a);
        sdp_host_ = text;
        g_free(text);
        g_object_unref(a);
    }
    sdp_rtp_port_ = rtp_dest_port_;
    sdp_rtcp_port_ = rtcp_dest_port_;
    learning_kept_.clear();
    rtcp_heard_ = false;
    std::vector<uint8_t> pts{static_cast<uint8_t>(negotiated_.codec.payload_type)};
    if (negotiated_.telephone_event)
        pts.push_back(static_cast<uint8_t>(negotiated_.telephone_event->payload_type));
    guard_.expect({sdp_host_, sdp_rtp_port_}, {sdp_host_, sdp_rtcp_port_}, std::move(pts));
}

void MediaStream::apply_destinations() {
    std::lock_guard lock(mutex_);
    set_udp_destination(rtp_sink_, rtp_host_, rtp_dest_port_);
    set_udp_destination(rtcp_sink_, rtcp_host_, rtcp_dest_port_);
}

void MediaStream::set_sending(bool on) {
    sending_ = on;
    apply_direction();
}

void MediaStream::apply_direction() {
    if (valve_ == nullptr) return;
    const bool drop =
        mode_ == Mode::Idle || !sending_ || !our_direction_sends(negotiated_.direction);
    g_object_set(valve_, "drop", drop ? TRUE : FALSE, nullptr);
}

bool MediaStream::expects_media() const {
    std::lock_guard lock(mutex_);
    // Our sendonly/inactive means the peer holds us (or sends nothing): no RTP is due.
    return negotiated_.direction == sip::Direction::SendRecv ||
           negotiated_.direction == sip::Direction::RecvOnly;
}

bool MediaStream::admit(GstBuffer* buffer, const guint8* data, gsize size, bool rtcp,
                        std::vector<BufferPtr>* release) {
    PacketSource from;
    if (GstNetAddressMeta* meta = gst_buffer_get_net_address_meta(buffer);
        meta != nullptr && G_IS_INET_SOCKET_ADDRESS(meta->addr)) {
        auto* isa = G_INET_SOCKET_ADDRESS(meta->addr);
        gchar* host = g_inet_address_to_string(g_inet_socket_address_get_address(isa));
        from.host = host;
        g_free(host);
        from.port = static_cast<uint16_t>(g_inet_socket_address_get_port(isa));
    }
    const int64_t now_ms = g_get_monotonic_time() / 1000;
    const bool muxed = rtcp && negotiated_.rtcp_mux;
    std::lock_guard lock(mutex_);
    const auto verdict = rtcp ? guard_.on_rtcp(from, data, size, muxed, now_ms)
                              : guard_.on_rtp(from, data, size, now_ms);
    strays_ = guard_.strays();
    if (rtcp && !muxed && verdict.accept) rtcp_heard_ = true;
    if (verdict.learning && release != nullptr) {
        if (!(from == learning_from_)) {
            learning_kept_.clear();
            learning_from_ = from;
        }
        if (learning_kept_.size() + 1 < static_cast<size_t>(RtpSourceGuard::kLearnPackets))
            learning_kept_.emplace_back(gst_buffer_ref(buffer));
    }
    if (verdict.learned && release != nullptr && from == learning_from_)
        *release = std::move(learning_kept_);
    if (verdict.accept && !rtcp) learning_kept_.clear();
    if (!verdict.send_to) return verdict.accept;
    const auto& to = *verdict.send_to;
    const bool rtcp_dest = rtcp && !muxed;
    std::string& dest_host = rtcp_dest ? rtcp_host_ : rtp_host_;
    uint16_t& dest_port = rtcp_dest ? rtcp_dest_port_ : rtp_dest_port_;
    // Until the peer's own RTCP says where it comes from, its SDP's RTCP address is as wrong as
    // its RTP one: keyframe requests sent there would wait for its first report (~5 s).
    if (!rtcp && !negotiated_.rtcp_mux && !rtcp_heard_) follow_rtp_with_rtcp(to);
    if (to.host == dest_host && to.port == dest_port) return verdict.accept;
    // The peer is behind a NAT (or its SDP is wrong): answer where its packets come from.
    spdlog::info("{} {} {} latched to {}:{} (SDP said {}:{})", log_prefix_, name(),
                 rtcp_dest ? "RTCP" : "RTP", to.host, to.port, sdp_host_,
                 rtcp_dest ? sdp_rtcp_port_ : sdp_rtp_port_);
    dest_host = to.host;
    dest_port = to.port;
    set_udp_destination(rtcp_dest ? rtcp_sink_ : rtp_sink_, to.host, to.port);
    if (!rtcp_dest && negotiated_.rtcp_mux) {
        rtcp_host_ = to.host;
        rtcp_dest_port_ = to.port;
        set_udp_destination(rtcp_sink_, to.host, to.port);
    }
    return verdict.accept;
}

void MediaStream::follow_rtp_with_rtcp(const PacketSource& rtp_to) {
    // Back to the SDP's RTP address: its RTCP address again. Elsewhere (NAT): the next port
    // on that source, where RTP/RTCP pairs sit (RFC 3550 §11) and port-preserving NATs keep them.
    const bool sdp = rtp_to.host == sdp_host_ && rtp_to.port == sdp_rtp_port_;
    const std::string host = sdp ? sdp_host_ : rtp_to.host;
    const uint16_t port =
        sdp ? sdp_rtcp_port_ : static_cast<uint16_t>(rtp_to.port == 65535 ? 0 : rtp_to.port + 1);
    if (port == 0 || (host == rtcp_host_ && port == rtcp_dest_port_)) return;
    spdlog::info(
        "{} {} RTCP sent to {}:{} after RTP until the peer's RTCP arrives (SDP said {}:{})",
        log_prefix_, kind_ == sip::MediaKind::Audio ? "audio" : "video", host, port, sdp_host_,
        sdp_rtcp_port_);
    rtcp_host_ = host;
    rtcp_dest_port_ = port;
    set_udp_destination(rtcp_sink_, host, port);
}

GstPadProbeReturn MediaStream::on_rtp_in(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<MediaStream*>(data);
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return GST_PAD_PROBE_DROP;
    const bool rtcp = is_rtcp_packet(map.data, map.size);
    const guint8 pt = map.size >= 2 ? (map.data[1] & 0x7f) : 0;
    const gsize size = map.size;
    // Source and format are checked before anything reads the packet: strays never latch,
    // never reach rtpbin (no new SSRC) and never type DTMF.
    std::vector<BufferPtr> kept;
    const bool admitted = self->admit(buffer, map.data, map.size, rtcp, rtcp ? nullptr : &kept);
    gst_buffer_unmap(buffer, &map);
    if (!admitted) return GST_PAD_PROBE_DROP;
    // The source was learned with this packet: the ones kept meanwhile go first (this probe
    // sees them again and now admits them). Without them an H.264 peer's first keyframe would
    // arrive without its SPS/PPS and the picture wait for the next one.
    for (auto& k : kept) gst_pad_push(pad, k.release());
    if (rtcp) {
        if (self->rtcp_mux_src_ == nullptr) return GST_PAD_PROBE_DROP;
        gst_app_src_push_buffer(GST_APP_SRC(self->rtcp_mux_src_), gst_buffer_ref(buffer));
        return GST_PAD_PROBE_DROP;
    }
    self->last_rtp_ms_ = g_get_monotonic_time() / 1000;
    self->packets_in_++;
    self->bytes_in_ += size;
    self->retry_keyframe_request();
    const auto& te = self->negotiated_.telephone_event;
    if (te && pt == te->payload_type) {
        // Handled here rather than in rtpbin: its jitter buffer would have to switch clock
        // rates between the voice codec and the events.
        GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
        if (gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) {
            const auto* payload = static_cast<const uint8_t*>(gst_rtp_buffer_get_payload(&rtp));
            const auto digit = self->dtmf_.on_packet(gst_rtp_buffer_get_timestamp(&rtp), payload,
                                                     gst_rtp_buffer_get_payload_len(&rtp),
                                                     g_get_monotonic_time() / 1000);
            gst_rtp_buffer_unmap(&rtp);
            self->dtmf_dropped_ = self->dtmf_.dropped();
            if (digit) {
                self->dtmf_events_++;
                if (self->hooks_.dtmf) self->hooks_.dtmf(*digit);
            }
        }
        return GST_PAD_PROBE_DROP;
    }
    return GST_PAD_PROBE_OK;
}

GstPadProbeReturn MediaStream::on_rtcp_in(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<MediaStream*>(data);
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return GST_PAD_PROBE_DROP;
    const bool admitted = self->admit(buffer, map.data, map.size, true);
    gst_buffer_unmap(buffer, &map);
    return admitted ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

GstPadProbeReturn MediaStream::on_rtp_out(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<MediaStream*>(data);
    self->packets_out_++;
    self->bytes_out_ += gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info));
    return GST_PAD_PROBE_OK;
}

GstPadProbeReturn MediaStream::on_decoder_event(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<MediaStream*>(data);
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (!gst_video_event_is_force_key_unit(event)) return GST_PAD_PROBE_OK;
    // Audio has no keyframes: a request there would become a SIP INFO for the video.
    if (self->kind_ != sip::MediaKind::Video) return GST_PAD_PROBE_DROP;
    const int64_t now = monotonic_ns();
    const int64_t last = self->last_request_ns_.load();
    const bool unanswered = self->pending_request_ns_.load() != 0;
    if (unanswered && now - last < kKeyframeRequestGapNs) return GST_PAD_PROBE_DROP;
    self->last_request_ns_ = now;
    self->keyframes_requested_++;
    int64_t expected = 0;
    self->pending_request_ns_.compare_exchange_strong(expected, now);
    sip::RtcpFeedback fb;
    {
        std::lock_guard lock(self->mutex_);  // a re-INVITE may change it
        fb = self->negotiated_.feedback;
    }
    if (fb.pli || fb.fir) {
        // all-headers makes rtpsession use FIR when only ccm fir is in the caps; with
        // nack pli in the caps it sends PLI either way (see rtp_caps()).
        event = GST_EVENT(gst_mini_object_make_writable(GST_MINI_OBJECT_CAST(event)));
        gst_structure_set(gst_event_writable_structure(event), "all-headers", G_TYPE_BOOLEAN, TRUE,
                          nullptr);
        GST_PAD_PROBE_INFO_DATA(info) = event;
        return GST_PAD_PROBE_OK;
    }
    if (self->hooks_.keyframe_needed) self->hooks_.keyframe_needed();
    return GST_PAD_PROBE_DROP;
}

void MediaStream::retry_keyframe_request() {
    if (kind_ != sip::MediaKind::Video || echo_sink_ == nullptr) return;
    const int64_t asked = pending_request_ns_.load();
    if (asked == 0) return;
    const int64_t now = monotonic_ns();
    const int64_t rtt_ns = keyframe_rtt_us_.load() * 1000;
    int64_t gap = rtt_ns < 0 ? kKeyframeRetryFirstNs
                             : std::clamp(3 * rtt_ns, kKeyframeRetryMinNs, kKeyframeRetryFirstNs);
    const int retries = retries_.load();
    if (retries >= kKeyframeQuickRetries)
        gap =
            std::min(gap << std::min(retries - kKeyframeQuickRetries + 1, 6), kKeyframeRetryMaxNs);
    int64_t last = last_request_ns_.load();
    if (now - last < gap) return;
    if (!last_request_ns_.compare_exchange_strong(last, now)) return;  // another thread asked
    retries_++;
    keyframes_requested_++;
    spdlog::debug("{} video keyframe asked for {} ms ago has not come: asking again", log_prefix_,
                  (now - asked) / 1'000'000);
    request_keyframe_from_peer();
}

void MediaStream::request_keyframe_from_peer() {
    sip::RtcpFeedback fb;
    {
        std::lock_guard lock(mutex_);
        fb = negotiated_.feedback;
    }
    if (fb.pli || fb.fir) {
        // Upstream from the depayloader's side, as a decoder's request goes: rtpsession sends
        // the PLI/FIR (see on_decoder_event).
        gst_pad_push_event(
            echo_sink_, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
        return;
    }
    if (hooks_.keyframe_needed) hooks_.keyframe_needed();
}

GstPadProbeReturn MediaStream::on_depayloaded(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<MediaStream*>(data);
    if (self->kind_ != sip::MediaKind::Video) return GST_PAD_PROBE_OK;
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT)) return GST_PAD_PROBE_OK;
    const int64_t asked = self->pending_request_ns_.exchange(0);
    self->retries_ = 0;
    if (asked != 0) {
        // From the last request, not the first: a retry's answer says how fast this peer
        // answers (the retry gap is based on it), not how long a lost request froze the picture.
        self->keyframe_rtt_us_ = (monotonic_ns() - self->last_request_ns_.load()) / 1000;
        self->update_overlay();
    }
    return GST_PAD_PROBE_OK;
}

GstPadProbeReturn MediaStream::on_decoded(GstPad*, GstPadProbeInfo*, gpointer data) {
    static_cast<MediaStream*>(data)->frames_decoded_++;
    return GST_PAD_PROBE_OK;
}

GstPadProbeReturn MediaStream::on_encoded(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<MediaStream*>(data);
    self->frames_encoded_++;
    if (self->kind_ == sip::MediaKind::Video &&
        !GST_BUFFER_FLAG_IS_SET(GST_PAD_PROBE_INFO_BUFFER(info), GST_BUFFER_FLAG_DELTA_UNIT)) {
        self->keyframes_sent_++;
    }
    return GST_PAD_PROBE_OK;
}

GstPadProbeReturn MediaStream::on_peer_keyframe_request(GstPad*, GstPadProbeInfo* info,
                                                        gpointer data) {
    // rtpsession turns a received PLI or FIR into this event; carry it over the appsrc/appsink
    // gap to the encoder.
    auto* self = static_cast<MediaStream*>(data);
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (!gst_video_event_is_force_key_unit(event)) return GST_PAD_PROBE_OK;
    self->keyframes_asked_++;
    self->request_keyframe_from_source(event);
    return GST_PAD_PROBE_DROP;
}

void MediaStream::request_keyframe_from_source(GstEvent* event) {
    if (encoder_ != nullptr) {
        GstPtr<GstPad> src(gst_element_get_static_pad(encoder_, "src"));
        gst_pad_send_event(src.get(), gst_event_ref(event));
    } else if (from_page_) {
        // Passthrough: the page's encoder makes our keyframes; the link asks it with PLI.
        from_page_->request_keyframe();
    }
}

void MediaStream::send_keyframe() {
    if (encoder_ == nullptr && !from_page_) return;
    keyframes_asked_++;
    GstEvent* event = gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0);
    request_keyframe_from_source(event);
    gst_event_unref(event);
}

void MediaStream::update_overlay() {
    if (overlay_ == nullptr || mode_ != Mode::Echo) return;  // the IVR draws its own text
    const int64_t us = keyframe_rtt_us_.load();
    std::string text = "sipmediagw echo test";
    if (us >= 0) text += fmt::format("\nkeyframe request round trip: {} ms", us / 1000);
    g_object_set(overlay_, "text", text.c_str(), nullptr);
}

StreamStats MediaStream::stats(GstElement* rtpbin) const {
    StreamStats s;
    s.packets_in = packets_in_;
    s.bytes_in = bytes_in_;
    s.packets_out = packets_out_;
    s.bytes_out = bytes_out_;
    s.frames_decoded = frames_decoded_;
    s.frames_encoded = frames_encoded_;
    s.keyframes_requested = keyframes_requested_;
    s.keyframes_asked = keyframes_asked_;
    s.keyframes_sent = keyframes_sent_;
    s.dtmf_events = dtmf_events_;
    s.dtmf_dropped = dtmf_dropped_;
    s.protection = sip::protection_name(negotiated_.protection);
    if (negotiated_.srtp) s.srtp_suite = negotiated_.srtp->suite;
    const uint64_t srtp_in = srtp_in_, srtp_out = srtp_out_;
    s.srtp_auth_failures = srtp_in > srtp_out ? srtp_in - srtp_out : 0;
    s.stray_packets = strays_ + s.srtp_auth_failures;
    s.passthrough = passthrough_.has_value() || audio_passthrough_;
    if (to_page_) s.frames_to_page = to_page_->frames();
    if (from_page_) {
        s.frames_from_page = from_page_->frames();
        s.keyframes_sent = from_page_->keyframes();
    }
    if (const int64_t us = keyframe_rtt_us_.load(); us >= 0) {
        s.keyframe_round_trip_ms = static_cast<double>(us) / 1000.0;
    }
    const int64_t now = monotonic_ns();
    if (last_stats_ns_ != 0 && now > last_stats_ns_) {
        const double secs = static_cast<double>(now - last_stats_ns_) / 1e9;
        s.bitrate_in_kbps = static_cast<uint32_t>(
            static_cast<double>(s.bytes_in - last_stats_bytes_in_) * 8 / 1000 / secs);
        s.bitrate_out_kbps = static_cast<uint32_t>(
            static_cast<double>(s.bytes_out - last_stats_bytes_out_) * 8 / 1000 / secs);
    }
    last_stats_ns_ = now;
    last_stats_bytes_in_ = s.bytes_in;
    last_stats_bytes_out_ = s.bytes_out;

    if (rtpbin == nullptr) return s;
    GObject* session = nullptr;
    g_signal_emit_by_name(rtpbin, "get-internal-session", session_id(), &session);
    if (session == nullptr) return s;
    GValueArray* sources = nullptr;
    g_object_get(session, "sources", &sources, nullptr);
    if (sources != nullptr) {
        G_GNUC_BEGIN_IGNORE_DEPRECATIONS
        for (guint i = 0; i < sources->n_values; ++i) {
            GObject* source = G_OBJECT(g_value_get_object(g_value_array_get_nth(sources, i)));
            GstStructure* st = nullptr;
            g_object_get(source, "stats", &st, nullptr);
            if (st == nullptr) continue;
            gboolean internal = TRUE;
            gst_structure_get_boolean(st, "internal", &internal);
            gint lost = 0;
            guint jitter = 0;
            gint clock_rate = 0;
            if (!internal && gst_structure_get_int(st, "packets-lost", &lost)) {
                s.packets_lost += lost;
                gst_structure_get_uint(st, "jitter", &jitter);
                gst_structure_get_int(st, "clock-rate", &clock_rate);
                if (clock_rate > 0) s.jitter_ms = 1000.0 * jitter / clock_rate;
            }
            gst_structure_free(st);
        }
        g_value_array_free(sources);
        G_GNUC_END_IGNORE_DEPRECATIONS
    }
    g_object_unref(session);
    return s;
}

}  // namespace media
