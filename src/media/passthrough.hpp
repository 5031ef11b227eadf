// Video passthrough between a SIP caller and its meeting page (issue 4): when both sides can
// agree on the caller's codec, the gateway forwards encoded frames (depayload → parse →
// payload) instead of decoding and encoding them. The SIP side decides (it knows the caller's
// SDP); the WebRTC link then offers exactly that codec to the page, both directions.
#pragma once

#include "core/config.hpp"
#include "media/video_format.hpp"
#include "sip/negotiated_media.hpp"

#include <map>
#include <optional>
#include <string>

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
