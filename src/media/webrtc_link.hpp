// The gateway's end of the loopback WebRTC link to a meeting page (assets/bridge/
// media_bridge.js): a GStreamer webrtcbin that offers audio+video sendrecv, gathers ICE on
// 127.0.0.1 only (no ICE-TCP) and talks to the page through JSON messages the caller carries
// over DevTools. GStreamer threads never call the owner directly: signalling is posted to the
// control thread.
#pragma once

#include "core/result.hpp"

#include <gst/gst.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace media {

// Our offer's m-lines: video, audio, then the content line when the call has one.
inline constexpr unsigned kAudioMLine = 1;
inline constexpr unsigned kContentMLine = 2;

struct WebRtcLinkOptions {
    // gst-launch descriptions of what we send, each ending in payloaded RTP.
    std::string video_send;
    std::string audio_send;
    // RTP caps of each, as offered (payload type, encoding, clock rate).
    std::string video_caps =
        "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000";
    // Chrome needs the channel count in the caps (opus/48000/2).
    std::string audio_caps =
        "application/x-rtp,media=audio,encoding-name=OPUS,payload=97,clock-rate=48000,"
        "encoding-params=(string)2";
    uint32_t latency_ms = 50;  // jitter buffer on what the page sends
    // webrtcbin sends no bandwidth feedback: without a start bitrate Chrome stays near 300 kb/s.
    uint32_t start_bitrate_kbps = 2000;
    // Extra members of the offer message to the page (e.g. the limits its video encoder must
    // keep toward the SIP caller, see assets/bridge/media_bridge.js).
    nlohmann::json offer_extra = nlohmann::json::object();
    // fmtp parameters forced on the offered video payload type (replacing the payloader's).
    std::map<std::string, std::string> video_fmtp;
    // A third m-line, after audio: the SIP call's content line (docs/content.md). Empty for
    // calls without one, whose offer stays the two lines it always was.
    std::string content_send;
    std::string content_caps;
    std::map<std::string, std::string> content_fmtp;
    // The page's stream on that line (GStreamer thread, like Incoming).
    std::function<void(GstPad* pad)> content_incoming;
    // Its payload type (in content_caps), unique on the link.
    unsigned content_payload_type = 0;
};

// The main video's codec listed again under another payload type (add_video_payload_type()).
struct ExtraVideoPayloadType {
    unsigned payload_type = 0;
    std::string encoding;                     // "H264", "VP8": the rtpmap's name
    std::map<std::string, std::string> fmtp;  // may be empty
};

class WebRtcLink {
public:
    struct Key {  // only create() makes one
        explicit Key() = default;
    };
    explicit WebRtcLink(Key /*create() only*/) {}
    using Poster = std::function<void(std::function<void()>)>;  // runs fn on the control thread
    using Signal = std::function<void(const nlohmann::json& message)>;  // to the page
    // A stream from the page: RTP pad of webrtcbin; runs on a GStreamer thread, where the
    // owner links its depayloader/decoder (added to pipeline()).
    using Incoming = std::function<void(GstPad* pad, bool video)>;
    using Failure = std::function<void(const std::string& cause)>;

    static core::Result<std::unique_ptr<WebRtcLink>> create(const WebRtcLinkOptions& options,
                                                            Poster post, Signal signal,
                                                            Incoming incoming);
    ~WebRtcLink();
    WebRtcLink(const WebRtcLink&) = delete;
    WebRtcLink& operator=(const WebRtcLink&) = delete;

    void on_failure(Failure handler) { on_failure_ = std::move(handler); }
    // Plays the pipeline; the offer is signalled once webrtcbin is ready to negotiate.
    core::Status start();
    // A message from the page (control thread): answer or ICE candidate.
    void receive(const nlohmann::json& message);
    // A content line added to a link that was made without one (a re-INVITE added it to the
    // SIP call): the branch joins the running pipeline on a new transceiver (m-line
    // kContentMLine) and the link offers again, with every other m-line as it was, so the
    // page's main tracks keep flowing (docs/content.md, "A content line added by re-INVITE").
    // Fails, changing nothing, while the first offer is unanswered or the link has one already.
    core::Status add_content(const std::string& send, const std::string& caps,
                             const std::map<std::string, std::string>& fmtp, unsigned payload_type,
                             std::function<void(GstPad* pad)> incoming);
    // The content track was renumbered before the offer (MeetingBridge's match to the page's
    // numbering): the page's stream on it is still told apart by its number (on_pad_added), and
    // the transceiver's codec preferences, from which the offer is made, follow.
    void set_content_payload_type(unsigned pt);
    // Lists the main video's codec under `extra.payload_type` too, after the link's own number,
    // and offers again (every m-line as it was): the page may then send on the video line
    // under either number, and the receiving chain gets one pad per number (Incoming, both
    // video). Fails, changing nothing, while an offer is unanswered or the link is
    // negotiating.
    core::Status add_video_payload_type(ExtraVideoPayloadType extra);
    // The page answered our latest offer (false while a re-offer waits for its answer).
    [[nodiscard]] bool answered() const noexcept { return answered_; }

    [[nodiscard]] GstElement* pipeline() const noexcept { return pipeline_; }
    // "new", "checking", "connected", "completed", "failed", ... (webrtcbin's ICE state).
    [[nodiscard]] std::string ice_state() const;
    [[nodiscard]] bool offered() const noexcept { return offered_; }

    // Only loopback candidates travel on this link (never the host's other addresses).
    static bool loopback_candidate(const std::string& candidate);
    // Removes a=candidate lines that are not loopback from an SDP.
    static std::string keep_loopback_candidates(const std::string& sdp);

private:
    core::Status restrict_ice_to_loopback();
    void post_signal(nlohmann::json message);
    void post_failure(std::string cause);
    // Our offer as the page must see it: forced video fmtp and x-google bitrates.
    std::string with_start_bitrate(const std::string& sdp) const;
    // The same on the video payload type of the `index`th m=video line.
    static std::string with_fmtp(const std::string& sdp, size_t index,
                                 const std::map<std::string, std::string>& forced,
                                 uint32_t bitrate_kbps);

public:
    // The first m=video line of `sdp` with `extra` appended to its formats (rtpmap, fmtp, and
    // the rtcp-fb lines of the line's first format); a number the SDP uses already is left
    // out. Public for the unit tests.
    static std::string with_extra_video_payload_types(
        const std::string& sdp, const std::vector<ExtraVideoPayloadType>& extra);

private:
    static void on_negotiation_needed(GstElement* webrtc, gpointer self);
    static void on_offer_created(GstPromise* promise, gpointer self);
    void create_offer();
    static void on_ice_candidate(GstElement* webrtc, guint mline, gchar* candidate, gpointer self);
    static void on_pad_added(GstElement* webrtc, GstPad* pad, gpointer self);
    static GstCaps* on_request_pt_map(GstElement* rtpbin, guint session, guint pt, gpointer self);
    static GstBusSyncReply on_bus(GstBus* bus, GstMessage* msg, gpointer self);

    // The content transceiver's codecs are its caps (content_caps), set as its codec
    // preferences: webrtcbin 1.22 offers only once every sink pad has caps or codec
    // preferences, and a content track passed through from the room has no caps before the
    // room's first keyframe, which may never come (a room that never presents).
    void prefer_content_caps(GstObject* transceiver);

    WebRtcLinkOptions options_;
    struct ObjectUnref {
        void operator()(GstObject* p) const noexcept { gst_object_unref(p); }
    };
    std::unique_ptr<GstObject, ObjectUnref> content_transceiver_;
    GstElement* pipeline_ = nullptr;  // owned (one reference)
    GstElement* webrtc_ = nullptr;    // owned by pipeline_
    Poster post_;
    Signal signal_;
    Incoming incoming_;
    Failure on_failure_;
    std::atomic<bool> offered_{false};
    // Written on the control thread, read by GStreamer threads (offers, pt maps).
    mutable std::mutex extra_mutex_;
    std::vector<ExtraVideoPayloadType> extra_video_;
    GstElement* rtpbin_ = nullptr;  // webrtcbin's own, owned by it
    bool answered_ = false;         // control thread: receive() took the answer to our last offer
    // Posted closures check this on the control thread, where the link is destroyed.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace media
