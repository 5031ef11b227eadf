// One negotiated RTP stream (audio or video) of a call inside the call's pipeline: its UDP
// sockets, its rtpbin session, and in echo mode the decode → encode chain back to the peer.
// Probes on the streaming threads count packets, latch the peer's real address, pick out
// telephone-event packets and turn decoder keyframe needs into PLI/FIR/SIP INFO.
#pragma once

#include "core/config.hpp"
#include "core/result.hpp"
#include "media/call_events.hpp"
#include "media/dtls_identity.hpp"
#include "media/dtmf_detector.hpp"
#include "media/encoded_channel.hpp"
#include "media/gst_ptr.hpp"
#include "media/passthrough.hpp"
#include "media/prompt_player.hpp"
#include "media/rtp_sockets.hpp"
#include "media/rtp_source_guard.hpp"
#include "media/video_format.hpp"
#include "sip/negotiated_media.hpp"

#include <gst/gst.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace media {

// Called on GStreamer streaming threads; the owner posts them to the control thread.
struct StreamHooks {
    std::function<void(char digit)> dtmf;
    std::function<void()> keyframe_needed;  // no PLI/FIR feedback negotiated
    // The stream cannot go on (DTLS: handshake failed, or the peer's certificate is not the
    // one its SDP fingerprint names); the call must end.
    std::function<void(const std::string& reason)> failed;
};

class MediaStream {
public:
    // `content`: the call's second video line (a=content:slides, docs/content.md), rtpbin
    // session 2, its own bridge channels and element names.
    MediaStream(sip::MediaKind kind, RtpSocketPair sockets, std::string log_prefix,
                bool content = false);
    ~MediaStream();
    MediaStream(const MediaStream&) = delete;
    MediaStream& operator=(const MediaStream&) = delete;

    [[nodiscard]] uint16_t rtp_port() const { return sockets_.rtp_port; }
    [[nodiscard]] uint16_t rtcp_port() const { return sockets_.rtcp_port; }
    [[nodiscard]] unsigned session_id() const {
        return content_ ? 2 : kind_ == sip::MediaKind::Audio ? 0 : 1;
    }
    // "audio", "video" or "content": element names and log lines.
    [[nodiscard]] const char* name() const {
        return content_ ? "content" : kind_ == sip::MediaKind::Audio ? "audio" : "video";
    }

    // Adds this stream's elements to `pipeline` (not yet playing) and links them to rtpbin.
    core::Status build(GstBin* pipeline, GstElement* rtpbin, const sip::NegotiatedStream& stream,
                       Mode mode, const core::MediaConfig& config, StreamHooks hooks);
    // Forgets the elements (the owner has set the pipeline to NULL and dropped it).
    void clear();
    // A stream built into a pipeline that already runs (a content line added by re-INVITE,
    // docs/content.md): brings its elements to the pipeline's state, the sources last so they
    // never push into an element that is not running yet. False: one of them refused.
    bool start_in_running_pipeline();
    // Takes this stream alone out of a running pipeline (a content line removed or changed by
    // re-INVITE): its sources stop first, then its rtpbin session's request pads are released
    // (rtpbin frees the session, its jitterbuffers and their threads), then the rest of its
    // elements leave the pipeline. The other streams, their sockets, sessions and SRTP/DTLS
    // state go on untouched. Control thread.
    void remove_from(GstBin* pipeline, GstElement* rtpbin);

    // rtpbin's request-pt-map for this session; returns a new reference or nullptr.
    GstCaps* caps_for_pt(unsigned pt) const;
    // rtpbin added recv_rtp_src_<session>_<ssrc>_<pt> (streaming thread).
    void on_recv_pad(GstBin* pipeline, GstPad* pad, unsigned pt);

    // re-INVITE without a codec change: new destination and/or direction.
    void set_remote(const sip::NegotiatedStream& stream);
    // Bridge mode: whether what comes from the page goes out at all (content: only while the
    // gateway holds the floor), on top of the SDP direction.
    void set_sending(bool on);
    [[nodiscard]] const sip::NegotiatedStream& negotiated() const { return negotiated_; }

    void send_keyframe();
    // DTLS-SRTP: the process's certificate, presented to the peer in every handshake.
    void set_dtls_identity(std::shared_ptr<const DtlsIdentity> identity) {
        dtls_identity_ = std::move(identity);
    }
    // Bridge mode: the session whose channels (media/bridge_channels.hpp) this stream uses.
    void set_bridge_session(std::string session_id) { bridge_session_ = std::move(session_id); }
    // IVR mode: the text drawn on the picture, and the prompts played (replacing the current).
    void set_text(const std::string& text);
    void play_prompts(const std::vector<std::string>& wav_files);
    // Media timeout applies only when the peer is meant to send to us.
    [[nodiscard]] bool expects_media() const;
    [[nodiscard]] int64_t last_rtp_ms() const { return last_rtp_ms_.load(); }
    [[nodiscard]] StreamStats stats(GstElement* rtpbin) const;
    // Bridge mode, video: what the link must offer the page when we forward without
    // transcoding; nullopt when this stream transcodes.
    [[nodiscard]] const std::optional<PassthroughVideo>& passthrough() const {
        return passthrough_;
    }
    // Bridge mode, audio: the caller's Opus is forwarded without transcoding.
    [[nodiscard]] bool audio_passthrough() const { return audio_passthrough_; }

private:
    static GstPadProbeReturn on_rtp_in(GstPad*, GstPadProbeInfo*, gpointer self);
    static GstPadProbeReturn on_srtp_in(GstPad*, GstPadProbeInfo*, gpointer self);
    static GstCaps* on_request_key(GstElement*, guint ssrc, gpointer self);
    static GstPadProbeReturn on_rtcp_in(GstPad*, GstPadProbeInfo*, gpointer self);
    static GstPadProbeReturn on_rtp_out(GstPad*, GstPadProbeInfo*, gpointer self);
    static GstPadProbeReturn on_decoder_event(GstPad*, GstPadProbeInfo*, gpointer self);
    static GstPadProbeReturn on_depayloaded(GstPad*, GstPadProbeInfo*, gpointer self);
    static GstPadProbeReturn on_decoded(GstPad*, GstPadProbeInfo*, gpointer self);
    static GstPadProbeReturn on_encoded(GstPad*, GstPadProbeInfo*, gpointer self);
    static GstPadProbeReturn on_peer_keyframe_request(GstPad*, GstPadProbeInfo*, gpointer self);

    // SRTP (media_stream_srtp.cpp): srtpdec between the sockets and rtpbin, srtpenc between
    // rtpbin and the senders; the source guard judges decrypted, authenticated packets.
    core::Status build_srtp(GstBin* pipeline, GstElement* rtpbin, GstElement* rtp_src,
                            GstElement* rtcp_src);
    // DTLS-SRTP (media_stream_dtls.cpp): a dtlssrtpdec/dtlssrtpenc pair per component (RTP, and
    // RTCP unless muxed), each doing its own handshake (RFC 5764 §4.1); nothing crosses either
    // way until that component's peer certificate matched the SDP fingerprint.
    struct DtlsProbe;
    core::Status build_dtls(GstBin* pipeline, GstElement* rtpbin, GstElement* rtp_src,
                            GstElement* rtcp_src);
    static void on_dtls_peer_pem(GObject*, GParamSpec*, gpointer probe);
    static void on_dtls_state(GObject*, GParamSpec*, gpointer probe);
    static GstPadProbeReturn on_dtls_gate(GstPad*, GstPadProbeInfo*, gpointer probe);
    // Reports once that the stream cannot go on (hooks_.failed): the call ends.
    void stream_failed(const std::string& reason);
    // rtpbin's send_rtp_src to the RTP udpsink, through srtpenc when the stream is SRTP.
    bool link_rtp_sender(GstElement* rtpbin);
    core::Status build_echo_chain(GstBin* pipeline, GstElement* rtpbin,
                                  const core::MediaConfig& config);
    core::Status build_bridge_chain(GstBin* pipeline, GstElement* rtpbin,
                                    const core::MediaConfig& config);  // media_stream_bridge.cpp
    // Our keyframe source toward the peer: the encoder, or in passthrough the page's encoder.
    void request_keyframe_from_source(GstEvent* event);
    void watch_chain(GstElement* bin);  // keyframe and frame-count probes on depay/dec/enc
    core::Status build_ivr_chain(GstBin* pipeline, GstElement* rtpbin,
                                 const core::MediaConfig& config);  // media_stream_ivr.cpp
    // Strict RTP (rtp_source_guard.hpp): true when the packet is the peer's; moves our send
    // destination when the guard binds to a new source.
    // `release`: packets kept while their source was learned, to pass before this one.
    bool admit(GstBuffer* buffer, const guint8* data, gsize size, bool rtcp,
               std::vector<BufferPtr>* release = nullptr);
    // Under mutex_: where RTCP goes before the peer's own RTCP has said (see admit()).
    void follow_rtp_with_rtcp(const PacketSource& rtp_to);
    // Streaming thread: asks again for a keyframe that has not come (a lost PLI, a sender
    // that dropped it); at most every retry gap (see kKeyframeRetryFirstNs).
    void retry_keyframe_request();
    void request_keyframe_from_peer();
    void apply_destinations();
    void remember_sdp_destinations();  // with mutex_ held
    void apply_direction();
    void update_overlay();
    // Puts `element` into `pipeline` as one of this stream's own (remove_from() takes them out).
    // Also called on streaming threads (on_recv_pad).
    void adopt(GstBin* pipeline, GstElement* element);

    sip::MediaKind kind_;
    bool content_ = false;
    bool sending_ = true;  // set_sending()
    RtpSocketPair sockets_;
    std::string log_prefix_;
    std::string bridge_session_;
    sip::NegotiatedStream negotiated_;
    Mode mode_ = Mode::Idle;
    StreamHooks hooks_;
    VideoFormat video_format_;
    std::optional<PassthroughVideo> passthrough_;
    bool audio_passthrough_ = false;
    // Passthrough: encoded frames to and from the meeting page's link.
    std::shared_ptr<EncodedChannel> to_page_;
    std::shared_ptr<EncodedChannel> from_page_;
    // Bridge audio, transcoded: the decoded caller's audio toward the link's Opus encoder.
    std::shared_ptr<EncodedChannel> pcm_to_page_;

    // Elements are owned by the pipeline; these stay valid while it exists.
    GstElement* rtp_sink_ = nullptr;
    GstElement* rtcp_sink_ = nullptr;
    GstElement* rtcp_mux_src_ = nullptr;  // appsrc feeding RTCP demuxed from the RTP socket
    GstElement* srtpenc_ = nullptr;
    GstElement* srtpdec_ = nullptr;
    GstElement* dtls_rtp_enc_ = nullptr;  // takes rtpbin's RTP (and muxed RTCP)
    std::shared_ptr<const DtlsIdentity> dtls_identity_;
    // Per component (0 RTP, 1 RTCP): bits verified, keyed, refused (media_stream_dtls.cpp).
    std::array<std::atomic<int>, 2> dtls_state_{};
    std::atomic<bool> failed_{false};      // stream_failed() reported
    CapsPtr srtp_key_caps_;                // srtpdec's answer to request-key: the peer's SDES key
    std::atomic<unsigned> srtp_ssrcs_{0};  // SSRCs given a key (bounds srtpdec's streams)
    // Every element this stream put into the pipeline (the pipeline owns them).
    std::mutex elements_mutex_;
    std::vector<GstElement*> elements_;
    GstElement* echo_bin_ = nullptr;
    GstElement* echo_in_ = nullptr;  // appsrc: the echo chain's output into rtpbin
    GstElement* valve_ = nullptr;
    GstElement* encoder_ = nullptr;
    GstElement* overlay_ = nullptr;
    GstPad* echo_sink_ = nullptr;  // ghost sink pad of echo_bin_
    // IVR: prompts written into the audio source's buffers (shared with its pad probe).
    std::shared_ptr<PromptPlayer> prompts_ = std::make_shared<PromptPlayer>();
    std::string ivr_text_;

    mutable std::mutex mutex_;  // destinations and latch state (control + streaming threads)
    std::string rtp_host_, rtcp_host_;
    uint16_t rtp_dest_port_ = 0, rtcp_dest_port_ = 0;
    RtpSourceGuard guard_;
    // A NATed peer's first RTP packets, kept while the guard learns its source (at most
    // kLearnPackets - 1, all from learning_from_).
    std::vector<BufferPtr> learning_kept_;
    PacketSource learning_from_;
    bool rtcp_heard_ = false;  // the peer's RTCP arrived since the last negotiation
    std::string sdp_host_;     // what the SDP said, which always wins over a latched address
    uint16_t sdp_rtp_port_ = 0, sdp_rtcp_port_ = 0;
    DtmfDetector dtmf_;  // streaming thread of the RTP udpsrc only

    std::atomic<int64_t> last_rtp_ms_{0};
    std::atomic<uint64_t> packets_in_{0}, bytes_in_{0}, packets_out_{0}, bytes_out_{0};
    std::atomic<uint64_t> frames_decoded_{0}, frames_encoded_{0};
    std::atomic<uint64_t> keyframes_requested_{0}, keyframes_asked_{0}, keyframes_sent_{0};
    std::atomic<uint64_t> dtmf_events_{0}, dtmf_dropped_{0}, strays_{0};
    // Datagrams into srtpdec and packets out of it: the difference failed authentication (or
    // replay protection) and counts as stray.
    std::atomic<uint64_t> srtp_in_{0}, srtp_out_{0};
    // SRTP packets authenticated under the peer's current SDES key (its lifetime's count).
    std::atomic<uint64_t> srtp_rtp_out_{0};
    static GstPadProbeReturn on_srtp_lifetime(GstPad*, GstPadProbeInfo*, gpointer self);
    std::atomic<int64_t> last_request_ns_{0};     // our last keyframe request (monotonic)
    std::atomic<int64_t> pending_request_ns_{0};  // awaiting the keyframe it asked for
    std::atomic<int> retries_{0};                 // since the last keyframe came
    std::atomic<int64_t> keyframe_rtt_us_{-1};
    mutable int64_t last_stats_ns_ = 0;
    mutable uint64_t last_stats_bytes_in_ = 0, last_stats_bytes_out_ = 0;
};

}  // namespace media
