#include "media/meeting_bridge.hpp"

#include "media/bridge_channels.hpp"
#include "media/gst_ptr.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

namespace media {

std::string MeetingBridge::video_send_description(const std::string& session_id,
                                                  const MeetingBridgeOptions& o) {
    // vp8enc threads=1: more threads spin and starve on small hosts (DESIGN §5).
    return fmt::format(
        "intervideosrc channel={} ! videoconvert ! videoscale add-borders=true ! videorate ! "
        "video/x-raw,format=I420,width={},height={},framerate={}/1,pixel-aspect-ratio=1/1 ! "
        "vp8enc name=enc deadline=1 threads=1 cpu-used=8 end-usage=cbr lag-in-frames=0 "
        "target-bitrate={} keyframe-max-dist={} error-resilient=default ! "
        "rtpvp8pay pt=96 picture-id-mode=15-bit",
        bridge_channel(session_id, true, BridgeDirection::ToPage), o.width, o.height, o.fps,
        o.bitrate_kbps * 1000, o.fps * 5);
}

namespace {

// A signalled SSRC (a=ssrc in the offer): Chromium does not demultiplex a second unsignalled
// video stream of the bundle into its own m-line, and the content track would stay muted (black
// in the meeting). These caps are also the content transceiver's codec preferences
// (WebRtcLink), so nothing here may differ from what the payloader outputs: an H.264 profile
// goes on the offer's fmtp instead (content_fmtp).
std::string content_caps(uint32_t ssrc, const std::optional<PassthroughVideo>& passthrough,
                         unsigned pt) {
    return fmt::format(
        "application/x-rtp,media=video,encoding-name={},payload={},clock-rate=90000,"
        "ssrc=(uint){}",
        passthrough && passthrough->codec == "H264" ? "H264" : "VP8", pt, ssrc);
}

// The room's content as it came (the SIP side's encoded content channel), payloaded for the
// link. H.264 goes out in packetization-mode 1 whatever the room's mode: the link packetizes
// the room's access units itself, and mode 1 is what the meeting's share sender negotiates.
std::string content_passthrough_send(const PassthroughVideo& p, uint32_t ssrc, unsigned pt) {
    const std::string src = EncodedChannel::src_description("pt_content_in");
    if (p.codec == "H264") {
        return fmt::format(
            "{} ! h264parse config-interval=-1 ! "
            "video/x-h264,stream-format=byte-stream,alignment=au ! "
            "rtph264pay name=content_pay pt={} ssrc={} config-interval=-1 aggregate-mode=none "
            "mtu=1200",
            src, pt, ssrc);
    }
    return fmt::format(
        "{} ! rtpvp8pay name=content_pay pt={} ssrc={} picture-id-mode=15-bit mtu=1200", src, pt,
        ssrc);
}

std::map<std::string, std::string> content_fmtp(const std::optional<PassthroughVideo>& p) {
    if (!p || p->codec != "H264") return {};
    return {{"profile-level-id", p->profile_level_id},
            {"packetization-mode", "1"},
            {"level-asymmetry-allowed", "1"}};
}

std::string content_send(const std::string& session_id, uint32_t ssrc,
                         unsigned pt = kLinkContentPayloadType) {
    // The channel's own format (the SIP side writes 1280x720 at 30 fps), as the main video's
    // branch reads its channel. Black frames between shares cost next to nothing to encode.
    return fmt::format(
        "intervideosrc channel={} ! videoconvert ! videoscale add-borders=true ! videorate ! "
        "video/x-raw,format=I420,width=1280,height=720,framerate=30/1,pixel-aspect-ratio=1/1 ! "
        "vp8enc name=content_enc deadline=1 threads=1 cpu-used=8 end-usage=cbr lag-in-frames=0 "
        "target-bitrate=1000000 keyframe-max-dist=150 error-resilient=default ! "
        "rtpvp8pay name=content_pay pt={} ssrc={} picture-id-mode=15-bit",
        bridge_channel(content_bridge_session(session_id), true, BridgeDirection::ToPage), pt,
        ssrc);
}

// What the page sends on a video track (VP8, or H.264 on a content track that passes the
// room's H.264 through, as we offered), decoded into a raw channel in the SIP side's format.
// The sink never prerolls, as the SIP side's (bridge_chain.cpp).
std::string video_decode_into(const std::string& channel, const std::string& codec = "VP8") {
    const std::string decode =
        codec == "H264"
            ? "rtph264depay request-keyframe=true wait-for-keyframe=true ! avdec_h264 name=dec "
              "max-threads=1"
            : "rtpvp8depay request-keyframe=true wait-for-keyframe=true ! vp8dec name=dec "
              "threads=1";
    return "queue ! " + decode +
           " ! videoconvert ! videoscale add-borders=true ! videorate ! "
           "video/x-raw,format=I420,width=1280,height=720,framerate=30/1,pixel-aspect-ratio=1/1 ! "
           "intervideosink sync=false async=false channel=" +
           channel;
}

// For attach_incoming(): counts what the bin's "dec" element outputs into `decoded`.
std::function<void(GstBin*)> count_decoded(std::atomic<uint64_t>* decoded) {
    return [decoded](GstBin* bin) {
        GstPtr<GstElement> dec(gst_bin_get_by_name(bin, "dec"));
        GstPtr<GstPad> dec_src(gst_element_get_static_pad(dec.get(), "src"));
        gst_pad_add_probe(
            dec_src.get(), GST_PAD_PROBE_TYPE_BUFFER,
            [](GstPad*, GstPadProbeInfo*, gpointer data) -> GstPadProbeReturn {
                ++*static_cast<std::atomic<uint64_t>*>(data);
                return GST_PAD_PROBE_OK;
            },
            decoded, nullptr);
    };
}

}  // namespace

std::string MeetingBridge::content_send_description(const std::string& session_id) {
    return content_send(session_id, g_random_int_range(1, G_MAXINT32));
}

std::string MeetingBridge::audio_send_description() {
    // Fed by the call's decoded audio as it arrives (media_stream_bridge.cpp), at its codec's
    // rate: nothing waits for a clock's tick, and no resampler holds back part of a packet (it
    // resamples only a rate Opus cannot take), so each caller's packet leaves as one of ours.
    return fmt::format(
        "{} ! audioconvert ! audioresample ! "
        "audio/x-raw,channels=2 ! opusenc name=audio_enc bitrate=48000 frame-size=20 ! "
        "rtpopuspay pt={}",
        EncodedChannel::src_description("audio_in", EncodedChannel::Media::Audio),
        kLinkAudioPayloadType);
}

core::Result<std::unique_ptr<MeetingBridge>> MeetingBridge::create(
    const std::string& session_id, const MeetingBridgeOptions& options, WebRtcLink::Poster post,
    WebRtcLink::Signal signal) {
    auto bridge = std::make_unique<MeetingBridge>(Key{});
    bridge->session_id_ = session_id;
    bridge->passthrough_ = options.passthrough;
    bridge->audio_passthrough_ = options.audio_passthrough;
    bridge->content_ = options.content;
    WebRtcLinkOptions link_options;
    link_options.video_send = video_send_description(session_id, options);
    link_options.audio_send = options.audio_passthrough
                                  ? audio_passthrough_link_send_description(kLinkAudioPayloadType)
                                  : audio_send_description();
    link_options.audio_caps = fmt::format(
        "application/x-rtp,media=audio,encoding-name=OPUS,payload={},clock-rate=48000,"
        "encoding-params=(string)2",
        kLinkAudioPayloadType);
    link_options.start_bitrate_kbps = options.bitrate_kbps;
    if (const auto& p = options.passthrough) {
        link_options.video_send = passthrough_link_send_description(*p, kLinkVideoPayloadType);
        link_options.video_caps = passthrough_link_caps(*p, kLinkVideoPayloadType);
        link_options.video_fmtp = passthrough_link_fmtp(*p);
        // What the page encodes goes to the caller as is: its limits are the page's limits.
        link_options.start_bitrate_kbps = std::min(options.bitrate_kbps, p->limits.bitrate_kbps);
        link_options.offer_extra["videoLimits"] = {{"width", p->limits.width},
                                                   {"height", p->limits.height},
                                                   {"fps", p->limits.fps},
                                                   {"bitrateKbps", p->limits.bitrate_kbps}};
    }
    MeetingBridge* self = bridge.get();
    if (options.content) {
        const uint32_t ssrc = g_random_int_range(1, G_MAXINT32);
        const auto& p = options.content_passthrough;
        bridge->content_passthrough_ = p;
        link_options.content_send = p ? content_passthrough_send(*p, ssrc, kLinkContentPayloadType)
                                      : content_send(session_id, ssrc);
        link_options.content_caps = content_caps(ssrc, p, kLinkContentPayloadType);
        link_options.content_fmtp = content_fmtp(p);
        link_options.content_incoming = [self](GstPad* pad) { self->on_content_incoming(pad); };
        link_options.content_payload_type = kLinkContentPayloadType;
    }
    auto link =
        WebRtcLink::create(link_options, std::move(post), std::move(signal),
                           [self](GstPad* pad, bool video) { self->on_incoming(pad, video); });
    if (!link) return link.error();
    bridge->link_ = std::move(*link);
    if (const auto& p = options.passthrough) {
        GstPtr<GstElement> in(gst_bin_get_by_name(GST_BIN(bridge->link_->pipeline()), "pt_in"));
        if (!in) return core::fail("webrtc link: passthrough source missing");
        bridge->to_page_ = EncodedChannel::get(passthrough_channel(session_id, true));
        bridge->from_page_ = EncodedChannel::get(passthrough_channel(session_id, false));
        bridge->to_page_->attach_consumer(in.get());
        spdlog::info(
            "media: sess={} bridge: video passthrough {} (no decode/encode) "
            "profile-level-id={} packetization-mode={}",
            session_id, p->codec, p->profile_level_id.empty() ? "-" : p->profile_level_id,
            p->single_nal ? 0 : 1);
    } else {
        bridge->count_encoded("enc", bridge->video_encoded_);
    }
    if (options.audio_passthrough) {
        GstPtr<GstElement> in(
            gst_bin_get_by_name(GST_BIN(bridge->link_->pipeline()), "pt_audio_in"));
        if (!in) return core::fail("webrtc link: audio passthrough source missing");
        constexpr auto kAudio = EncodedChannel::Media::Audio;
        bridge->audio_to_page_ =
            EncodedChannel::get(audio_passthrough_channel(session_id, true), kAudio);
        bridge->audio_from_page_ =
            EncodedChannel::get(audio_passthrough_channel(session_id, false), kAudio);
        bridge->audio_to_page_->attach_consumer(in.get());
        spdlog::info("media: sess={} bridge: audio passthrough opus (no decode/encode)",
                     session_id);
    } else {
        GstPtr<GstElement> in(gst_bin_get_by_name(GST_BIN(bridge->link_->pipeline()), "audio_in"));
        if (!in) return core::fail("webrtc link: audio source missing");
        bridge->pcm_to_page_ =
            EncodedChannel::get(bridge_channel(session_id, false, BridgeDirection::ToPage),
                                EncodedChannel::Media::Audio);
        bridge->pcm_to_page_->attach_consumer(in.get());
        bridge->count_encoded("audio_enc", bridge->audio_encoded_);
    }
    if (options.content) {
        if (auto st = bridge->start_content_track(""); !st) return st.error();
    }
    return bridge;
}

core::Status MeetingBridge::attach_content_source() {
    GstPtr<GstElement> in(gst_bin_get_by_name(GST_BIN(link_->pipeline()), "pt_content_in"));
    if (!in) return core::fail("webrtc link: content passthrough source missing");
    content_to_page_ =
        EncodedChannel::get(passthrough_channel(content_bridge_session(session_id_), true));
    content_to_page_->attach_consumer(in.get());
    return core::Ok{};
}

core::Status MeetingBridge::add_content(const std::optional<PassthroughVideo>& passthrough,
                                        const nlohmann::json& video_formats) {
    if (content_) return core::Ok{};
    content_passthrough_ = passthrough;
    // Numbered before the offer, as a link made with the track is (match_page_payload_type).
    unsigned pt = kLinkContentPayloadType;
    if (video_formats.is_array())
        pt = page_content_payload_type(parse_native_video_formats(video_formats)).value_or(pt);
    const uint32_t ssrc = g_random_int_range(1, G_MAXINT32);
    const std::string send = passthrough ? content_passthrough_send(*passthrough, ssrc, pt)
                                         : content_send(session_id_, ssrc, pt);
    if (auto st =
            link_->add_content(send, content_caps(ssrc, passthrough, pt), content_fmtp(passthrough),
                               pt, [this](GstPad* pad) { on_content_incoming(pad); });
        !st) {
        content_passthrough_.reset();
        return st;
    }
    content_ = true;
    content_payload_type_ = pt;
    return start_content_track(fmt::format(", added by renegotiation, payload type {}", pt));
}

core::Status MeetingBridge::start_content_track(const std::string& how) {
    if (content_passthrough_) {
        if (auto st = attach_content_source(); !st) return st;
        spdlog::info(
            "media: sess={} bridge: content track on the link (the room's {} passed through, no "
            "decode/encode; the meeting's share decoded here){}",
            session_id_, content_passthrough_->codec, how);
    } else {
        count_encoded("content_enc", content_encoded_);
        spdlog::info("media: sess={} bridge: content track on the link (VP8 both ways){}",
                     session_id_, how);
    }
    return core::Ok{};
}

core::Status MeetingBridge::set_video_payload_type(unsigned pt) {
    if (!passthrough_) return core::fail("no video passthrough on the link");
    if (auto st = renumber("pt_pay", pt); !st) return st;
    video_payload_type_ = pt;
    return core::Ok{};
}

core::Status MeetingBridge::set_content_payload_type(unsigned pt) {
    if (!content_) return core::fail("no content track on the link");
    if (auto st = renumber("content_pay", pt); !st) return st;
    content_payload_type_ = pt;
    link_->set_content_payload_type(pt);
    return core::Ok{};
}

core::Status MeetingBridge::renumber(const char* payloader, unsigned pt) {
    if (link_->offered()) return core::fail("the link was offered already");
    GstPtr<GstElement> pay(gst_bin_get_by_name(GST_BIN(link_->pipeline()), payloader));
    if (!pay) return core::fail(std::string("webrtc link: payloader ") + payloader + " missing");
    // webrtcbin offers the payload type of the caps on its sink pad: the filter after the
    // payloader holds them.
    GstPtr<GstPad> src(gst_element_get_static_pad(pay.get(), "src"));
    GstPtr<GstPad> peer(gst_pad_get_peer(src.get()));
    GstPtr<GstElement> filter(peer ? gst_pad_get_parent_element(peer.get()) : nullptr);
    if (!filter ||
        g_object_class_find_property(G_OBJECT_GET_CLASS(filter.get()), "caps") == nullptr)
        return core::fail("webrtc link: caps filter after the payloader missing");
    GstCaps* caps = nullptr;
    g_object_get(filter.get(), "caps", &caps, nullptr);
    if (caps == nullptr) return core::fail("webrtc link: payloader caps missing");
    caps = gst_caps_make_writable(caps);
    gst_caps_set_simple(caps, "payload", G_TYPE_INT, static_cast<int>(pt), nullptr);
    g_object_set(filter.get(), "caps", caps, nullptr);
    gst_caps_unref(caps);
    g_object_set(pay.get(), "pt", pt, nullptr);
    return core::Ok{};
}

void MeetingBridge::match_page_payload_type(const nlohmann::json& video_formats) {
    if (!video_formats.is_array()) return;
    const auto native = parse_native_video_formats(video_formats);
    match_page_video_payload_type(native);
    // After the main video: its number decides which the content track may take.
    match_page_content_payload_type(native);
}

void MeetingBridge::match_page_video_payload_type(const std::vector<NativeVideoFormat>& native) {
    if (!passthrough_) return;
    const auto pt = link_payload_type(*passthrough_, native);
    if (!pt) {
        spdlog::info(
            "media: sess={} bridge: the page has no payload type of its own for {} {}; the link "
            "keeps {}",
            session_id_, passthrough_->codec, passthrough_->profile_level_id, video_payload_type_);
        return;
    }
    if (*pt == video_payload_type_) return;
    if (auto st = set_video_payload_type(*pt); !st) {
        spdlog::warn("media: sess={} bridge: cannot renumber the link's video: {}", session_id_,
                     st.error().message);
        return;
    }
    spdlog::info("media: sess={} bridge: link video payload type {} (the page's own for {})",
                 session_id_, *pt, passthrough_->codec);
}

std::optional<unsigned> MeetingBridge::page_content_payload_type(
    const std::vector<NativeVideoFormat>& native) const {
    // The room's content leaves the page as the link's frames when the meeting's share sender
    // numbers the codec as the link does (forwarder.js), and a share whose offer comes from the
    // page uses the page's own number. Two bundled m-lines must not share a number (the page
    // would not know which line an unsignalled stream belongs to): with the main video already
    // on it (the same codec from or toward a caller) the content keeps its own and the page
    // re-encodes it.
    if (!content_passthrough_) return content_link_payload_type(native, video_payload_type_);
    auto pt = link_payload_type(*content_passthrough_, native);
    if (pt && *pt == video_payload_type_) return std::nullopt;
    return pt;
}

void MeetingBridge::match_page_content_payload_type(const std::vector<NativeVideoFormat>& native) {
    if (!content_) return;
    const auto pt = page_content_payload_type(native);
    if (!pt) {
        spdlog::info(
            "media: sess={} bridge: link content payload type {} (the page's own for {} is "
            "taken or unknown: the content is re-encoded by the page)",
            session_id_, content_payload_type_, content_codec());
        return;
    }
    if (*pt == content_payload_type_) return;
    if (auto st = set_content_payload_type(*pt); !st) {
        spdlog::warn("media: sess={} bridge: cannot renumber the link's content: {}", session_id_,
                     st.error().message);
        return;
    }
    spdlog::info("media: sess={} bridge: link content payload type {} (the page's own for {})",
                 session_id_, *pt, content_codec());
}

void MeetingBridge::count_encoded(const char* element, std::atomic<uint64_t>& counter) {
    GstPtr<GstElement> enc(gst_bin_get_by_name(GST_BIN(link_->pipeline()), element));
    if (!enc) return;
    GstPtr<GstPad> src(gst_element_get_static_pad(enc.get(), "src"));
    gst_pad_add_probe(
        src.get(), GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo*, gpointer data) -> GstPadProbeReturn {
            ++*static_cast<std::atomic<uint64_t>*>(data);
            return GST_PAD_PROBE_OK;
        },
        &counter, nullptr);
}

MeetingBridge::~MeetingBridge() {
    {
        std::lock_guard lock(incoming_mutex_);
        closing_ = true;
    }
    link_.reset();  // stops the pipeline (joins its threads) before the counters go
}

MeetingBridge::Stats MeetingBridge::stats() const {
    Stats s;
    s.audio_buffers_from_page = audio_decoded_.load();
    s.passthrough = passthrough_.has_value();
    if (from_page_) {
        s.video_frames_from_page = from_page_->frames();
    } else {
        s.video_frames_from_page = s.video_frames_decoded = video_frames_.load();
    }
    s.video_frames_encoded = video_encoded_.load();
    s.audio_passthrough = audio_passthrough_;
    if (audio_from_page_) s.audio_buffers_from_page = audio_from_page_->frames();
    if (audio_to_page_) s.audio_frames_to_page = audio_to_page_->frames();
    s.audio_frames_decoded = audio_decoded_.load();
    s.audio_frames_encoded = audio_encoded_.load();
    s.content_frames_encoded = content_encoded_.load();
    s.content_frames_decoded = content_decoded_.load();
    s.content_passthrough = content_passthrough_.has_value();
    if (content_to_page_) s.content_frames_to_page = content_to_page_->frames();
    return s;
}

bool MeetingBridge::attach_incoming(GstPad* pad, const std::string& description, bool video,
                                    const char* verb, const std::function<void(GstBin*)>& prepare) {
    const char* what = video ? "video" : "audio";
    GError* err = nullptr;
    GstElement* bin = gst_parse_bin_from_description(description.c_str(), TRUE, &err);
    if (bin == nullptr) {
        spdlog::warn("media: sess={} bridge: cannot {} the page's {}: {}", session_id_, verb, what,
                     err ? err->message : "unknown");
        g_clear_error(&err);
        return false;
    }
    g_clear_error(&err);
    prepare(GST_BIN(bin));
    gst_bin_add(GST_BIN(link_->pipeline()), bin);
    gst_element_sync_state_with_parent(bin);
    GstPtr<GstPad> sink(gst_element_get_static_pad(bin, "sink"));
    if (gst_pad_link(pad, sink.get()) != GST_PAD_LINK_OK) {
        spdlog::warn("media: sess={} bridge: cannot link the page's {}", session_id_, what);
        return false;
    }
    return true;
}

void MeetingBridge::forward_incoming(GstPad* pad, bool video) {
    if (video) {
        forward_incoming_video(pad);
        return;
    }
    const bool linked = attach_incoming(pad, audio_passthrough_link_receive_description(), false,
                                        "forward", [this](GstBin* bin) {
                                            GstPtr<GstElement> out(gst_bin_get_by_name(bin, "out"));
                                            audio_from_page_->attach_producer(out.get());
                                        });
    if (!linked) return;
    spdlog::info(
        "media: sess={} bridge: receiving the meeting's audio from the page (opus, forwarded "
        "without decoding)",
        session_id_);
}

namespace {

// A new request pad of the funnel in `bin`, ghosted on the bin as `name` and active.
GstPad* funnel_input(GstBin* bin, const std::string& name) {
    GstPtr<GstElement> funnel(gst_bin_get_by_name(bin, "in_funnel"));
    if (!funnel) return nullptr;
    GstPtr<GstPad> sink(gst_element_request_pad_simple(funnel.get(), "sink_%u"));
    if (!sink) return nullptr;
    GstPad* ghost = gst_ghost_pad_new(name.c_str(), sink.get());
    gst_pad_set_active(ghost, TRUE);
    gst_element_add_pad(GST_ELEMENT(bin), ghost);  // takes the floating reference
    return ghost;
}

}  // namespace

void MeetingBridge::forward_incoming_video(GstPad* pad) {
    std::lock_guard lock(video_in_mutex_);
    if (video_in_bin_ != nullptr) {
        // Another payload type on the video line (the meeting's number, add_meeting_payload_type):
        // into the same depayloader, whose caps follow the funnel's active input.
        GstPad* ghost =
            funnel_input(GST_BIN(video_in_bin_), "sink_" + std::to_string(video_in_pads_++));
        if (ghost == nullptr || gst_pad_link(pad, ghost) != GST_PAD_LINK_OK) {
            spdlog::warn("media: sess={} bridge: cannot link the page's video {}", session_id_,
                         GST_PAD_NAME(pad));
            return;
        }
        spdlog::info(
            "media: sess={} bridge: receiving the meeting's video from the page under a second "
            "payload type too ({})",
            session_id_, GST_PAD_NAME(pad));
        return;
    }
    const std::string desc =
        "funnel name=in_funnel ! " + passthrough_link_receive_description(*passthrough_);
    GstElement* made = nullptr;
    const bool linked = attach_incoming(pad, desc, true, "forward", [&](GstBin* bin) {
        GstPtr<GstElement> out(gst_bin_get_by_name(bin, "out"));
        from_page_->attach_producer(out.get());
        funnel_input(bin, "sink");
        made = GST_ELEMENT(bin);
    });
    if (!linked) return;
    video_in_bin_ = made;
    video_in_pads_ = 1;
    spdlog::info(
        "media: sess={} bridge: receiving the meeting's video from the page ({}, forwarded "
        "without decoding)",
        session_id_, passthrough_->codec);
}

core::Status MeetingBridge::add_meeting_payload_type(unsigned pt, const std::string& codec,
                                                     const std::string& fmtp) {
    if (!passthrough_) return core::fail("no video passthrough on the link");
    auto params = meeting_payload_type_fmtp(*passthrough_, pt, codec, fmtp, video_payload_type_,
                                            content_ ? content_payload_type_ : 0);
    if (!params) return core::fail("the caller cannot take it under that number");
    return link_->add_video_payload_type({pt, passthrough_->codec, std::move(*params)});
}

void MeetingBridge::on_content_incoming(GstPad* pad) {
    std::lock_guard lock(incoming_mutex_);
    if (closing_) return;
    // The meeting's share as the page sends it: decoded here, encoded for the content line by
    // the call's SIP side at that line's codec and size.
    // In the codec the link offered on that line (H.264 when the room's H.264 passes through).
    const std::string desc = video_decode_into(
        bridge_channel(content_bridge_session(session_id_), true, BridgeDirection::FromPage),
        content_codec());
    const bool linked =
        attach_incoming(pad, desc, true, "decode", count_decoded(&content_decoded_));
    if (!linked) return;
    spdlog::info("media: sess={} bridge: receiving the meeting's content track from the page",
                 session_id_);
}

void MeetingBridge::on_incoming(GstPad* pad, bool video) {
    std::lock_guard lock(incoming_mutex_);
    if (closing_) return;
    if ((video && passthrough_) || (!video && audio_passthrough_)) {
        forward_incoming(pad, video);
        return;
    }
    // The page sends what we offered: VP8 and Opus.
    const std::string channel = bridge_channel(session_id_, video, BridgeDirection::FromPage);
    const std::string desc =
        video ? video_decode_into(channel)
              : "queue ! rtpopusdepay ! opusdec name=dec plc=true ! audioconvert ! audioresample "
                "! audio/x-raw,rate=48000,channels=1 ! interaudiosink sync=false async=false "
                "channel=" +
                    channel;
    const bool linked = attach_incoming(pad, desc, video, "decode",
                                        count_decoded(video ? &video_frames_ : &audio_decoded_));
    if (!linked) return;
    spdlog::info("media: sess={} bridge: receiving the meeting's {} from the page", session_id_,
                 video ? "video" : "audio");
}

}  // namespace media
