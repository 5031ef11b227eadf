#include "flash_feed.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mem.h>
}

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <numbers>

namespace bench {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kWavRate = 8000;
constexpr double kBeepHz = 1000;

int64_t wall_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct FormatContextFree {
    void operator()(AVFormatContext* oc) const {
        if (oc->pb) {
            av_freep(&oc->pb->buffer);
            avio_context_free(&oc->pb);
        }
        avformat_free_context(oc);
    }
};
struct PacketFree {
    void operator()(AVPacket* p) const { av_packet_free(&p); }
};

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }
    void reset(int fd) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_;
};

// The AVIO sink: non-blocking writes polled in short slices, so that stop() is never stuck
// behind a baresip that stopped reading without closing its end.
struct Sink {
    int fd = -1;
    const std::atomic<bool>* stop = nullptr;
};

int write_all(void* opaque, uint8_t* buf, int size) {
    auto* sink = static_cast<Sink*>(opaque);
    int done = 0;
    while (done < size) {
        const ssize_t n = ::write(sink->fd, buf + done, static_cast<size_t>(size - done));
        if (n > 0) {
            done += static_cast<int>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN) return AVERROR(errno);  // EPIPE: baresip closed its end
        if (sink->stop->load()) return AVERROR_EXIT;
        pollfd p{sink->fd, POLLOUT, 0};
        (void)::poll(&p, 1, 100);
    }
    return size;
}

}  // namespace

core::Status beep_wav(const std::filesystem::path& file, const FlashSchedule& schedule,
                      int seconds) {
    const auto frames = static_cast<uint32_t>(seconds) * kWavRate;
    std::vector<int16_t> samples(frames, 0);
    for (uint32_t n = 0; n < frames; ++n) {
        const int64_t ms = static_cast<int64_t>(n) * 1000 / kWavRate;
        const int64_t cycle = ms / schedule.period_ms;
        if (ms % schedule.period_ms < schedule.beep_ms + schedule.beep_step_ms * (cycle % 4))
            samples[n] = static_cast<int16_t>(
                std::lround(0.5 * 32767 * std::sin(2 * std::numbers::pi * kBeepHz * n / kWavRate)));
    }
    // RIFF/WAVE, PCM 16-bit mono (little-endian, as this machine is).
    const uint32_t data_bytes = frames * 2;
    std::ofstream out(file, std::ios::binary);
    const auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
    const auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
    out.write("RIFF", 4);
    u32(36 + data_bytes);
    out.write("WAVEfmt ", 8);
    u32(16);
    u16(1);  // PCM
    u16(1);  // mono
    u32(kWavRate);
    u32(kWavRate * 2);
    u16(2);
    u16(16);
    out.write("data", 4);
    u32(data_bytes);
    out.write(reinterpret_cast<const char*>(samples.data()), data_bytes);
    if (!out) return core::fail("beep wav: cannot write " + file.string());
    return core::Ok{};
}

core::Result<std::unique_ptr<FlashFeed>> FlashFeed::start(std::filesystem::path fifo, int width,
                                                          int height, int fps,
                                                          FlashSchedule schedule) {
    std::error_code ec;
    std::filesystem::remove(fifo, ec);
    if (::mkfifo(fifo.c_str(), 0600) != 0)
        return core::fail("flash feed: mkfifo " + fifo.string() + ": " + std::strerror(errno));
    auto feed = std::make_unique<FlashFeed>();
    feed->fifo_ = std::move(fifo);
    feed->width_ = width;
    feed->height_ = height;
    feed->fps_ = fps;
    feed->schedule_ = schedule;
    feed->phase_ms_ = schedule.phase_ms;
    feed->thread_ = std::thread([f = feed.get()] { f->run(); });
    return feed;
}

FlashFeed::~FlashFeed() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    std::error_code ec;
    std::filesystem::remove(fifo_, ec);
}

std::vector<FlashSent> FlashFeed::sent() const {
    const std::scoped_lock lock(mutex_);
    std::vector<FlashSent> out;
    for (const auto& [cycle, s] : sent_)
        if (s.flash_ms > 0) out.push_back(s);
    return out;
}

void FlashFeed::run() {
    // A FIFO opened for writing without a reader fails with ENXIO in non-blocking mode: poll
    // until baresip's call starts its media and opens the other end.
    Fd fd;
    while (!stop_) {
        const int f = ::open(fifo_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (f >= 0) {
            fd.reset(f);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (stop_) return;

    Sink sink{fd.get(), &stop_};
    AVFormatContext* raw = nullptr;
    if (avformat_alloc_output_context2(&raw, nullptr, "nut", nullptr) < 0 || !raw) {
        std::cerr << "flash feed: no NUT muxer\n";
        return;
    }
    std::unique_ptr<AVFormatContext, FormatContextFree> oc(raw);
    constexpr int kIoBuffer = 64 * 1024;
    auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBuffer));
    oc->pb = avio_alloc_context(buffer, kIoBuffer, 1, &sink, nullptr, write_all, nullptr);
    if (!oc->pb) {
        av_free(buffer);
        return;
    }
    oc->flags |= AVFMT_FLAG_CUSTOM_IO;

    AVStream* video = avformat_new_stream(oc.get(), nullptr);
    video->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
    video->codecpar->codec_id = AV_CODEC_ID_RAWVIDEO;
    video->codecpar->format = AV_PIX_FMT_YUV420P;
    video->codecpar->width = width_;
    video->codecpar->height = height_;
    // Without the tag the NUT stream header carries no pixel format: baresip's rawvideo decoder
    // would guess 4:2:2 and reject every frame.
    video->codecpar->codec_tag = avcodec_pix_fmt_to_codec_tag(AV_PIX_FMT_YUV420P);
    video->time_base = AVRational{1, fps_};
    if (avformat_write_header(oc.get(), nullptr) < 0) {
        std::cerr << "flash feed: NUT header failed\n";
        return;
    }
    avio_flush(oc->pb);
    // baresip paces its reads by pts from the moment its read thread starts (after the
    // header): start the clock once it has taken the header, so no packet waits on that pacing.
    const auto header_deadline = SteadyClock::now() + std::chrono::seconds(2);
    for (int pending = 1; pending > 0 && SteadyClock::now() < header_deadline && !stop_;) {
        if (::ioctl(fd.get(), FIONREAD, &pending) != 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));

    const std::size_t luma = static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_);
    std::vector<uint8_t> dark(luma * 3 / 2, 128);
    std::vector<uint8_t> bright(luma * 3 / 2, 128);
    std::fill_n(dark.begin(), luma, 16);  // video range black and white
    std::fill_n(bright.begin(), luma, 235);

    std::unique_ptr<AVPacket, PacketFree> pkt(av_packet_alloc());
    const auto t0 = SteadyClock::now();
    const auto cycle_of = [&](int64_t wall_ms) {
        return (wall_ms - phase_ms_) / schedule_.period_ms;
    };
    const auto in_window = [&](int64_t wall_ms, int64_t length_ms) {
        const int64_t p = schedule_.period_ms;
        return (((wall_ms - phase_ms_) % p) + p) % p < length_ms;
    };
    int64_t frame = 0;
    bool was_bright = false;
    streaming_ = true;
    while (!stop_) {
        std::this_thread::sleep_until(t0 + std::chrono::microseconds(frame * 1000000 / fps_));
        const int64_t start_us = wall_us();
        const bool on = in_window(start_us / 1000, schedule_.flash_ms);
        const auto& image = on ? bright : dark;
        if (av_new_packet(pkt.get(), static_cast<int>(image.size())) < 0) break;
        std::memcpy(pkt->data, image.data(), image.size());
        pkt->stream_index = video->index;
        pkt->pts = pkt->dts = av_rescale_q(frame, AVRational{1, fps_}, video->time_base);
        pkt->duration = av_rescale_q(1, AVRational{1, fps_}, video->time_base);
        pkt->flags |= AV_PKT_FLAG_KEY;
        const int written = av_write_frame(oc.get(), pkt.get());
        av_packet_unref(pkt.get());
        if (written < 0) break;
        avio_flush(oc->pb);
        if (oc->pb->error < 0) break;
        // The FIFO holds 64 KiB, 5% of a frame: the write returns once baresip has read it.
        const int64_t end_us = wall_us();
        if (on && !was_bright) {
            const std::scoped_lock lock(mutex_);
            auto& s = sent_[cycle_of(start_us / 1000)];
            s.flash_ms = start_us / 1000;
            s.pipe_wait_ms = static_cast<double>(end_us - start_us) / 1000.0;
        }
        was_bright = on;
        ++frame;
    }
    streaming_ = false;
}

}  // namespace bench
