// The page side of a bridged call: the WebRTC link to the meeting page, fed from and feeding
// the call's SIP pipeline through the session's bridge channels (media/bridge_channels.hpp).
// Toward the page it sends the caller's audio (Opus) and video: with passthrough the caller's own
// encoded H.264/VP8 (media/passthrough.hpp), else VP8 encoded here. What the page sends back (the
// meeting's mixed audio and its tab capture) is decoded into the channels the call's SIP side
// encodes from, or with passthrough forwarded encoded (the page encodes in the caller's codec,
// within the caller's limits).
#pragma once

#include "core/result.hpp"
#include "media/encoded_channel.hpp"
#include "media/passthrough.hpp"
#include "media/webrtc_link.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace media {

struct MeetingBridgeOptions {
    uint32_t width = 1280;  // the caller's video as the meeting sees it
    uint32_t height = 720;
    uint32_t fps = 30;
    uint32_t bitrate_kbps = 1500;
    // The call's SIP side forwards encoded video (CallMedia::passthrough_video()).
    std::optional<PassthroughVideo> passthrough;
    // The call's SIP side forwards Opus (CallMedia::passthrough_audio()).
    bool audio_passthrough = false;
    // The call has a content line (CallMedia::content_active()): a third track, VP8 both ways
    // through the content channels (docs/content.md).
    bool content = false;
    // With content: the room's content is passed through (CallMedia::passthrough_content()):
    // the content track carries the room's H.264/VP8 as it came, the page's share back is
    // decoded here (docs/content.md, "Content media"). nullopt: VP8 encoded here.
    std::optional<PassthroughVideo> content_passthrough;
};

class MeetingBridge {
public:
    struct Key {  // only create() makes one
        explicit Key() = default;
    };
    explicit MeetingBridge(Key /*create() only*/) {}
    struct Stats {
        uint64_t video_frames_from_page = 0;
        uint64_t audio_buffers_from_page = 0;
        // Work the gateway does on the link's video; both 0 with passthrough.
        uint64_t video_frames_decoded = 0;
        uint64_t video_frames_encoded = 0;
        bool passthrough = false;
        // The same for the link's audio: both 0 with audio passthrough, whose forwarded Opus
        // packets are counted in audio_buffers_from_page and audio_frames_to_page.
        uint64_t audio_frames_decoded = 0;
        uint64_t audio_frames_encoded = 0;
        uint64_t audio_frames_to_page = 0;
        bool audio_passthrough = false;
        // The content track: frames encoded toward the page (0 with content passthrough),
        // decoded from it; the room's frames passed through to the page.
        uint64_t content_frames_encoded = 0;
        uint64_t content_frames_decoded = 0;
        uint64_t content_frames_to_page = 0;
        bool content_passthrough = false;
    };

    static core::Result<std::unique_ptr<MeetingBridge>> create(const std::string& session_id,
                                                               const MeetingBridgeOptions& options,
                                                               WebRtcLink::Poster post,
                                                               WebRtcLink::Signal signal);
    ~MeetingBridge();
    MeetingBridge(const MeetingBridge&) = delete;
    MeetingBridge& operator=(const MeetingBridge&) = delete;

    [[nodiscard]] WebRtcLink& link() noexcept { return *link_; }
    // A link made without a content track gets one (the call's content line came by
    // re-INVITE): the link renegotiates with the page, its audio and video go on. `passthrough`:
    // as MeetingBridgeOptions::content_passthrough; `video_formats`: the page's hello, to number
    // the track as the page does (match_page_payload_type), or null.
    core::Status add_content(const std::optional<PassthroughVideo>& passthrough = std::nullopt,
                             const nlohmann::json& video_formats = nullptr);
    [[nodiscard]] bool has_content() const noexcept { return content_; }
    [[nodiscard]] Stats stats() const;
    // With video passthrough, before the link is offered: carry the caller's video under `pt`
    // (link_payload_type(): the number the page's meeting connection gives the same codec).
    core::Status set_video_payload_type(unsigned pt);
    [[nodiscard]] unsigned video_payload_type() const noexcept { return video_payload_type_; }
    // With a content track, before the link is offered: carry it under `pt`.
    core::Status set_content_payload_type(unsigned pt);
    [[nodiscard]] unsigned content_payload_type() const noexcept { return content_payload_type_; }
    // The same from the hello's `videoFormats` (the page's own numbering) for the main video
    // (with video passthrough) and the content track (content_link_payload_type()); logs what
    // it chose. Nothing to do for a track without a fitting format.
    void match_page_payload_type(const nlohmann::json& video_formats);
    // The page cannot forward the meeting's video to the caller only because the meeting
    // numbers the caller's codec `pt` (its `codec` and `fmtp`, meeting_forwarder.js): with
    // video passthrough, the link lists the codec under `pt` too and offers again
    // (meeting_payload_type_fmtp(); WebRtcLink::add_video_payload_type()). Fails, changing
    // nothing, when the caller cannot take it that way or the link cannot offer now.
    core::Status add_meeting_payload_type(unsigned pt, const std::string& codec,
                                          const std::string& fmtp);

    // Gateway → page description of what we send (for tests and the docs).
    static std::string video_send_description(const std::string& session_id,
                                              const MeetingBridgeOptions& options);
    static std::string audio_send_description();
    static std::string content_send_description(const std::string& session_id);

private:
    void on_incoming(GstPad* pad, bool video);  // GStreamer thread
    void on_content_incoming(GstPad* pad);      // GStreamer thread
    // Passthrough: the page's encoded stream into its channel; GStreamer thread.
    void forward_incoming(GstPad* pad, bool video);
    void forward_incoming_video(GstPad* pad);
    // Parses `description` into a bin, lets `prepare` hook its named elements, adds it to the
    // link's pipeline and links `pad` to it; false (logged) when any step fails.
    bool attach_incoming(GstPad* pad, const std::string& description, bool video, const char* verb,
                         const std::function<void(GstBin*)>& prepare);
    void count_encoded(const char* element, std::atomic<uint64_t>& counter);
    // The payload type of `payloader` and of the caps filter after it, before the offer.
    core::Status renumber(const char* payloader, unsigned pt);
    void match_page_video_payload_type(const std::vector<NativeVideoFormat>& native);
    void match_page_content_payload_type(const std::vector<NativeVideoFormat>& native);
    // The page's own number for the content track's codec, unless another track of the link
    // holds it (then nullopt: the track keeps its own and the page re-encodes the content).
    std::optional<unsigned> page_content_payload_type(
        const std::vector<NativeVideoFormat>& native) const;
    [[nodiscard]] std::string content_codec() const {
        return content_passthrough_ ? content_passthrough_->codec : "VP8";
    }
    // Passed through: the link's content source takes the room's frames (its channel).
    core::Status attach_content_source();
    // The content track's source hooked up (the room's frames, or the gateway's encoder counted)
    // and logged; `how` ends the log line (how the track came).
    core::Status start_content_track(const std::string& how);

    std::string session_id_;
    std::unique_ptr<WebRtcLink> link_;
    std::atomic<uint64_t> video_frames_{0};
    std::atomic<uint64_t> video_encoded_{0};
    std::atomic<uint64_t> audio_encoded_{0};
    std::atomic<uint64_t> audio_decoded_{0};
    std::atomic<uint64_t> content_encoded_{0};
    std::atomic<uint64_t> content_decoded_{0};
    bool audio_passthrough_ = false;
    bool content_ = false;  // the link has the content track
    std::optional<PassthroughVideo> content_passthrough_;
    std::shared_ptr<EncodedChannel> content_to_page_;  // with content_passthrough_
    std::shared_ptr<EncodedChannel> audio_to_page_;
    std::shared_ptr<EncodedChannel> audio_from_page_;
    // Transcoded audio: the caller's decoded audio, toward this link's Opus encoder.
    std::shared_ptr<EncodedChannel> pcm_to_page_;
    std::optional<PassthroughVideo> passthrough_;
    unsigned video_payload_type_ = kLinkVideoPayloadType;
    unsigned content_payload_type_ = kLinkContentPayloadType;
    std::shared_ptr<EncodedChannel> to_page_;
    std::shared_ptr<EncodedChannel> from_page_;
    // With passthrough, the page's video may come under two numbers on one SSRC (its encoder's
    // and the meeting's, forwarded): webrtcbin gives each its own pad, and a funnel in this
    // bin (owned by the pipeline) merges them before the one depayloader. GStreamer threads.
    std::mutex video_in_mutex_;
    GstElement* video_in_bin_ = nullptr;
    unsigned video_in_pads_ = 0;
    // Set by the destructor before it destroys the link: from then on a pad webrtcbin adds is
    // left unlinked. While the link's destructor joins the streaming threads link_ is already
    // null, and the page's first packets of a stream can make webrtcbin add a pad just then
    // (a call ending during the join: a SIGSEGV in attach_incoming, MeetingLinkTest's slate
    // test under load). A pad being attached when the destructor starts is finished first: the
    // mutex is held by the pad callbacks (GStreamer threads) and by the destructor.
    std::mutex incoming_mutex_;
    bool closing_ = false;
};

}  // namespace media
