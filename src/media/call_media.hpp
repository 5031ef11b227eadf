// The media of one SIP call: one GStreamer pipeline with an rtpbin and up to three streams
// (audio, video, and the content line of docs/content.md).
// Created by media::Engine; lives on the control thread; its destructor stops the pipeline and
// releases the ports.
#pragma once

#include "core/config.hpp"
#include "core/result.hpp"
#include "media/call_events.hpp"
#include "media/call_relays.hpp"
#include "media/control_bridge.hpp"
#include "media/gst_ptr.hpp"
#include "media/media_stream.hpp"
#include "media/rtp_sockets.hpp"
#include "sip/negotiated_media.hpp"

#include <gst/gst.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace media {

class Engine;

class CallMedia {
    struct Key {  // only Engine creates calls
        explicit Key() = default;
    };
    friend class Engine;

public:
    struct Stats {
        std::optional<StreamStats> audio;
        std::optional<StreamStats> video;
        std::optional<StreamStats> content;  // the a=content:slides line (docs/content.md)
    };

    CallMedia(Key, std::string session_id, const core::MediaConfig& config, core::ControlLoop& loop,
              CallEvents events, std::string address, RtpSocketPair audio, RtpSocketPair video,
              RtpSocketPair content);
    ~CallMedia();
    CallMedia(const CallMedia&) = delete;
    CallMedia& operator=(const CallMedia&) = delete;

    [[nodiscard]] const sip::LocalMediaPorts& local_ports() const { return ports_; }
    // DTLS-SRTP: the process's certificate; without one, DTLS-SRTP offers are refused.
    void set_dtls_identity(std::shared_ptr<const DtlsIdentity> identity);
    // The same certificate serves TCP/TLS/BFCP (sip::FloorServer::enable_tls).
    [[nodiscard]] const DtlsIdentity* dtls_identity() const { return dtls_identity_.get(); }
    // Puts a TURN relay in front of every socket; once `done` says Ok, local_ports() holds the
    // relayed addresses and media goes through the relay. Used by Engine::allocate_relays.
    core::Status use_relays(const core::TurnConfig& turn, bool with_content, uint32_t timeout_ms,
                            std::function<void(core::Status)> done);
    [[nodiscard]] bool relayed() const { return relays_ != nullptr; }
    // A relayed call made without content relays: allocates them (content RTP and RTCP, BFCP)
    // for a content line that came by re-INVITE (docs/content.md, "Behind TURN"). Once `done`
    // says Ok, local_ports() names the content line's relayed ports and relay_bfcp() works;
    // after a failure the call goes on without them. An error here means nothing started.
    core::Status add_content_relays(std::function<void(core::Status)> done);
    [[nodiscard]] bool content_relayed() const { return relays_ && relays_->has_content(); }
    // Where the sockets are bound (local_ports().address is the relay's once relayed).
    [[nodiscard]] const std::string& bind_address() const { return bind_address_; }
    // Relayed calls: the floor control server's UDP port gets the call's BFCP relay; returns
    // the relayed port (0: none), and the BFCP line's peer as the server must address it.
    uint16_t relay_bfcp(uint16_t local_port) {
        return relays_ ? relays_->serve_bfcp(local_port) : 0;
    }
    [[nodiscard]] std::optional<sip::NegotiatedBfcp> route_bfcp(
        const std::optional<sip::NegotiatedBfcp>& bfcp) {
        return relays_ ? relays_->route_bfcp(bfcp) : bfcp;
    }
    core::Status start(const sip::NegotiatedMedia& media, Mode mode);  // after the SDP answer
    core::Status update(const sip::NegotiatedMedia& media);            // re-INVITE
    void send_keyframe();  // the peer asked (SIP INFO picture_fast_update)
    // Mode::Ivr: text on the generated picture; prompt WAVs replacing what plays now.
    void show_text(const std::string& text);
    void play_prompts(const std::vector<std::string>& wav_files);
    [[nodiscard]] Stats stats() const;
    // Bridge mode: the video passthrough the link must offer the page; nullopt: transcoding.
    [[nodiscard]] std::optional<PassthroughVideo> passthrough_video() const;
    // Bridge mode: the room's content goes to the page encoded as it came (the link's content
    // track carries it as is); nullopt: decoded here and encoded in VP8 for the page.
    [[nodiscard]] std::optional<PassthroughVideo> passthrough_content() const;
    // Bridge mode: the caller's Opus goes to the page as is (the link must forward it too).
    [[nodiscard]] bool passthrough_audio() const;
    // The content line (docs/content.md) runs: negotiated with a port.
    [[nodiscard]] bool content_active() const { return pipeline_ != nullptr && content_active_; }
    // Monotonic ms of the room's last content RTP packet (0: none yet).
    [[nodiscard]] int64_t content_last_rtp_ms() const { return content_.last_rtp_ms(); }
    // Bridge mode: send what the page gives on the content track (the gateway holds the
    // floor: the meeting shares); off by default, so the room gets no content otherwise.
    void send_content(bool on);
    void send_content_keyframe() { content_.send_keyframe(); }
    [[nodiscard]] bool running() const { return pipeline_ != nullptr; }
    [[nodiscard]] Mode mode() const { return mode_; }

private:
    static GstBusSyncReply on_bus(GstBus*, GstMessage*, gpointer self);
    static GstCaps* on_request_pt_map(GstElement*, guint session, guint pt, gpointer self);
    static void on_pad_added(GstElement*, GstPad*, gpointer self);

    void stop();
    // local_ports() from the relays, with this call's own keys and fingerprint.
    void take_relayed_ports();
    // What a stream's streaming threads report, posted to the control thread.
    StreamHooks hooks_for(const char* kind);
    // The content line's part of the pipeline (rtpbin session 2, docs/content.md): built with
    // the call, or (`running`) into the pipeline while audio and video play on.
    core::Status build_content(const sip::NegotiatedStream& content, bool running);
    // A re-INVITE added, removed or recoded the content line and nothing else: only that part
    // of the pipeline is taken out and/or built again; audio and video keep their sockets,
    // rtpbin sessions, SSRCs, SRTP/DTLS state and decoders. A content stream that does not
    // start leaves the call without one (logged), never ends it.
    void update_content(const sip::NegotiatedMedia& offered, const sip::NegotiatedMedia& routed);
    void log_content_line(const sip::NegotiatedMedia& offered,
                          const sip::NegotiatedMedia& routed) const;
    void check_media_timeout();
    MediaStream& stream_of(unsigned rtp_session);  // rtpbin's session number
    // Runs fn on the control thread unless this call is gone by then.
    void post(std::function<void(CallEvents&)> fn);

    std::shared_ptr<const DtlsIdentity> dtls_identity_;
    std::string session_id_;
    std::string log_prefix_;
    core::MediaConfig config_;
    core::ControlLoop& loop_;
    std::shared_ptr<CallEvents> events_;  // posted closures hold a weak_ptr
    sip::LocalMediaPorts ports_;
    std::string bind_address_;
    MediaStream audio_;
    MediaStream video_;
    // The content line (docs/content.md): rtpbin session 2, its own bridge channels
    // ("<session>.content").
    MediaStream content_;
    std::unique_ptr<CallRelays> relays_;  // with [turn]: one allocation per socket
    core::TurnConfig turn_;               // fresh credentials for relays added later
    uint32_t turn_timeout_ms_ = 0;
    bool audio_active_ = false, video_active_ = false, content_active_ = false;
    bool content_sending_ = false;  // send_content()
    Mode mode_ = Mode::Idle;
    GstPtr<GstElement> pipeline_;
    GstElement* rtpbin_ = nullptr;
    RepeatingTimer timeout_timer_;
    int64_t timeout_since_ms_ = 0;
    bool timed_out_ = false;
};

}  // namespace media
