#include "far_end.hpp"

#include "media/rtp_sockets.hpp"

#include <gst/app/gstappsink.h>

#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>
#include <algorithm>

#include <fmt/format.h>
#include <cmath>

namespace media_test {

namespace {

constexpr uint32_t kFarVideoSsrcBase = 0x11220000;
constexpr uint32_t kFarAudioSsrcBase = 0x55660000;

struct AudioCodecInfo {
    uint8_t pt;
    uint32_t clock;
    uint32_t sample_rate;
    const char* encode;
    const char* decode;
    const char* encoding_name;
};

AudioCodecInfo audio_info(const std::string& name) {
    if (name == "G722")
        return {9, 8000, 16000, "avenc_g722 ! rtpg722pay", "rtpg722depay ! avdec_g722", "G722"};
    if (name == "PCMA")
        return {8, 8000, 8000, "alawenc ! rtppcmapay", "rtppcmadepay ! alawdec", "PCMA"};
    if (name == "opus")
        return {111, 48000, 48000, "opusenc ! rtpopuspay", "rtpopusdepay ! opusdec", "OPUS"};
    return {0, 8000, 8000, "mulawenc ! rtppcmupay", "rtppcmudepay ! mulawdec", "PCMU"};
}

void put32(std::vector<uint8_t>& v, uint32_t x) {
    for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<uint8_t>(x >> s));
}

}  // namespace

FarEnd::FarEnd(FarEndOptions options) : o_(std::move(options)) {
    // Each far end is its own device: its own SSRCs (derived from its ports below).
    auto bind = [](media::GObjectPtr<GSocket>& s) {
        s = std::move(media::bind_udp("127.0.0.1", 0).value());
    };
    bind(audio_rtp_);
    bind(audio_rtcp_);
    bind(video_rtp_);
    bind(video_rtcp_);
    for (int tries = 0; o_.adjacent_rtcp && tries < 100; ++tries) {
        const auto rtp_port = media::local_port(video_rtp_.get());
        if (rtp_port < 65535) {
            if (auto next = media::bind_udp("127.0.0.1", static_cast<uint16_t>(rtp_port + 1))) {
                video_rtcp_ = std::move(next.value());
                break;
            }
        }
        bind(video_rtp_);
    }
    audio_ssrc_ = kFarAudioSsrcBase + media::local_port(audio_rtp_.get());
    video_ssrc_ = kFarVideoSsrcBase + media::local_port(video_rtp_.get());
}

FarEnd::~FarEnd() {
    if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
}

uint16_t FarEnd::audio_rtp_port() const {
    return media::local_port(audio_rtp_.get());
}
uint16_t FarEnd::video_rtp_port() const {
    return media::local_port(video_rtp_.get());
}

sip::NegotiatedMedia FarEnd::negotiated(const sip::LocalMediaPorts& gw) const {
    sip::NegotiatedMedia m;
    if (!o_.audio_codec.empty()) {
        auto info = audio_info(o_.audio_codec);
        sip::NegotiatedStream a;
        a.kind = sip::MediaKind::Audio;
        a.remote_address = "127.0.0.1";
        a.remote_rtp_port = media::local_port(audio_rtp_.get());
        a.remote_rtcp_port = media::local_port(audio_rtcp_.get());
        a.local_rtp_port = gw.audio_rtp;
        a.local_rtcp_port = gw.audio_rtcp;
        a.codec.name = o_.audio_codec;
        a.codec.payload_type = info.pt;
        a.codec.clock_rate = info.clock;
        a.codec.channels = o_.audio_codec == "opus" ? 2 : 1;
        sip::Codec te;
        te.name = "telephone-event";
        te.payload_type = o_.telephone_event_pt;
        te.clock_rate = o_.telephone_event_rate;
        a.telephone_event = te;
        m.audio = a;
    }
    if (!o_.video_codec.empty()) {
        sip::NegotiatedStream v;
        v.kind = sip::MediaKind::Video;
        v.remote_address = "127.0.0.1";
        v.remote_rtp_port = media::local_port(video_rtp_.get());
        v.remote_rtcp_port = media::local_port(video_rtcp_.get());
        v.local_rtp_port = gw.video_rtp;
        v.local_rtcp_port = gw.video_rtcp;
        v.codec.name = o_.video_codec;
        v.codec.payload_type = o_.video_codec == "H264" ? 96 : 97;
        v.codec.clock_rate = 90000;
        if (o_.video_codec == "H264") {
            v.codec.remote_params["profile-level-id"] = "42e01f";
            v.codec.remote_params["packetization-mode"] = o_.h264_mode1 ? "1" : "0";
        }
        if (o_.rtcp_mux) {
            v.rtcp_mux = true;
            v.remote_rtcp_port = v.remote_rtp_port;
        }
        v.feedback.nack = o_.pli;
        v.feedback.pli = o_.pli;
        v.feedback.fir = o_.fir;
        m.video = v;
    }
    return m;
}

core::Status FarEnd::start(const sip::LocalMediaPorts& gw) {
    gw_ = gw;
    std::string desc;
    if (!o_.audio_codec.empty()) {
        auto i = audio_info(o_.audio_codec);
        if (o_.send_media) {
            desc += fmt::format(
                "audiotestsrc is-live=true wave=sine freq={} volume=0.4 samplesperbuffer={} ! "
                "audio/x-raw,rate={},channels=1 ! audioconvert ! audioresample ! {} pt={} ssrc={} "
                "! "
                "udpsink name=a_out host=127.0.0.1 port={} sync=false async=false ",
                o_.tone_hz, i.sample_rate / 50, i.sample_rate, i.encode, i.pt, audio_ssrc_,
                gw.audio_rtp);
        }
        desc += fmt::format(
            "udpsrc name=a_in caps=\"application/x-rtp,media=audio,clock-rate={},encoding-name={},"
            "payload={}{}\" ! rtpjitterbuffer latency=50 ! {} ! audioconvert ! audioresample ! "
            "audio/x-raw,format=S16LE,rate=16000,channels=1 ! appsink name=a_sink sync=false "
            "emit-signals=true ",
            i.clock, i.encoding_name, i.pt,
            o_.audio_codec == "opus" ? ",encoding-params=(string)2" : "", i.decode);
    }
    if (!o_.video_codec.empty()) {
        const bool h264 = o_.video_codec == "H264";
        const unsigned pt = h264 ? 96 : 97;
        if (o_.send_media) {
            desc += fmt::format(
                "videotestsrc is-live=true pattern=ball ! "
                "video/x-raw,width=320,height=240,framerate=15/1 ! {} ! {} pt={} ssrc={} ! "
                "udpsink name=v_out host=127.0.0.1 port={} sync=false async=false ",
                fmt::format(fmt::runtime(h264 ? "x264enc name=v_enc tune=zerolatency "
                                                "speed-preset=ultrafast threads=1 "
                                                "key-int-max={} bitrate=400"
                                              : "vp8enc name=v_enc deadline=1 cpu-used=8 "
                                                "threads=1 keyframe-max-dist={} "
                                                "target-bitrate=400000"),
                            o_.lose_first_keyframe || o_.single_keyframe ? 100000 : 30),
                // A single keyframe: SPS and PPS only as the encoder put them in front of it,
                // so they are the first two packets (what a NATed peer's learning must keep).
                h264 ? (o_.single_keyframe ? "rtph264pay config-interval=0"
                                           : "rtph264pay config-interval=-1")
                     : "rtpvp8pay",
                pt, video_ssrc_, gw.video_rtp);
        }
        desc += fmt::format(
            "udpsrc name=v_in caps=\"application/x-rtp,media=video,clock-rate=90000,"
            "encoding-name={},payload={}\" ! rtpjitterbuffer latency=50 ! {} ! videoconvert ! "
            "video/x-raw,format=I420 ! appsink name=v_sink sync=false emit-signals=true ",
            o_.video_codec, pt, h264 ? "rtph264depay ! avdec_h264" : "rtpvp8depay ! vp8dec");
    }
    auto parsed = parse_pipeline(desc);
    if (!parsed) return core::fail("far end: " + parsed.error().message);
    pipeline_ = std::move(*parsed);
    GstElement* p = pipeline_.get();
    auto by_name = [&](const char* n) {
        return media::GstPtr<GstElement>(gst_bin_get_by_name(GST_BIN(p), n));
    };
    if (auto e = by_name("a_out"))
        g_object_set(e.get(), "socket", audio_rtp_.get(), "close-socket", FALSE, nullptr);
    if (auto e = by_name("a_in")) {
        g_object_set(e.get(), "socket", audio_rtp_.get(), "close-socket", FALSE, nullptr);
        media::GstPtr<GstPad> pad(gst_element_get_static_pad(e.get(), "src"));
        gst_pad_add_probe(pad.get(), GST_PAD_PROBE_TYPE_BUFFER, &FarEnd::on_audio_rtp, this,
                          nullptr);
    }
    if (auto e = by_name("v_out")) {
        g_object_set(e.get(), "socket", video_rtp_.get(), "close-socket", FALSE, nullptr);
        if (o_.lose_first_keyframe) {
            media::GstPtr<GstPad> pad(gst_element_get_static_pad(e.get(), "sink"));
            gst_pad_add_probe(pad.get(), GST_PAD_PROBE_TYPE_BUFFER, &FarEnd::on_video_out, this,
                              nullptr);
        }
    }
    if (auto e = by_name("v_in")) {
        g_object_set(e.get(), "socket", video_rtp_.get(), "close-socket", FALSE, nullptr);
        media::GstPtr<GstPad> pad(gst_element_get_static_pad(e.get(), "src"));
        gst_pad_add_probe(pad.get(), GST_PAD_PROBE_TYPE_BUFFER, &FarEnd::on_video_rtp, this,
                          nullptr);
    }
    if (auto e = by_name("a_sink")) audio_.attach(e.get());
    if (auto e = by_name("v_sink"))
        g_signal_connect(e.get(), "new-sample", G_CALLBACK(&FarEnd::on_video_sample), this);
    if (gst_element_set_state(p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        return core::fail("far end: pipeline does not start");
    }
    return core::Ok{};
}

GstFlowReturn FarEnd::on_video_sample(GstElement* sink, gpointer data) {
    auto* self = static_cast<FarEnd*>(data);
    GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
    if (sample == nullptr) return GST_FLOW_OK;
    GstStructure* s = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
    std::lock_guard lock(self->mutex_);
    gst_structure_get_int(s, "width", &self->width_);
    gst_structure_get_int(s, "height", &self->height_);
    self->frames_++;
    {
        // I420: the first width*height bytes (row stride rounded to 4) are the luma plane.
        GstBuffer* buffer = gst_sample_get_buffer(sample);
        GstMapInfo map;
        if (buffer != nullptr && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
            const size_t stride = (static_cast<size_t>(self->width_) + 3) & ~size_t{3};
            int lo = 255, hi = 0;
            for (int y = 0; y < self->height_; ++y) {
                for (int x = 0; x < self->width_; ++x) {
                    const size_t i = static_cast<size_t>(y) * stride + static_cast<size_t>(x);
                    if (i >= map.size) break;
                    lo = std::min<int>(lo, map.data[i]);
                    hi = std::max<int>(hi, map.data[i]);
                }
            }
            self->luma_range_ = hi >= lo ? hi - lo : 0;
            gst_buffer_unmap(buffer, &map);
        }
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

GstPadProbeReturn FarEnd::on_audio_rtp(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<FarEnd*>(data);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ, &rtp))
        return GST_PAD_PROBE_OK;
    const uint32_t ssrc = gst_rtp_buffer_get_ssrc(&rtp);
    // With rtcp-mux, RTCP shares the socket: its packet types read as payload types 64-95.
    const guint8 pt = gst_rtp_buffer_get_payload_type(&rtp);
    gst_rtp_buffer_unmap(&rtp);
    if (pt >= 64 && pt <= 95) return GST_PAD_PROBE_OK;
    std::lock_guard lock(self->mutex_);
    self->gateway_audio_ssrcs_.insert(ssrc);
    return GST_PAD_PROBE_OK;
}

std::set<uint32_t> FarEnd::gateway_audio_ssrcs() const {
    std::lock_guard lock(mutex_);
    return gateway_audio_ssrcs_;
}

std::set<uint32_t> FarEnd::gateway_video_ssrcs() const {
    std::lock_guard lock(mutex_);
    return gateway_video_ssrcs_;
}

GstPadProbeReturn FarEnd::on_video_rtp(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<FarEnd*>(data);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ, &rtp)) {
        return GST_PAD_PROBE_OK;
    }
    const auto* p = static_cast<const uint8_t*>(gst_rtp_buffer_get_payload(&rtp));
    const guint n = gst_rtp_buffer_get_payload_len(&rtp);
    const uint32_t ts = gst_rtp_buffer_get_timestamp(&rtp);
    std::lock_guard lock(self->mutex_);
    self->gateway_video_ssrc_ = gst_rtp_buffer_get_ssrc(&rtp);
    self->gateway_video_ssrcs_.insert(self->gateway_video_ssrc_);
    bool key = false;
    if (self->o_.video_codec == "H264" && n >= 1) {
        const int type = p[0] & 0x1f;
        if (type == 28) self->fu_a_++;
        if (type == 24) self->stap_a_++;
        key =
            type == 5 || type == 7 || (type == 28 && n >= 2 && (p[1] & 0x80) && (p[1] & 0x1f) == 5);
    } else if (n >= 1) {
        // RFC 7741 payload descriptor, then the VP8 header's P bit (0 = keyframe).
        guint off = 1;
        const bool start = (p[0] & 0x10) && (p[0] & 0x07) == 0;
        if (p[0] & 0x80) {
            const uint8_t x = n > 1 ? p[1] : 0;
            off = 2;
            if (x & 0x80) off += (n > off && (p[off] & 0x80)) ? 2 : 1;
            if (x & 0x40) off += 1;
            if (x & 0x30) off += 1;
        }
        key = start && n > off && (p[off] & 0x01) == 0;
    }
    if (key && !(self->seen_keyframe_ && ts == self->last_keyframe_ts_)) {
        self->seen_keyframe_ = true;
        self->last_keyframe_ts_ = ts;
        self->keyframes_++;
        self->last_keyframe_us_ = g_get_monotonic_time();
    }
    gst_rtp_buffer_unmap(&rtp);
    return GST_PAD_PROBE_OK;
}

// Drops every packet of the first frame (the only keyframe until someone asks for another).
GstPadProbeReturn FarEnd::on_video_out(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<FarEnd*>(data);
    if (self->first_keyframe_lost_) return GST_PAD_PROBE_OK;
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ, &rtp)) {
        return GST_PAD_PROBE_DROP;
    }
    const bool marker = gst_rtp_buffer_get_marker(&rtp);
    gst_rtp_buffer_unmap(&rtp);
    self->dropped_keyframe_packets_++;
    if (marker) self->first_keyframe_lost_ = true;  // last packet of the frame
    return GST_PAD_PROBE_DROP;
}

bool FarEnd::answer_pli() {
    if (pli_received_ <= plis_answered_) return false;
    plis_answered_ = pli_received_;
    media::GstPtr<GstElement> enc(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "v_enc"));
    if (!enc) return false;
    media::GstPtr<GstPad> src(gst_element_get_static_pad(enc.get(), "src"));
    gst_pad_send_event(src.get(),
                       gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    return true;
}

std::vector<int16_t> FarEnd::audio_samples() const {
    return audio_.samples();
}
size_t FarEnd::audio_sample_count() const {
    return audio_.size();
}
int FarEnd::video_frames() const {
    std::lock_guard lock(mutex_);
    return frames_;
}
int FarEnd::luma_range() const {
    std::lock_guard lock(mutex_);
    return luma_range_;
}
int FarEnd::video_width() const {
    std::lock_guard lock(mutex_);
    return width_;
}
int FarEnd::video_height() const {
    std::lock_guard lock(mutex_);
    return height_;
}
int FarEnd::fu_a_packets() const {
    std::lock_guard lock(mutex_);
    return fu_a_;
}
int FarEnd::stap_a_packets() const {
    std::lock_guard lock(mutex_);
    return stap_a_;
}
int FarEnd::keyframes_received() const {
    std::lock_guard lock(mutex_);
    return keyframes_;
}
int64_t FarEnd::last_keyframe_us() const {
    std::lock_guard lock(mutex_);
    return last_keyframe_us_;
}

void FarEnd::poll_rtcp() {
    uint8_t buf[2048];
    for (;;) {
        const gssize n = g_socket_receive_with_blocking(
            video_rtcp_.get(), reinterpret_cast<gchar*>(buf), sizeof buf, FALSE, nullptr, nullptr);
        if (n <= 0) return;
        rtcp_packets_++;
        gssize off = 0;
        while (off + 4 <= n) {
            const uint8_t fmt = buf[off] & 0x1f;
            const uint8_t pt = buf[off + 1];
            const gssize len = (((buf[off + 2] << 8) | buf[off + 3]) + 1) * 4;
            if (pt == 206 && fmt == 1) pli_received_++;
            if (pt == 206 && fmt == 4) fir_received_++;
            off += len;
        }
    }
}

void FarEnd::send_to(GSocket* socket, uint16_t port, const std::vector<uint8_t>& packet) {
    media::GObjectPtr<GInetAddress> a(g_inet_address_new_from_string("127.0.0.1"));
    media::GObjectPtr<GSocketAddress> sa(g_inet_socket_address_new(a.get(), port));
    g_socket_send_to(socket, sa.get(), reinterpret_cast<const gchar*>(packet.data()), packet.size(),
                     nullptr, nullptr);
}

void FarEnd::send_pli() {
    uint32_t media_ssrc = 0;
    {
        std::lock_guard lock(mutex_);
        media_ssrc = gateway_video_ssrc_;
    }
    // Compound RTCP (RFC 4585 §6.3.1): an empty RR, then PSFB FMT=1 (PLI).
    std::vector<uint8_t> p{0x80, 201, 0x00, 0x01};
    put32(p, video_ssrc_);
    p.insert(p.end(), {0x81, 206, 0x00, 0x02});
    put32(p, video_ssrc_);
    put32(p, media_ssrc);
    if (o_.rtcp_mux) {
        send_to(video_rtp_.get(), gw_.video_rtp, p);
    } else {
        send_to(video_rtcp_.get(), gw_.video_rtcp, p);
    }
}

void FarEnd::send_dtmf(char digit, uint32_t ts) {
    uint8_t event = 0;
    if (digit >= '0' && digit <= '9') event = static_cast<uint8_t>(digit - '0');
    if (digit == '*') event = 10;
    if (digit == '#') event = 11;
    auto packet = [&](bool marker, bool end, uint16_t duration) {
        std::vector<uint8_t> p{0x80,
                               static_cast<uint8_t>((marker ? 0x80 : 0) | o_.telephone_event_pt)};
        p.push_back(static_cast<uint8_t>(dtmf_seq_ >> 8));
        p.push_back(static_cast<uint8_t>(dtmf_seq_ & 0xff));
        dtmf_seq_++;
        put32(p, ts);
        put32(p, audio_ssrc_ + 1);
        p.insert(p.end(), {event, static_cast<uint8_t>((end ? 0x80 : 0) | 10),
                           static_cast<uint8_t>(duration >> 8), static_cast<uint8_t>(duration)});
        send_to(audio_rtp_.get(), gw_.audio_rtp, p);
    };
    const uint16_t step = static_cast<uint16_t>(o_.telephone_event_rate / 50);
    for (int i = 1; i <= 4; ++i) packet(i == 1, false, static_cast<uint16_t>(step * i));
    for (int i = 0; i < 3; ++i) packet(false, true, static_cast<uint16_t>(step * 5));
}

}  // namespace media_test
