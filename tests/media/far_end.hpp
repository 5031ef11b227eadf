// The far end of a test call: a real GStreamer pipeline that sends a sine tone and a test
// pattern with real encoders to the gateway's ports, and decodes what comes back. It also
// inspects the RTP it receives (NAL unit types, keyframes) and the RTCP the gateway sends, and
// can craft RTCP PLI and RFC 4733 packets.
#pragma once

#include "audio_collector.hpp"
#include "core/result.hpp"
#include "far_end_pipeline.hpp"
#include "media/gst_ptr.hpp"
#include "sip/negotiated_media.hpp"
#include "support/tone.hpp"

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace media_test {

struct FarEndOptions {
    std::string audio_codec;  // "PCMU", "G722", "opus" or "" (no audio)
    std::string video_codec;  // "H264", "VP8" or "" (no video)
    bool h264_mode1 = false;  // negotiated packetization-mode=1 (else 0)
    double tone_hz = 1000;
    bool pli = true;   // offers "nack pli"
    bool fir = false;  // offers "ccm fir"
    uint8_t telephone_event_pt = 101;
    uint32_t telephone_event_rate = 8000;
    bool send_media = true;  // false: sockets only (a silent peer)
    bool rtcp_mux = false;   // RTCP on the RTP port (RFC 5761)
    // Keyframes only when asked (answer_pli()), and the first one is lost on the way.
    bool lose_first_keyframe = false;
    // Keyframes only when asked (answer_pli()); the first one arrives.
    bool single_keyframe = false;
    // The video RTCP socket on the port after the RTP one, as most endpoints (and the NATs
    // that keep their ports) have it.
    bool adjacent_rtcp = false;
};

class FarEnd {
public:
    explicit FarEnd(FarEndOptions options);
    ~FarEnd();
    FarEnd(const FarEnd&) = delete;
    FarEnd& operator=(const FarEnd&) = delete;

    // What the gateway's SDP negotiation would hand to media/ for this peer.
    [[nodiscard]] sip::NegotiatedMedia negotiated(const sip::LocalMediaPorts& gw) const;
    core::Status start(const sip::LocalMediaPorts& gw);

    // Decoded audio that came back, resampled to 16 kHz mono S16.
    std::vector<int16_t> audio_samples() const;
    size_t audio_sample_count() const;
    int video_frames() const;
    // Brightest minus darkest luma of the last decoded frame: 0 for a one-colour picture.
    int luma_range() const;
    int video_width() const;
    int video_height() const;
    int fu_a_packets() const;
    int stap_a_packets() const;
    int keyframes_received() const;  // keyframe starts seen in the RTP coming back
    int64_t last_keyframe_us() const;
    // Reads RTCP the gateway sent to our video RTCP port; counts PLI and FIR.
    void poll_rtcp();
    int pli_received() const { return pli_received_; }
    int fir_received() const { return fir_received_; }
    int rtcp_packets() const { return rtcp_packets_; }

    // Every SSRC the gateway sent us audio and video under: one each while its rtpbin sessions
    // live (a pipeline made again picks new ones).
    std::set<uint32_t> gateway_audio_ssrcs() const;
    std::set<uint32_t> gateway_video_ssrcs() const;

    void send_pli();
    // Acts on PLIs polled so far like a real sender: one keyframe for any number of them.
    // Returns true when it asked its encoder for one.
    bool answer_pli();
    // One key press as a real sender does it: start packets, then the end packet three times.
    void send_dtmf(char digit, uint32_t rtp_timestamp);
    uint16_t audio_rtp_port() const;
    uint16_t video_rtp_port() const;

private:
    static GstPadProbeReturn on_video_rtp(GstPad*, GstPadProbeInfo*, gpointer self);
    static GstPadProbeReturn on_audio_rtp(GstPad*, GstPadProbeInfo*, gpointer self);
    static GstFlowReturn on_video_sample(GstElement* sink, gpointer self);
    void send_to(GSocket* socket, uint16_t port, const std::vector<uint8_t>& packet);

    FarEndOptions o_;
    media::GObjectPtr<GSocket> audio_rtp_, audio_rtcp_, video_rtp_, video_rtcp_;
    testsupport::Pipeline pipeline_;
    sip::LocalMediaPorts gw_;
    AudioCollector audio_;
    mutable std::mutex mutex_;
    int luma_range_ = 0;
    int frames_ = 0, width_ = 0, height_ = 0, fu_a_ = 0, stap_a_ = 0, keyframes_ = 0;
    int64_t last_keyframe_us_ = 0;
    uint32_t last_keyframe_ts_ = 0;
    bool seen_keyframe_ = false;
    uint32_t gateway_video_ssrc_ = 0;
    std::set<uint32_t> gateway_audio_ssrcs_, gateway_video_ssrcs_;
    int pli_received_ = 0, fir_received_ = 0, rtcp_packets_ = 0;
    uint16_t dtmf_seq_ = 1000;
    uint32_t audio_ssrc_ = 0, video_ssrc_ = 0;
    int plis_answered_ = 0;
    std::atomic<int> dropped_keyframe_packets_{0};
    std::atomic<bool> first_keyframe_lost_{false};
    static GstPadProbeReturn on_video_out(GstPad*, GstPadProbeInfo*, gpointer self);
};

using testsupport::rms;
using testsupport::tone_share;

}  // namespace media_test
