// The glass-to-glass caller's side of the wire: the RTP between a baresip's media ports and the
// gateway, captured on lo (AF_PACKET, kernel times, CLOCK_REALTIME) and read for flashes and
// beeps without a decoder: a beep is the first loud G.711 sample after silence; a flash is the
// first H.264 frame after a run of small ones that is far larger than they are and not a
// keyframe (a still dark picture codes to a few hundred bytes; the whole picture turning white
// does not). Inbound: what the caller receives (baresip itself only discards what it decodes);
// outbound: when the caller's own beeps and flashes left it.
#pragma once

#include "core/result.hpp"

#include <sys/types.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace bench {

class RtpTap {
public:
    // Taps UDP to and from every port the process `pid` has bound (found through /proc).
    static core::Result<std::unique_ptr<RtpTap>> start(pid_t pid);
    RtpTap() = default;
    ~RtpTap();
    RtpTap(const RtpTap&) = delete;
    RtpTap& operator=(const RtpTap&) = delete;

    // Onsets as [{"at": wall ms}], the shape flash_probe.js reports.
    [[nodiscard]] nlohmann::json flashes(bool inbound) const;
    [[nodiscard]] nlohmann::json beeps(bool inbound) const;
    // Ports, packet and frame counts, the sizes the flash detector compared.
    [[nodiscard]] nlohmann::json describe() const;

private:
    struct Packet {
        int64_t at_us;
        uint8_t payload_type;
        bool marker;
        uint32_t timestamp;
        bool inbound;
        std::vector<uint8_t> payload;  // G.711 samples in full; for video the first bytes
        std::size_t size;
    };
    struct Frame {
        int64_t at_us;  // arrival of its last packet
        std::size_t bytes;
        bool key;
    };
    void run();
    [[nodiscard]] std::vector<Frame> video_frames(bool inbound) const;

    int fd_ = -1;
    std::set<uint16_t> ports_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<Packet> packets_;
    std::thread thread_;
};

}  // namespace bench
