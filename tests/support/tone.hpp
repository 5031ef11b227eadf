// How much of a recording is one tone: the tests' ear for "the caller heard 440 Hz".
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace testsupport {

inline double rms(const std::vector<int16_t>& x) {
    if (x.empty()) return 0;
    double e = 0;
    for (const int16_t v : x) e += static_cast<double>(v) * v;
    return std::sqrt(e / static_cast<double>(x.size()));
}

// Share of the signal's energy at `hz` (Goertzel): ≈1 for a pure tone there, ≈0.5 each for two
// equal tones, ≈0 for silence, noise or another frequency. Over the whole window by default;
// with `block` samples, over consecutive blocks of that size, whose coarser resolution
// (rate / block Hz) still counts a tone a little off `hz` (two clocks drifting, a resampler).
inline double tone_share(const std::vector<int16_t>& x, double hz, double rate,
                         std::size_t block = 0) {
    if (block == 0) block = x.size();
    if (block == 0) return 0;
    const double c = 2 * std::cos(2 * M_PI * hz / rate);
    double at_hz = 0;
    double energy = 0;
    for (std::size_t start = 0; start + block <= x.size(); start += block) {
        double s1 = 0;
        double s2 = 0;
        for (std::size_t i = start; i < start + block; ++i) {
            const double s = x[i] + c * s1 - s2;
            s2 = s1;
            s1 = s;
            energy += static_cast<double>(x[i]) * x[i];
        }
        at_hz += 2.0 * (s1 * s1 + s2 * s2 - c * s1 * s2) / static_cast<double>(block);
    }
    return energy > 0 ? at_hz / energy : 0;
}

}  // namespace testsupport
