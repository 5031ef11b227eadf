// GStreamer element descriptions for each negotiated codec: RTP caps, and the echo chain
// (depayload → decode → [scale/overlay] → encode → payload). Plain strings so they can be
// tested and read; every value in them is a number or a fixed name of ours.
#pragma once

#include "media/video_format.hpp"
#include "sip/negotiated_media.hpp"

#include <optional>
#include <string>

namespace media {

// GStreamer's encoding-name for an SDP codec name ("opus" → "OPUS"); nullopt if unsupported.
std::optional<std::string> rtp_encoding_name(const std::string& sdp_name);

// "application/x-rtp, media=..., clock-rate=..., encoding-name=..., payload=..." plus the
// rtcp-fb field that tells rtpsession which keyframe request to send (PLI preferred, since
// baresip ignores FIR).
std::string rtp_caps(const sip::NegotiatedStream& stream);

// The echo chain as a gst-launch description with named elements depay, dec, enc, pay, valve
// (and overlay for video). Unsupported codec → nullopt.
std::optional<std::string> echo_chain_description(const sip::NegotiatedStream& stream,
                                                  const VideoFormat& video);

// Bridge mode (SIP call <-> meeting page), transcoding: the SIP stream decoded into the
// process-local channel `to_page` (video: an intervideosink; audio: an appsink named out, for the
// EncodedChannel of that name; named elements depay, dec), and
// what the page sends, read from channel `from_page`, encoded for the SIP peer (named elements
// enc, pay, valve, and overlay-free scale for video). Unsupported codec → nullopt.
std::optional<std::string> bridge_receive_description(const sip::NegotiatedStream& stream,
                                                      const std::string& to_page);
std::optional<std::string> bridge_send_description(const sip::NegotiatedStream& stream,
                                                   const VideoFormat& video,
                                                   const std::string& from_page);

// H.264 packetization-mode=0 allows single NAL unit packets only (RFC 6184 §6.2).
bool h264_single_nal_mode(const sip::Codec& codec);

}  // namespace media
