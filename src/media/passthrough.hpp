// Video passthrough between a SIP caller and its meeting page (issue 4): when both sides can
// agree on the caller's codec, the gateway forwards encoded frames (depayload → parse →
// payload) instead of decoding and encoding them. The SIP side decides (it knows the caller's
// SDP); the WebRTC link then offers exactly that codec to the page, both directions.
#pragma once

#include "core/config.hpp"
#include "media/video_format.hpp"
#include "sip/negotiated_media.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace media {

struct PassthroughVideo {
    std::string codec;             // "H264" or "VP8"
    std::string profile_level_id;  // H264: the caller's, offered to the page as is
    bool single_nal = false;       // H264 packetization-mode=0 (RFC 6184 §6.2)
    VideoFormat limits;            // what the caller takes: the page's encoder must respect it
};

// The passthrough the caller's negotiated video allows, or nullopt (switched off, or a codec /
// H.264 profile the page's Chromium cannot both decode and encode: it sends Constrained
// Baseline, Baseline and Main).
std::optional<PassthroughVideo> choose_passthrough(const core::MediaConfig& config,
                                                   const sip::NegotiatedStream& video,
                                                   const VideoFormat& limits);

// The channel name for encoded video in one direction (media/encoded_channel.hpp).
std::string passthrough_channel(const std::string& session_id, bool to_page);

// SIP-side chains. Receive: the caller's RTP depayloaded and parsed into the channel's appsink
// (named depay, out). Send: the channel's appsrc (named in) payloaded for the caller (named pay,
// valve).
std::string passthrough_receive_description(const PassthroughVideo& video);
std::string passthrough_send_description(const PassthroughVideo& video, unsigned payload_type);

// Link-side (webrtcbin) chains: what we send to the page from the channel (ends in RTP), its RTP
// caps as offered, and how the page's RTP is depayloaded into the other channel (named out).
std::string passthrough_link_send_description(const PassthroughVideo& video, unsigned pt);
std::string passthrough_link_caps(const PassthroughVideo& video, unsigned pt);
// The fmtp parameters the link's offer must carry for the page (the caller's H.264 profile and
// packetization mode), whatever the payloader's caps say.
std::map<std::string, std::string> passthrough_link_fmtp(const PassthroughVideo& video);
std::string passthrough_link_receive_description(const PassthroughVideo& video);

// The link's video payload type unless the page asks for another (link_payload_type).
inline constexpr unsigned kLinkVideoPayloadType = 96;
// Opus as Chromium numbers it in its own offers, so a meeting whose offers come from the page
// negotiates the same number and the page can forward the link's Opus frames into the meeting's
// sender as they are (forwarder.js: Chromium keeps a received frame's payload type).
inline constexpr unsigned kLinkAudioPayloadType = 111;
// The link's content track (VP8, docs/content.md): its own number, so that the bundled m-lines
// never give one payload type two codecs.
inline constexpr unsigned kLinkContentPayloadType = 98;

// A video format as the page's Chromium numbers it in offers of its own (the bridge's hello
// lists them: forwarder.js nativeVideoFormats()).
struct NativeVideoFormat {
    unsigned payload_type = 0;
    std::string codec;  // "H264", "VP8", ...
    std::string fmtp;
};
// The well-formed entries of the hello's `videoFormats` (at most 64; anything else is skipped).
std::vector<NativeVideoFormat> parse_native_video_formats(const nlohmann::json& formats);

// The payload type under which the link should carry the caller's video. Chromium keeps a
// received frame's payload type when the page writes it into a meeting connection's sender,
// and refuses to change it (RTCEncodedVideoFrame metadata): forwarded frames reach the meeting
// under the link's number, which there may mean another codec (96 is Chromium's VP8), and the
// far end drops every one. A meeting connection whose offer comes from the page uses Chromium's
// own numbers (the Janus VideoRoom publisher does), so the link takes Chromium's number for the
// caller's codec: H.264 with packetization-mode=1 (the only mode forwarding uses in the
// meeting) and the caller's profile, else Constrained Baseline, else the same profile_idc.
// nullopt: nothing fits, or the number is the link's audio one.
std::optional<unsigned> link_payload_type(const PassthroughVideo& video,
                                          const std::vector<NativeVideoFormat>& native);

// The meeting's own number for the caller's codec, reported by the page when it cannot forward
// the meeting's video to the caller only because the numbers differ (meeting_forwarder.js: a
// forwarded frame keeps its payload type; Janus numbers H.264 107 toward subscribers, the link
// 108). The link then lists the codec under that number too, after its own, so that the page's
// encoder keeps the caller's variant and forwarded frames leave under the meeting's number. The
// fmtp to offer under `pt`, or nullopt when the caller cannot take what the meeting sends that
// way: another codec, a caller in H.264 packetization-mode=0 (the gateway re-payloads the page's
// H.264 for it, one NAL unit per packet), the meeting's H.264 not in mode 1, or a profile the
// caller does not decode (not its profile_idc, not Constrained Baseline), or `pt` not dynamic or
// the link's audio, content or main video number (bundled m-lines must not share one).
std::optional<std::map<std::string, std::string>> meeting_payload_type_fmtp(
    const PassthroughVideo& video, unsigned pt, const std::string& codec, const std::string& fmtp,
    unsigned video_pt, unsigned content_pt);

// The payload type under which the link should carry the content track (VP8, encoded by the
// gateway): the page's own number for VP8, so that the page can forward the link's content
// frames into a meeting's share sender whose offer the page made (forwarder.js), unless that
// number is the main video's on the link (`video_pt`: VP8 toward or from the caller) or the
// audio's. nullopt: keep kLinkContentPayloadType.
std::optional<unsigned> content_link_payload_type(const std::vector<NativeVideoFormat>& native,
                                                  unsigned video_pt);

// Audio passthrough: an Opus caller's packets go to the page as they are (the link offers
// opus/48000/2 either way, and Opus decoders take mono or stereo packets), and the page's Opus
// packets go back to the caller. Other codecs, or `[media] audio_passthrough = false`: false.
bool choose_audio_passthrough(const core::MediaConfig& config, const sip::NegotiatedStream& audio);
std::string audio_passthrough_channel(const std::string& session_id, bool to_page);
// SIP side: receive (named depay, out) and send (named in, pay, valve); link side: send from
// the channel into RTP (source named pt_audio_in), and the page's RTP into the channel (out).
std::string audio_passthrough_receive_description();
std::string audio_passthrough_send_description(unsigned payload_type);
std::string audio_passthrough_link_send_description(unsigned payload_type);
std::string audio_passthrough_link_receive_description();

}  // namespace media
