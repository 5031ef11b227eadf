// What a SIP caller received, read from the files baresip writes: the decoded audio recording
// (sndfile module, WAV, still growing while the call runs) and a snapshot of one decoded video
// frame (snapshot module, PNG).
#pragma once

#include "core/result.hpp"

#include <filesystem>
#include <string>

namespace e2e {

// The level of one frequency in the last `window_s` seconds of a recording: Goertzel over the
// first channel, relative to full scale (a full-scale sine gives 0 dB). `total_db` is the RMS
// level of the same window, so a caller can check the tone is what carries the energy.
struct ToneLevel {
    double tone_db = -200;
    double total_db = -200;
    double seconds = 0;  // recorded so far
};
core::Result<ToneLevel> tone_level(const std::filesystem::path& wav, double hz, double window_s);

// Decoded size of a PNG and how much its pixels vary (a uniform or blank frame has ~0).
struct FrameStats {
    int width = 0;
    int height = 0;
    double luma_stddev = 0;  // 0-255 scale
    int distinct_luma = 0;   // how many of the 256 luma values occur
};
core::Result<FrameStats> png_stats(const std::filesystem::path& png);

// The mean colour of a small square (1/40 of the picture's width) centred at (fx, fy), given as
// fractions of the width and height: where a layout puts whom, told apart by their colours.
struct Rgb {
    int r = 0;
    int g = 0;
    int b = 0;
};
core::Result<Rgb> png_colour_at(const std::filesystem::path& png, double fx, double fy);

}  // namespace e2e
