#include "media/prompt_player.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

namespace media {

namespace {

uint32_t le32(const unsigned char* p) {
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint16_t le16(const unsigned char* p) {
    return static_cast<uint16_t>(p[0] | p[1] << 8);
}

}  // namespace

core::Result<std::vector<int16_t>> read_wav_mono16(const std::string& path, int rate) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return core::fail("cannot open " + path);
    std::vector<unsigned char> data((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
    if (data.size() < 12 || std::memcmp(data.data(), "RIFF", 4) != 0 ||
        std::memcmp(data.data() + 8, "WAVE", 4) != 0)
        return core::fail(path + " is not a WAV file");
    bool format_ok = false;
    for (size_t pos = 12; pos + 8 <= data.size();) {
        const uint32_t size = le32(&data[pos + 4]);
        const size_t body = pos + 8;
        if (body + size > data.size() && std::memcmp(&data[pos], "data", 4) != 0) break;
        if (std::memcmp(&data[pos], "fmt ", 4) == 0 && size >= 16) {
            const uint16_t format = le16(&data[body]);
            const uint16_t channels = le16(&data[body + 2]);
            const uint32_t srate = le32(&data[body + 4]);
            const uint16_t bits = le16(&data[body + 14]);
            if (format != 1 || channels != 1 || bits != 16 || srate != static_cast<uint32_t>(rate))
                return core::fail(path + ": want 16-bit mono PCM at " + std::to_string(rate) +
                                  " Hz");
            format_ok = true;
        } else if (std::memcmp(&data[pos], "data", 4) == 0) {
            if (!format_ok) return core::fail(path + ": data before fmt");
            // espeak-ng streams to stdout with an unknown length: take what is there.
            const size_t n = std::min<size_t>(size, data.size() - body) / 2;
            std::vector<int16_t> samples(n);
            for (size_t i = 0; i < n; ++i)
                samples[i] = static_cast<int16_t>(le16(&data[body + 2 * i]));
            return samples;
        }
        pos = body + size + (size & 1);
    }
    return core::fail(path + ": no data chunk");
}

void PromptPlayer::play(const std::vector<std::string>& files, int rate) {
    std::vector<int16_t> all;
    for (const auto& f : files) {
        auto s = read_wav_mono16(f, rate);
        if (!s) {
            spdlog::warn("media: prompt not played: {}", s.error().message);
            continue;
        }
        all.insert(all.end(), s->begin(), s->end());
        all.insert(all.end(), static_cast<size_t>(rate) / 4, 0);  // a breath between prompts
    }
    std::lock_guard lock(mutex_);
    samples_ = std::move(all);
    position_ = 0;
}

bool PromptPlayer::playing() const {
    std::lock_guard lock(mutex_);
    return position_ < samples_.size();
}

GstPadProbeReturn PromptPlayer::on_buffer(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<PromptPlayer*>(data);
    std::lock_guard lock(self->mutex_);
    if (self->position_ >= self->samples_.size()) return GST_PAD_PROBE_OK;  // silence as is
    GstBuffer* buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
    GST_PAD_PROBE_INFO_DATA(info) = buffer;
    // audiotestsrc marks its silence as a gap, which encoders would skip whatever it holds.
    GST_BUFFER_FLAG_UNSET(buffer, GST_BUFFER_FLAG_GAP);
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_WRITE)) return GST_PAD_PROBE_OK;
    const size_t n = std::min(map.size / 2, self->samples_.size() - self->position_);
    std::memcpy(map.data, self->samples_.data() + self->position_, n * 2);
    self->position_ += n;
    gst_buffer_unmap(buffer, &map);
    return GST_PAD_PROBE_OK;
}

}  // namespace media
