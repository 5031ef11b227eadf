// The IVR's outgoing media as gst-launch descriptions: a generated source (a solid background
// with text for video, silence that prompts are written into for audio) encoded in the call's
// negotiated codec. Named elements: src, enc, pay, valve, and overlay for video.
#pragma once

#include "media/video_format.hpp"
#include "sip/negotiated_media.hpp"

#include <optional>
#include <string>

namespace media {

// The audio source's raw format: what the prompt WAVs are (espeak-ng writes 22050 Hz mono S16).
inline constexpr int kPromptRate = 22050;

std::optional<std::string> ivr_chain_description(const sip::NegotiatedStream& stream,
                                                 const VideoFormat& video);

}  // namespace media
