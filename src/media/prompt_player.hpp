// Spoken prompts for the IVR: WAV files queued by the control thread and written into the
// audio source's silent buffers on the streaming thread, so the prompt keeps the pipeline's
// pace and a new prompt simply replaces the rest of the old one.
#pragma once

#include "core/result.hpp"

#include <gst/gst.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace media {

// The samples of a 16-bit mono PCM WAV at `rate`; an error names what does not fit.
core::Result<std::vector<int16_t>> read_wav_mono16(const std::string& path, int rate);

class PromptPlayer {
public:
    // Replaces whatever plays now with these files, in order (control thread).
    void play(const std::vector<std::string>& files, int rate);
    // Buffer probe on the source's src pad (streaming thread); `self` is a PromptPlayer.
    static GstPadProbeReturn on_buffer(GstPad*, GstPadProbeInfo* info, gpointer self);
    [[nodiscard]] bool playing() const;

private:
    mutable std::mutex mutex_;
    std::vector<int16_t> samples_;
    size_t position_ = 0;
};

}  // namespace media
