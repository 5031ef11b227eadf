// The page side of a bridged call: the WebRTC link to the meeting page, fed from and feeding
// the call's SIP pipeline through the session's bridge channels (media/bridge_channels.hpp).
// Toward the page it sends the caller's video (VP8) and audio (Opus); what the page sends back
// (the meeting's mixed audio and its tab capture) is decoded into the channels the call's SIP
// side encodes from.
#pragma once

#include "core/result.hpp"
#include "media/webrtc_link.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace media {

struct MeetingBridgeOptions {
    uint32_t width = 1280;  // the caller's video as the meeting sees it
    uint32_t height = 720;
    uint32_t fps = 30;
    uint32_t bitrate_kbps = 1500;
};

class MeetingBridge {
public:
    struct Stats {
        uint64_t video_frames_from_page = 0;
        uint64_t audio_buffers_from_page = 0;
    };

    static core::Result<std::unique_ptr<MeetingBridge>> create(const std::string& session_id,
                                                               const MeetingBridgeOptions& options,
                                                               WebRtcLink::Poster post,
                                                               WebRtcLink::Signal signal);
    ~MeetingBridge();
    MeetingBridge(const MeetingBridge&) = delete;
    MeetingBridge& operator=(const MeetingBridge&) = delete;

    [[nodiscard]] WebRtcLink& link() noexcept { return *link_; }
    [[nodiscard]] Stats stats() const;

    // Gateway → page description of what we send (for tests and the docs).
    static std::string video_send_description(const std::string& session_id,
                                              const MeetingBridgeOptions& options);
    static std::string audio_send_description(const std::string& session_id);

private:
    MeetingBridge() = default;
    void on_incoming(GstPad* pad, bool video);  // GStreamer thread

    std::string session_id_;
    std::unique_ptr<WebRtcLink> link_;
    std::atomic<uint64_t> video_frames_{0};
    std::atomic<uint64_t> audio_buffers_{0};
};

}  // namespace media
