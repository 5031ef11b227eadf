#include "received_media.hpp"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <numbers>
#include <vector>

namespace e2e {

namespace {

uint32_t le32(const unsigned char* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint16_t le16(const unsigned char* p) {
    return uint16_t(p[0] | p[1] << 8);
}

double to_db(double amplitude) {
    return amplitude > 1e-10 ? 20 * std::log10(amplitude) : -200;
}

}  // namespace

core::Result<ToneLevel> tone_level(const std::filesystem::path& wav, double hz, double window_s) {
    std::ifstream in(wav, std::ios::binary);
    if (!in) return core::fail("cannot open " + wav.string());
    const std::vector<unsigned char> bytes{std::istreambuf_iterator<char>(in), {}};
    if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0)
        return core::fail(wav.string() + ": not a WAV file (yet)");
    // The writer fills in the chunk sizes only when it closes the file: while the call runs,
    // the data chunk is "everything after its header".
    uint16_t channels = 0, bits = 0;
    uint32_t rate = 0;
    size_t data = 0;
    for (size_t pos = 12; pos + 8 <= bytes.size();) {
        const uint32_t size = le32(&bytes[pos + 4]);
        if (std::memcmp(&bytes[pos], "fmt ", 4) == 0 && pos + 24 <= bytes.size()) {
            channels = le16(&bytes[pos + 10]);
            rate = le32(&bytes[pos + 12]);
            bits = le16(&bytes[pos + 22]);
        } else if (std::memcmp(&bytes[pos], "data", 4) == 0) {
            data = pos + 8;
            break;
        }
        pos += 8 + size + (size & 1);
    }
    if (data == 0 || channels == 0 || rate == 0 || bits != 16)
        return core::fail(wav.string() + ": no 16-bit PCM data chunk");
    const size_t frame_bytes = size_t{channels} * 2;
    const size_t frames = (bytes.size() - data) / frame_bytes;
    ToneLevel level;
    level.seconds = double(frames) / rate;
    const auto window = static_cast<size_t>(window_s * rate);
    if (frames < window) return level;

    // Goertzel: the power of one DFT bin, normalised so a full-scale sine reads 0 dB.
    const double w = 2 * std::numbers::pi * hz / rate;
    const double coeff = 2 * std::cos(w);
    double s1 = 0, s2 = 0, energy = 0;
    for (size_t i = frames - window; i < frames; ++i) {
        const auto* p = &bytes[data + i * frame_bytes];
        const double x = static_cast<int16_t>(le16(p)) / 32768.0;
        energy += x * x;
        const double s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    level.tone_db = to_db(2 * std::sqrt(power) / double(window));
    level.total_db = to_db(std::sqrt(2 * energy / double(window)));  // sine-equivalent
    return level;
}

core::Result<FrameStats> png_stats(const std::filesystem::path& png) {
    png_image image;
    std::memset(&image, 0, sizeof(image));
    image.version = PNG_IMAGE_VERSION;
    if (png_image_begin_read_from_file(&image, png.c_str()) == 0)
        return core::fail(png.string() + ": " + image.message);
    // libpng's simplified API frees its state when a read ends, also on failure.
    image.format = PNG_FORMAT_GRAY;
    std::vector<unsigned char> pixels(PNG_IMAGE_SIZE(image));
    if (png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr) == 0)
        return core::fail(png.string() + ": " + image.message);
    FrameStats stats;
    stats.width = static_cast<int>(image.width);
    stats.height = static_cast<int>(image.height);
    if (pixels.empty()) return stats;
    std::vector<size_t> histogram(256);
    double sum = 0, sum2 = 0;
    for (unsigned char v : pixels) {
        ++histogram[v];
        sum += v;
        sum2 += double(v) * v;
    }
    const double n = double(pixels.size());
    stats.luma_stddev = std::sqrt(std::max(0.0, sum2 / n - (sum / n) * (sum / n)));
    for (size_t c : histogram) stats.distinct_luma += c > 0 ? 1 : 0;
    return stats;
}

core::Result<Rgb> png_colour_at(const std::filesystem::path& png, double fx, double fy) {
    png_image image;
    std::memset(&image, 0, sizeof(image));
    image.version = PNG_IMAGE_VERSION;
    if (png_image_begin_read_from_file(&image, png.c_str()) == 0)
        return core::fail(png.string() + ": " + image.message);
    image.format = PNG_FORMAT_RGB;
    std::vector<unsigned char> pixels(PNG_IMAGE_SIZE(image));
    if (png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr) == 0)
        return core::fail(png.string() + ": " + image.message);
    const int w = static_cast<int>(image.width);
    const int h = static_cast<int>(image.height);
    const int half = std::max(1, w / 80);
    const int cx = static_cast<int>(fx * w);
    const int cy = static_cast<int>(fy * h);
    long sum[3] = {0, 0, 0};
    long n = 0;
    for (int y = std::max(0, cy - half); y < std::min(h, cy + half); ++y) {
        for (int x = std::max(0, cx - half); x < std::min(w, cx + half); ++x) {
            const unsigned char* p = &pixels[(size_t(y) * w + x) * 3];
            for (int c = 0; c < 3; ++c) sum[c] += p[c];
            ++n;
        }
    }
    if (n == 0) return core::fail(png.string() + ": point outside the picture");
    return Rgb{int(sum[0] / n), int(sum[1] / n), int(sum[2] / n)};
}

}  // namespace e2e
