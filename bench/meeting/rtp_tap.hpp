// The glass-to-glass caller's side of the wire: the RTP between a baresip's media ports and the
// gateway, captured on lo (AF_PACKET, kernel times, CLOCK_REALTIME) and read for flashes and
// beeps without a decoder: a beep is the first loud G.711 sample after silence; a flash is the
// first H.264 frame after a run of small ones that is far larger than they are (a still dark
// picture codes to a few bytes; the whole picture turning white does not), a keyframe only
// when the picture turns back a flash's length later (encoders code the flash as a scene
// change, a keyframe; a keyframe asked for has no such end). Inbound: what the caller receives
// (baresip itself only discards what it decodes); outbound: when the caller's own beeps and flashes
// left it.
//
// It also keeps the RTP headers of every other UDP flow on lo (the gateway's link to its page,
// the browsers' SRTP to and from Janus: headers are in the clear, sizes nearly so), so that a
// flash can be followed hop by hop (hops()): where it left each process on its way.
#pragma once

#include "core/result.hpp"

#include <sys/types.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace bench {

// UDP ports the process `pid` has bound (found through /proc).
std::set<uint16_t> udp_ports_of(pid_t pid);

class RtpTap {
public:
    // Taps UDP to and from every port the process `pid` has bound (found through /proc), and
    // the headers of every other flow on lo. Flashes last `flash_ms`.
    static core::Result<std::unique_ptr<RtpTap>> start(pid_t pid, double flash_ms);
    RtpTap() = default;
    ~RtpTap();
    RtpTap(const RtpTap&) = delete;
    RtpTap& operator=(const RtpTap&) = delete;

    // Onsets as [{"at": wall ms}], the shape flash_probe.js reports.
    [[nodiscard]] nlohmann::json flashes(bool inbound) const;
    [[nodiscard]] nlohmann::json beeps(bool inbound) const;
    // Ports, packet and frame counts, the sizes the flash detector compared.
    [[nodiscard]] nlohmann::json describe() const;

    // Who owns a UDP port ("gateway", "janus", ...), for hops().
    using PortRoles = std::map<uint16_t, std::string>;
    // Every flash sent at `sent` (wall ms) followed along `path` (flows "from>to" by role): for
    // each hop, when the flash's frame had wholly left its sender on that flow (the first flash
    // onset there after the previous hop's, within a second). {"path", "hops": [{"flow",
    // "from_previous_ms", "from_sent_ms"}], "samples"}.
    [[nodiscard]] nlohmann::json hops(const std::vector<double>& sent,
                                      const std::vector<std::string>& path,
                                      const PortRoles& roles) const;
    // The same for every beep sent at `sent`: on each flow, the first beep onset within 1.8 s
    // after the previous hop's. A beep is the first loud G.711 sample after silence
    // (the caller's flows) or, on the Opus flows whose payloads are encrypted, the first packet
    // after 300 ms of small ones that is far larger than they are (silence codes to a few bytes).
    [[nodiscard]] nlohmann::json beep_hops(const std::vector<double>& sent,
                                           const std::vector<std::string>& path,
                                           const PortRoles& roles) const;

private:
    struct Packet {
        int64_t at_us;
        uint16_t sport;
        uint16_t dport;
        uint32_t ssrc;
        uint8_t payload_type;
        bool marker;
        uint32_t timestamp;
        bool inbound;
        bool caller;                   // to or from the caller's ports
        std::vector<uint8_t> payload;  // caller's: G.711 samples in full, video the first bytes
        std::size_t size;
    };
    struct Frame {
        int64_t at_us;  // arrival of its last packet
        std::size_t bytes;
        bool key;
    };
    struct Beep {
        double at;   // wall ms of its first loud sample
        double len;  // ms to its last
    };
    // Beeps in G.711 µ-law packets (payloads kept), in arrival order.
    static std::vector<Beep> pcmu_beeps(const std::vector<const Packet*>& packets);
    void run();
    [[nodiscard]] std::vector<Frame> video_frames(bool inbound) const;
    // Flash onsets (wall ms) of every video stream between two roles.
    [[nodiscard]] std::vector<double> flow_flashes(const std::string& flow,
                                                   const PortRoles& roles) const;
    // Beep onsets (wall ms) of every audio stream between two roles.
    [[nodiscard]] std::vector<double> flow_beeps(const std::string& flow,
                                                 const PortRoles& roles) const;
    [[nodiscard]] nlohmann::json follow(const std::vector<double>& sent,
                                        const std::vector<std::string>& path,
                                        const std::vector<std::vector<double>>& onsets,
                                        double reach_ms, double first_slack_ms) const;

    int fd_ = -1;
    double flash_ms_ = 0;
    std::set<uint16_t> ports_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<Packet> packets_;
    std::thread thread_;
};

}  // namespace bench
