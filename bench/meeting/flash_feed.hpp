// The glass-to-glass caller's camera: a NUT stream of raw 4:2:0 video written in real time into
// a FIFO that baresip's avformat module reads as its video source. Dark frames, with bright ones
// for flash_ms on a wall-clock schedule (FlashSchedule). Since the bench writes every frame
// itself, it knows when each flash was "captured" (CLOCK_REALTIME): no frame grid or generator
// start time to guess. (Not its microphone: baresip 1.0.0's avformat audio path decodes into
// AVFrames on its stack, which FFmpeg 5.1 overruns: "stack smashing detected". The beeps come
// from a WAV file through aufile instead; beep_wav() writes it.)
#pragma once

#include "core/result.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace bench {

// Flashes (and beeps) start at wall-clock times t with t mod period_ms == phase_ms.
struct FlashSchedule {
    int64_t period_ms = 2000;
    int64_t phase_ms = 0;
    int64_t flash_ms = 200;
    int64_t beep_ms = 100;
    // Beep k lasts beep_ms + beep_step_ms * (k mod 4): receivers tell cycles apart by it.
    int64_t beep_step_ms = 40;
};

struct FlashSent {
    int64_t flash_ms = 0;       // capture time of the first bright frame (ms since the epoch)
    int64_t beep_ms = 0;        // send time of the first beep sample (see glass_to_glass.cpp)
    double beep_len_ms = 0;     // its length (codes the cycle), 0 if unknown
    int64_t flash_wire_ms = 0;  // when the flash's frame left the sender, if known
    double pipe_wait_ms = 0;    // how long baresip took to take the bright frame from the FIFO
    // The beep or the flash was not found where the sender's wire is read: the pair's A/V
    // offset would mix a wire time with a capture time, so it gives none.
    bool wire_time_missing = false;
};

// A WAV file of `seconds` of 8 kHz mono: a 1 kHz beep every period_ms from its start, of the
// schedule's lengths.
core::Status beep_wav(const std::filesystem::path& file, const FlashSchedule& schedule,
                      int seconds);

class FlashFeed {
public:
    // Creates the FIFO and starts the writer; baresip opens it when its call starts media.
    static core::Result<std::unique_ptr<FlashFeed>> start(std::filesystem::path fifo, int width,
                                                          int height, int fps,
                                                          FlashSchedule schedule);
    FlashFeed() = default;
    ~FlashFeed();
    FlashFeed(const FlashFeed&) = delete;
    FlashFeed& operator=(const FlashFeed&) = delete;

    // "nut,<fifo>": baresip's avformat device for video_source.
    [[nodiscard]] std::string device() const { return "nut," + fifo_.string(); }
    // Moves the flashes onto another phase (to start with the beeps of a file played from an
    // instant only seen afterwards).
    void set_phase(int64_t phase_ms) { phase_ms_ = phase_ms; }
    // Flashes sent so far, oldest first.
    [[nodiscard]] std::vector<FlashSent> sent() const;
    [[nodiscard]] bool streaming() const { return streaming_; }

private:
    void run();

    std::filesystem::path fifo_;
    int width_ = 0, height_ = 0, fps_ = 30;
    FlashSchedule schedule_;
    std::atomic<int64_t> phase_ms_{0};
    std::atomic<bool> stop_{false};
    std::atomic<bool> streaming_{false};
    mutable std::mutex mutex_;
    std::map<int64_t, FlashSent> sent_;  // by cycle (flash and beep of one schedule slot)
    std::thread thread_;
};

}  // namespace bench
