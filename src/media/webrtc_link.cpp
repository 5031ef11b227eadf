#include "media/webrtc_link.hpp"

#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>
#include <vector>

namespace media {

namespace {

// Owned GLib/GStreamer references released at scope end.
struct GstUnref {
    void operator()(gpointer p) const noexcept {
        if (p != nullptr) gst_object_unref(p);
    }
};
template <class T>
using GstRef = std::unique_ptr<T, GstUnref>;
struct GObjectUnref {
    void operator()(gpointer p) const noexcept {
        if (p != nullptr) g_object_unref(p);
    }
};
struct GFree {
    void operator()(gpointer p) const noexcept { g_free(p); }
};
struct CapsUnref {
    void operator()(GstCaps* p) const noexcept {
        if (p != nullptr) gst_caps_unref(p);
    }
};
struct PromiseUnref {
    void operator()(GstPromise* p) const noexcept { gst_promise_unref(p); }
};

// A transceiver's codecs set in advance: the offer is made without waiting for its branch's
// first buffer to bring caps to webrtcbin.
void prefer_codecs(gpointer transceiver, const std::string& caps) {
    std::unique_ptr<GstCaps, CapsUnref> parsed(gst_caps_from_string(caps.c_str()));
    if (parsed) g_object_set(transceiver, "codec-preferences", parsed.get(), nullptr);
}

std::string sdp_text(const GstSDPMessage* sdp) {
    std::unique_ptr<gchar, GFree> text(gst_sdp_message_as_text(sdp));
    return text ? std::string(text.get()) : std::string();
}

// The SDP's lines without their CRLF endings.
std::vector<std::string> sdp_lines(const std::string& sdp) {
    std::vector<std::string> lines;
    std::istringstream in(sdp);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(line);
    }
    return lines;
}

}  // namespace

bool WebRtcLink::loopback_candidate(const std::string& candidate) {
    // candidate:<foundation> <component> <transport> <priority> <address> <port> typ ...
    std::istringstream in(candidate);
    std::string field;
    for (int i = 0; i < 5 && (in >> field); ++i) {
    }
    return field.rfind("127.", 0) == 0;
}

std::string WebRtcLink::keep_loopback_candidates(const std::string& sdp) {
    std::istringstream in(sdp);
    std::string out;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("a=candidate:", 0) == 0 && !loopback_candidate(line.substr(2))) continue;
        out += line + "\r\n";
    }
    return out;
}

std::string WebRtcLink::with_start_bitrate(const std::string& sdp) const {
    std::string out = with_fmtp(sdp, 0, options_.video_fmtp, options_.start_bitrate_kbps);
    {
        std::lock_guard lock(extra_mutex_);
        out = with_extra_video_payload_types(out, extra_video_);
    }
    if (options_.content_send.empty()) return out;
    return with_fmtp(out, 1, options_.content_fmtp, options_.start_bitrate_kbps);
}

std::string WebRtcLink::with_fmtp(const std::string& sdp, size_t index,
                                  const std::map<std::string, std::string>& forced,
                                  uint32_t bitrate_kbps) {
    // On the fmtp of our video payload type (one payload type must not have two fmtp lines):
    // the forced parameters, then x-google-*-bitrate, which Chrome reads from the remote
    // description for its own sender.
    std::vector<std::string> lines = sdp_lines(sdp);
    std::string video_pt;
    bool video = false;
    size_t video_lines = 0;
    for (const auto& line : lines) {
        if (line.rfind("m=", 0) == 0) {
            video = line.rfind("m=video", 0) == 0 && video_lines++ == index;
        }
        if (video && video_pt.empty() && line.rfind("a=rtpmap:", 0) == 0 &&
            (line.find(" VP8/") != std::string::npos || line.find(" H264/") != std::string::npos))
            video_pt = line.substr(9, line.find(' ') - 9);
    }
    if (video_pt.empty()) return sdp;
    const std::string fmtp = "a=fmtp:" + video_pt + " ";
    auto merged = [&](const std::string& existing) {
        std::vector<std::pair<std::string, std::string>> params;
        std::istringstream in(existing);
        std::string item;
        while (std::getline(in, item, ';')) {
            const auto eq = item.find('=');
            const std::string key = item.substr(0, eq);
            if (key.empty() || forced.contains(key)) continue;
            params.emplace_back(key, eq == std::string::npos ? "" : item.substr(eq + 1));
        }
        for (const auto& [k, v] : forced) params.emplace_back(k, v);
        if (bitrate_kbps != 0) {
            const std::string kbps = std::to_string(bitrate_kbps);
            for (const char* k :
                 {"x-google-start-bitrate", "x-google-min-bitrate", "x-google-max-bitrate"})
                params.emplace_back(k, kbps);
        }
        std::string out;
        for (const auto& [k, v] : params) out += (out.empty() ? "" : ";") + k + "=" + v;
        return out;
    };
    bool has_fmtp = false;
    for (const auto& line : lines) has_fmtp = has_fmtp || line.rfind(fmtp, 0) == 0;
    std::string out;
    for (const auto& line : lines) {
        if (line.rfind(fmtp, 0) == 0) {
            const std::string params = merged(line.substr(fmtp.size()));
            if (!params.empty()) out += fmtp + params + "\r\n";
            continue;
        }
        out += line + "\r\n";
        if (!has_fmtp && line.rfind("a=rtpmap:" + video_pt + " ", 0) == 0) {
            const std::string params = merged("");
            if (!params.empty()) out += fmtp + params + "\r\n";
        }
    }
    return out;
}

std::string WebRtcLink::with_extra_video_payload_types(
    const std::string& sdp, const std::vector<ExtraVideoPayloadType>& extra) {
    if (extra.empty()) return sdp;
    std::vector<std::string> lines = sdp_lines(sdp);
    // Every number of every m-line: bundled m-lines must not share one.
    std::vector<std::string> used;
    size_t video = lines.size();  // the first m=video line
    size_t end = lines.size();    // the line after its section
    for (size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind("m=", 0) != 0) continue;
        if (video != lines.size() && end == lines.size()) end = i;
        std::istringstream fields(lines[i]);
        std::string f;
        for (int n = 0; fields >> f; ++n)
            if (n >= 3) used.push_back(f);
        if (video == lines.size() && lines[i].rfind("m=video ", 0) == 0) video = i;
    }
    if (video == lines.size()) return sdp;
    std::istringstream fields(lines[video]);
    std::string first;
    for (int n = 0; n < 4 && (fields >> first); ++n) {
    }
    std::vector<std::string> feedback;  // "a=rtcp-fb:<first> " suffixes
    const std::string fb = "a=rtcp-fb:" + first + " ";
    for (size_t i = video; i < end; ++i)
        if (lines[i].rfind(fb, 0) == 0) feedback.push_back(lines[i].substr(fb.size()));
    std::vector<std::string> added;
    for (const auto& e : extra) {
        const std::string pt = std::to_string(e.payload_type);
        if (std::find(used.begin(), used.end(), pt) != used.end()) continue;
        used.push_back(pt);
        lines[video] += " " + pt;
        added.push_back("a=rtpmap:" + pt + " " + e.encoding + "/90000");
        std::string params;
        for (const auto& [k, v] : e.fmtp) params += (params.empty() ? "" : ";") + k + "=" + v;
        if (!params.empty()) added.push_back("a=fmtp:" + pt + " " + params);
        for (const auto& f : feedback) added.push_back("a=rtcp-fb:" + pt + " " + f);
    }
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(end), added.begin(), added.end());
    std::string out;
    for (const auto& line : lines) out += line + "\r\n";
    return out;
}

core::Status WebRtcLink::add_video_payload_type(ExtraVideoPayloadType extra) {
    if (!offered_ || !answered_) return core::fail("the link's offer is not answered yet");
    GstWebRTCSignalingState signaling = GST_WEBRTC_SIGNALING_STATE_STABLE;
    g_object_get(webrtc_, "signaling-state", &signaling, nullptr);
    if (signaling != GST_WEBRTC_SIGNALING_STATE_STABLE)
        return core::fail("the link is negotiating");
    {
        std::lock_guard lock(extra_mutex_);
        for (const auto& e : extra_video_)
            if (e.payload_type == extra.payload_type) return core::fail("listed already");
        extra_video_.push_back(std::move(extra));
    }
    answered_ = false;
    create_offer();
    return core::Ok{};
}

core::Result<std::unique_ptr<WebRtcLink>> WebRtcLink::create(const WebRtcLinkOptions& options,
                                                             Poster post, Signal signal,
                                                             Incoming incoming) {
    if (!gst_is_initialized()) gst_init(nullptr, nullptr);
    auto link = std::make_unique<WebRtcLink>(Key{});
    link->options_ = options;
    link->post_ = std::move(post);
    link->signal_ = std::move(signal);
    link->incoming_ = std::move(incoming);

    const std::string description =
        "webrtcbin name=webrtc bundle-policy=max-bundle latency=" +
        std::to_string(options.latency_ms) + " " + options.video_send + " ! " + options.video_caps +
        " ! webrtc. " + options.audio_send + " ! " + options.audio_caps + " ! webrtc." +
        (options.content_send.empty()
             ? std::string()
             : " " + options.content_send + " ! " + options.content_caps + " ! webrtc.");
    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
    if (error != nullptr) {
        std::string what = error->message;
        g_error_free(error);
        if (pipeline != nullptr) gst_object_unref(pipeline);
        return core::fail("webrtc link pipeline: " + what);
    }
    link->pipeline_ = pipeline;
    link->webrtc_ = gst_bin_get_by_name(GST_BIN(pipeline), "webrtc");
    gst_object_unref(link->webrtc_);  // the pipeline keeps it alive

    if (auto st = link->restrict_ice_to_loopback(); !st) return st.error();

    // Both directions on each transceiver: the page's output comes back on them.
    GstIterator* it = gst_element_iterate_sink_pads(link->webrtc_);
    GValue item = G_VALUE_INIT;
    while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
        auto* pad = GST_PAD(g_value_get_object(&item));
        GstWebRTCRTPTransceiver* trans = nullptr;
        g_object_get(pad, "transceiver", &trans, nullptr);
        if (trans != nullptr) {
            g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV,
                         nullptr);
            // The launch line links video, audio, then content: sink_0, sink_1, sink_2.
            const std::string name = GST_PAD_NAME(pad);
            if (!options.content_send.empty() && name == "sink_" + std::to_string(kContentMLine))
                link->prefer_content_caps(GST_OBJECT(trans));
            // The caller's audio reaches the link only once the caller sends some (a muted room
            // may send none).
            if (name == "sink_" + std::to_string(kAudioMLine))
                prefer_codecs(trans, options.audio_caps);
            gst_object_unref(trans);
        }
        g_value_reset(&item);
    }
    g_value_unset(&item);
    gst_iterator_free(it);

    WebRtcLink* self = link.get();
    g_signal_connect(link->webrtc_, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed),
                     self);
    g_signal_connect(link->webrtc_, "on-ice-candidate", G_CALLBACK(on_ice_candidate), self);
    g_signal_connect(link->webrtc_, "pad-added", G_CALLBACK(on_pad_added), self);
    // webrtcbin 1.22 maps the page's payload types from our own offer only, which never has
    // the extra numbers (add_video_payload_type() adds them to the text the page gets): without
    // caps for them rtpbin drops those packets. Its pt-map signal stops at the first handler
    // that answers, and webrtcbin's, connected first, answers nothing for these.
    link->rtpbin_ = gst_bin_get_by_name(GST_BIN(link->webrtc_), "rtpbin");
    if (link->rtpbin_ != nullptr) {
        gst_object_unref(link->rtpbin_);  // webrtcbin keeps it alive
        g_signal_connect(link->rtpbin_, "request-pt-map", G_CALLBACK(on_request_pt_map), self);
    } else {
        spdlog::warn("media: webrtc link: webrtcbin has no element named rtpbin");
    }
    GstRef<GstBus> bus(gst_element_get_bus(pipeline));
    gst_bus_set_sync_handler(bus.get(), on_bus, self, nullptr);
    return link;
}

WebRtcLink::~WebRtcLink() {
    *alive_ = false;
    if (pipeline_ == nullptr) return;
    // NULL joins the streaming threads; afterwards no callback can reach us.
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    g_signal_handlers_disconnect_by_data(webrtc_, this);
    if (rtpbin_ != nullptr) g_signal_handlers_disconnect_by_data(rtpbin_, this);
    GstRef<GstBus> bus(gst_element_get_bus(pipeline_));
    gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
    gst_object_unref(pipeline_);
}

core::Status WebRtcLink::restrict_ice_to_loopback() {
    GstWebRTCICE* ice = nullptr;
    g_object_get(webrtc_, "ice-agent", &ice, nullptr);
    if (ice == nullptr) return core::fail("webrtc link: webrtcbin has no ICE agent");
    GstRef<GstWebRTCICE> ice_ref(ice);
    // ICE-TCP would only add candidates Chrome never pairs on loopback.
    g_object_set(ice, "ice-tcp", FALSE, nullptr);
    NiceAgent* agent = nullptr;
    g_object_get(ice, "agent", &agent, nullptr);
    if (agent == nullptr) return core::fail("webrtc link: the ICE agent is not libnice");
    std::unique_ptr<NiceAgent, GObjectUnref> agent_ref(agent);
    // With an explicit local address libnice gathers on it alone (else on every interface).
    NiceAddress* addr = nice_address_new();
    nice_address_set_from_string(addr, "127.0.0.1");
    const gboolean ok = nice_agent_add_local_address(agent, addr);
    nice_address_free(addr);
    if (!ok) return core::fail("webrtc link: cannot restrict ICE to 127.0.0.1");
    return core::Ok{};
}

core::Status WebRtcLink::start() {
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        return core::fail("webrtc link: pipeline does not start");
    return core::Ok{};
}

std::string WebRtcLink::ice_state() const {
    GstWebRTCICEConnectionState state = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
    g_object_get(webrtc_, "ice-connection-state", &state, nullptr);
    switch (state) {
        case GST_WEBRTC_ICE_CONNECTION_STATE_NEW:
            return "new";
        case GST_WEBRTC_ICE_CONNECTION_STATE_CHECKING:
            return "checking";
        case GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED:
            return "connected";
        case GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED:
            return "completed";
        case GST_WEBRTC_ICE_CONNECTION_STATE_FAILED:
            return "failed";
        case GST_WEBRTC_ICE_CONNECTION_STATE_DISCONNECTED:
            return "disconnected";
        case GST_WEBRTC_ICE_CONNECTION_STATE_CLOSED:
            return "closed";
    }
    return "unknown";
}

void WebRtcLink::post_signal(nlohmann::json message) {
    std::weak_ptr<bool> alive = alive_;
    post_([this, alive, message = std::move(message)]() {
        if (!alive.expired() && signal_) signal_(message);
    });
}

void WebRtcLink::post_failure(std::string cause) {
    std::weak_ptr<bool> alive = alive_;
    post_([this, alive, cause = std::move(cause)]() {
        if (alive.expired()) return;
        spdlog::warn("media: webrtc link failed cause=\"{}\"", cause);
        if (on_failure_) on_failure_(cause);
    });
}

void WebRtcLink::prefer_content_caps(GstObject* transceiver) {
    prefer_codecs(transceiver, options_.content_caps);
    content_transceiver_.reset(GST_OBJECT(gst_object_ref(transceiver)));
}

void WebRtcLink::set_content_payload_type(unsigned pt) {
    options_.content_payload_type = pt;
    if (!content_transceiver_) return;
    GstCaps* prefs = nullptr;
    g_object_get(content_transceiver_.get(), "codec-preferences", &prefs, nullptr);
    if (prefs == nullptr) return;
    std::unique_ptr<GstCaps, CapsUnref> owned(gst_caps_make_writable(prefs));
    gst_caps_set_simple(owned.get(), "payload", G_TYPE_INT, static_cast<int>(pt), nullptr);
    g_object_set(content_transceiver_.get(), "codec-preferences", owned.get(), nullptr);
}

void WebRtcLink::on_negotiation_needed(GstElement* /*webrtc*/, gpointer data) {
    auto* self = static_cast<WebRtcLink*>(data);
    // webrtcbin asks again after every change: the link offers once, and again only when a
    // track is added (add_content()).
    if (self->offered_.exchange(true)) return;
    self->create_offer();
}

void WebRtcLink::create_offer() {
    GstPromise* promise = gst_promise_new_with_change_func(on_offer_created, this, nullptr);
    g_signal_emit_by_name(webrtc_, "create-offer", nullptr, promise);
}

core::Status WebRtcLink::add_content(const std::string& send, const std::string& caps,
                                     const std::map<std::string, std::string>& fmtp,
                                     unsigned payload_type,
                                     std::function<void(GstPad* pad)> incoming) {
    if (!options_.content_send.empty()) return core::fail("the link has a content track already");
    if (!offered_ || !answered_) return core::fail("the link's offer is not answered yet");
    GstWebRTCSignalingState signaling = GST_WEBRTC_SIGNALING_STATE_STABLE;
    g_object_get(webrtc_, "signaling-state", &signaling, nullptr);
    if (signaling != GST_WEBRTC_SIGNALING_STATE_STABLE)
        return core::fail("the link is negotiating");
    GError* error = nullptr;
    // A caps string is a link filter in gst-launch syntax, not an element: at the bin's end,
    // where the ghost pad goes, it must be a capsfilter.
    GstElement* bin = gst_parse_bin_from_description(
        (send + " ! capsfilter caps=\"" + caps + "\"").c_str(), TRUE, &error);
    if (bin == nullptr) {
        std::string what = error != nullptr ? error->message : "unknown";
        g_clear_error(&error);
        return core::fail("webrtc link content branch: " + what);
    }
    g_clear_error(&error);
    std::unique_ptr<GstCaps, CapsUnref> offered(gst_caps_from_string(caps.c_str()));
    if (!offered) {
        gst_object_unref(gst_object_ref_sink(bin));
        return core::fail("webrtc link content caps: " + caps);
    }
    GstRef<GstPad> sink(gst_element_request_pad_simple(webrtc_, "sink_%u"));
    if (!sink) {
        gst_object_unref(gst_object_ref_sink(bin));
        return core::fail("webrtc link: no sink pad for the content track");
    }
    // Before any pad can appear for it (GStreamer threads read these once it is linked).
    options_.content_send = send;
    options_.content_caps = caps;
    options_.content_fmtp = fmtp;
    options_.content_incoming = std::move(incoming);
    options_.content_payload_type = payload_type;
    gst_bin_add(GST_BIN(pipeline_), bin);
    GstRef<GstPad> src(gst_element_get_static_pad(bin, "src"));
    if (!src || gst_pad_link(src.get(), sink.get()) != GST_PAD_LINK_OK) {
        gst_element_set_state(bin, GST_STATE_NULL);
        gst_bin_remove(GST_BIN(pipeline_), bin);
        gst_element_release_request_pad(webrtc_, sink.get());
        options_.content_send.clear();
        options_.content_incoming = nullptr;
        return core::fail("webrtc link: cannot link the content track");
    }
    GstWebRTCRTPTransceiver* trans = nullptr;
    g_object_get(sink.get(), "transceiver", &trans, nullptr);
    if (trans != nullptr) {
        // The codecs are known without waiting for the branch's first buffer: the re-offer
        // is made at once, not when the encoder's (or the room's) caps reach webrtcbin.
        g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV,
                     "codec-preferences", offered.get(), nullptr);
        content_transceiver_.reset(GST_OBJECT(trans));  // takes the reference
    }
    gst_element_sync_state_with_parent(bin);
    answered_ = false;
    create_offer();
    return core::Ok{};
}

void WebRtcLink::on_offer_created(GstPromise* promise, gpointer data) {
    auto* self = static_cast<WebRtcLink*>(data);
    std::unique_ptr<GstPromise, PromiseUnref> owned(promise);
    if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) {
        self->post_failure("create-offer was not answered");
        return;
    }
    const GstStructure* reply = gst_promise_get_reply(promise);
    GstWebRTCSessionDescription* offer = nullptr;
    if (reply == nullptr ||
        !gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr)) {
        self->post_failure("create-offer failed");
        return;
    }
    g_signal_emit_by_name(self->webrtc_, "set-local-description", offer, nullptr);
    std::string sdp = self->with_start_bitrate(sdp_text(offer->sdp));
    gst_webrtc_session_description_free(offer);
    nlohmann::json message = self->options_.offer_extra;
    message["type"] = "offer";
    message["sdp"] = std::move(sdp);
    self->post_signal(std::move(message));
}

void WebRtcLink::on_ice_candidate(GstElement*, guint mline, gchar* candidate, gpointer data) {
    auto* self = static_cast<WebRtcLink*>(data);
    const std::string c = candidate != nullptr ? candidate : "";
    if (!loopback_candidate(c)) return;
    self->post_signal({{"type", "candidate"}, {"candidate", c}, {"sdpMLineIndex", mline}});
}

void WebRtcLink::on_pad_added(GstElement*, GstPad* pad, gpointer data) {
    auto* self = static_cast<WebRtcLink*>(data);
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC || !self->incoming_) return;
    std::unique_ptr<GstCaps, CapsUnref> caps(gst_pad_get_current_caps(pad));
    if (!caps) caps.reset(gst_pad_query_caps(pad, nullptr));
    const GstStructure* s = caps ? gst_caps_get_structure(caps.get(), 0) : nullptr;
    const gchar* kind = s != nullptr ? gst_structure_get_string(s, "media") : nullptr;
    const bool video = kind != nullptr && std::string(kind) == "video";
    if (video && self->options_.content_incoming) {
        // The content line is the third transceiver (m-line 2) of our offer, and the only one
        // with its payload type. Once in a few runs, the page's stream on a content track added
        // by renegotiation (add_content()) was taken for the main video (the cause was not
        // found: webrtcbin 1.22's transceiver on the pad, not logged then, is suspected); the
        // payload type tells it apart whatever the pad's transceiver says.
        GstWebRTCRTPTransceiver* trans = nullptr;
        g_object_get(pad, "transceiver", &trans, nullptr);
        guint mline = 0;
        if (trans != nullptr) {
            g_object_get(trans, "mlineindex", &mline, nullptr);
            gst_object_unref(trans);
        }
        int pt = -1;
        if (s != nullptr) gst_structure_get_int(s, "payload", &pt);
        spdlog::debug("media: webrtc link pad {} mline={} pt={}", GST_PAD_NAME(pad), mline, pt);
        if (mline == kContentMLine || pt == static_cast<int>(self->options_.content_payload_type)) {
            self->options_.content_incoming(pad);
            return;
        }
    }
    self->incoming_(pad, video);
}

GstCaps* WebRtcLink::on_request_pt_map(GstElement*, guint, guint pt, gpointer data) {
    auto* self = static_cast<WebRtcLink*>(data);
    std::lock_guard lock(self->extra_mutex_);
    for (const auto& e : self->extra_video_) {
        if (e.payload_type != pt) continue;
        return gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "video",
                                   "encoding-name", G_TYPE_STRING, e.encoding.c_str(), "clock-rate",
                                   G_TYPE_INT, 90000, "payload", G_TYPE_INT, static_cast<int>(pt),
                                   nullptr);
    }
    return nullptr;
}

GstBusSyncReply WebRtcLink::on_bus(GstBus*, GstMessage* msg, gpointer data) {
    auto* self = static_cast<WebRtcLink*>(data);
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        GError* err = nullptr;
        gchar* debug = nullptr;
        gst_message_parse_error(msg, &err, &debug);
        std::string cause = std::string(GST_OBJECT_NAME(msg->src)) + ": " +
                            (err != nullptr ? err->message : "error");
        g_clear_error(&err);
        g_free(debug);
        self->post_failure(std::move(cause));
    }
    gst_message_unref(msg);
    return GST_BUS_DROP;
}

void WebRtcLink::receive(const nlohmann::json& message) {
    const std::string type = message.value("type", std::string());
    if (type == "answer") {
        GstSDPMessage* raw = nullptr;
        gst_sdp_message_new(&raw);
        const std::string sdp = keep_loopback_candidates(message.value("sdp", std::string()));
        if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()),
                                         static_cast<guint>(sdp.size()), raw) != GST_SDP_OK) {
            gst_sdp_message_free(raw);
            spdlog::warn("media: webrtc link got an unparsable answer");
            return;
        }
        // The description takes the SDP message.
        GstWebRTCSessionDescription* answer =
            gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, raw);
        g_signal_emit_by_name(webrtc_, "set-remote-description", answer, nullptr);
        gst_webrtc_session_description_free(answer);
        answered_ = true;
    } else if (type == "candidate") {
        const std::string candidate = message.value("candidate", std::string());
        if (!loopback_candidate(candidate)) return;  // never reach for the host's other addresses
        const guint mline = message.value("sdpMLineIndex", 0U);
        g_signal_emit_by_name(webrtc_, "add-ice-candidate", mline, candidate.c_str());
    } else if (type == "error") {
        spdlog::warn("media: page bridge error: {}", message.value("message", std::string()));
    }
}

}  // namespace media
