#include "rtp_tap.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace bench {

namespace {

// ~2 min of every flow of a 720p call (caller, link, Janus both ways): bounds memory
constexpr std::size_t kMaxPackets = 400000;
constexpr uint8_t kPcmu = 0;
// -30 dBFS: what the gateway sends the caller is the meeting's mix, quieter than the source.
constexpr int kBeepThreshold = 1036;
constexpr int kQuietSamples = 8000 * 3 / 10;  // 300 ms of silence before an onset counts
constexpr int kEndSamples = 8000 / 50;        // 20 ms of silence ends a beep

// G.711 µ-law to 16-bit linear (the standard expansion).
int ulaw(uint8_t u) {
    u = static_cast<uint8_t>(~u);
    int t = ((u & 0x0f) << 3) + 0x84;
    t <<= (u & 0x70) >> 4;
    return (u & 0x80) ? (0x84 - t) : (t - 0x84);
}

// An H.264 RTP payload carrying an IDR slice or parameter sets (single NAL, STAP-A, FU-A).
bool h264_key(const std::vector<uint8_t>& p) {
    if (p.empty()) return false;
    const int type = p[0] & 0x1f;
    if (type == 5 || type == 7) return true;
    if (type == 28 && p.size() > 1) return (p[1] & 0x1f) == 5;
    if (type == 24) {
        for (std::size_t i = 1; i + 2 < p.size();) {
            const std::size_t len = (static_cast<std::size_t>(p[i]) << 8) | p[i + 1];
            const int t = p[i + 2] & 0x1f;
            if (t == 5 || t == 7) return true;
            i += 2 + len;
        }
    }
    return false;
}

// Median, min, max of a list (ms), the shape glass_to_glass.cpp reports.
nlohmann::json summary(std::vector<double> v) {
    if (v.empty()) return {{"samples", 0}, {"median", nullptr}};
    std::sort(v.begin(), v.end());
    return {
        {"samples", v.size()}, {"min", v.front()}, {"median", v[v.size() / 2]}, {"max", v.back()}};
}

// Flash onsets in a run of frames: a frame far larger than the small ones before it. A keyframe
// counts only when the picture changes back (another large frame) about a flash's length
// later: encoders code the dark picture turning white as a keyframe (scene change), and so
// does any keyframe asked for (PLI), which is not followed by the flash's end.
template <class Frames>
std::vector<double> flash_onsets(const Frames& frames, double flash_ms) {
    struct Big {
        double at;
        bool key;
    };
    std::vector<Big> big;
    std::vector<std::size_t> recent;  // sizes of the last small frames
    for (const auto& f : frames) {
        std::vector<std::size_t> sorted = recent;
        std::sort(sorted.begin(), sorted.end());
        const std::size_t typical = sorted.empty() ? 0 : sorted[sorted.size() / 2];
        if (recent.size() >= 5 && f.bytes > std::max<std::size_t>(8 * typical, 400)) {
            big.push_back({static_cast<double>(f.at_us) / 1000.0, f.key});
            recent.clear();  // the picture changed: what counts as small starts again
        } else {
            recent.push_back(f.bytes);
            if (recent.size() > 15) recent.erase(recent.begin());
        }
    }
    constexpr double kSlackMs = 150;
    std::vector<double> out;
    for (std::size_t i = 0; i < big.size(); ++i) {
        if (big[i].key) {
            const bool ends = std::ranges::any_of(big, [&](const Big& b) {
                return std::abs(b.at - big[i].at - flash_ms) <= kSlackMs;
            });
            if (!ends) continue;
        }
        // The flash's end is a large frame too: not an onset of its own.
        if (!out.empty() && std::abs(big[i].at - out.back() - flash_ms) <= kSlackMs) continue;
        out.push_back(big[i].at);
    }
    return out;
}

}  // namespace

// Socket inodes of `pid`, then the UDP ports those sockets are bound to (/proc/net/udp of the
// namespace the bench runs in).
std::set<uint16_t> udp_ports_of(pid_t pid) {
    std::set<std::string> inodes;
    std::error_code ec;
    for (const auto& e :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        const auto target = std::filesystem::read_symlink(e.path(), ec).string();
        if (target.starts_with("socket:[")) inodes.insert(target.substr(8, target.size() - 9));
    }
    std::set<uint16_t> ports;
    std::ifstream udp("/proc/" + std::to_string(pid) + "/net/udp");
    std::string line;
    std::getline(udp, line);  // header
    while (std::getline(udp, line)) {
        std::istringstream in(line);
        std::string slot, local, remote, state, queues, timer, retr, uid, timeout, inode;
        in >> slot >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >>
            inode;
        const auto colon = local.find(':');
        if (colon == std::string::npos || !inodes.contains(inode)) continue;
        ports.insert(static_cast<uint16_t>(std::stoul(local.substr(colon + 1), nullptr, 16)));
    }
    return ports;
}

core::Result<std::unique_ptr<RtpTap>> RtpTap::start(pid_t pid, double flash_ms) {
    auto tap = std::make_unique<RtpTap>();
    tap->flash_ms_ = flash_ms;
    tap->ports_ = udp_ports_of(pid);
    if (tap->ports_.empty()) return core::fail("rtp tap: the caller has no UDP socket");
    tap->fd_ = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
    if (tap->fd_ < 0) return core::fail(std::string("rtp tap: socket: ") + std::strerror(errno));
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_IP);
    addr.sll_ifindex = static_cast<int>(if_nametoindex("lo"));
    if (::bind(tap->fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return core::fail(std::string("rtp tap: bind to lo: ") + std::strerror(errno));
    tap->thread_ = std::thread([t = tap.get()] { t->run(); });
    return tap;
}

RtpTap::~RtpTap() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
}

void RtpTap::run() {
    std::vector<uint8_t> buf(65536);
    while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        sockaddr_ll from{};
        socklen_t len = sizeof from;
        const ssize_t n =
            ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
        // Loopback shows each packet twice (sent and received): keep the received copy.
        if (n < 20 || from.sll_pkttype == PACKET_OUTGOING) continue;
        timeval tv{};
        if (::ioctl(fd_, SIOCGSTAMP, &tv) != 0) continue;
        const uint8_t* ip = buf.data();
        const auto ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
        if ((ip[0] >> 4) != 4 || ip[9] != IPPROTO_UDP || static_cast<std::size_t>(n) < ihl + 20)
            continue;
        const uint8_t* udp = ip + ihl;
        const auto sport = static_cast<uint16_t>((udp[0] << 8) | udp[1]);
        const auto dport = static_cast<uint16_t>((udp[2] << 8) | udp[3]);
        const bool inbound = ports_.contains(dport);
        const bool caller = inbound || ports_.contains(sport);
        const uint8_t* rtp = udp + 8;
        const auto rtp_len = static_cast<std::size_t>(n) - ihl - 8;
        if (rtp_len < 12 || (rtp[0] >> 6) != 2) continue;  // SIP, STUN, DTLS
        const auto pt = static_cast<uint8_t>(rtp[1] & 0x7f);
        if (pt >= 72 && pt <= 76) continue;  // RTCP
        const std::size_t header = 12 + 4 * static_cast<std::size_t>(rtp[0] & 0x0f);
        std::size_t ext = 0;
        if ((rtp[0] & 0x10) && rtp_len >= header + 4)
            ext = 4 + 4 * ((static_cast<std::size_t>(rtp[header + 2]) << 8) | rtp[header + 3]);
        if (rtp_len < header + ext) continue;
        const uint8_t* payload = rtp + header + ext;
        const std::size_t size = rtp_len - header - ext;
        // Other flows are SRTP (DTLS) or plain RTP whose payloads nobody reads here.
        const std::size_t keep =
            !caller ? 0 : (pt == kPcmu ? size : std::min<std::size_t>(size, 64));
        Packet pkt{static_cast<int64_t>(tv.tv_sec) * 1000000 + tv.tv_usec,
                   sport,
                   dport,
                   (static_cast<uint32_t>(rtp[8]) << 24) | (static_cast<uint32_t>(rtp[9]) << 16) |
                       (static_cast<uint32_t>(rtp[10]) << 8) | rtp[11],
                   pt,
                   (rtp[1] & 0x80) != 0,
                   (static_cast<uint32_t>(rtp[4]) << 24) | (static_cast<uint32_t>(rtp[5]) << 16) |
                       (static_cast<uint32_t>(rtp[6]) << 8) | rtp[7],
                   inbound,
                   caller,
                   std::vector<uint8_t>(payload, payload + keep),
                   size};
        const std::scoped_lock lock(mutex_);
        if (packets_.size() < kMaxPackets) packets_.push_back(std::move(pkt));
    }
}

std::vector<RtpTap::Beep> RtpTap::pcmu_beeps(const std::vector<const Packet*>& packets) {
    std::vector<Beep> out;
    int quiet = kQuietSamples + 1;
    double onset = -1;
    double last = 0;
    for (const Packet* p : packets) {
        for (std::size_t i = 0; i < p->payload.size(); ++i) {
            // The sample as played by an endpoint that plays a packet as it arrives.
            const double at = static_cast<double>(p->at_us) / 1000.0 + static_cast<double>(i) / 8.0;
            if (std::abs(ulaw(p->payload[i])) > kBeepThreshold) {
                if (quiet > kQuietSamples) onset = at;
                quiet = 0;
                last = at;
            } else if (++quiet > kEndSamples && onset >= 0) {
                out.push_back({onset, last - onset});
                onset = -1;
            }
        }
    }
    return out;
}

nlohmann::json RtpTap::beeps(bool inbound) const {
    const std::scoped_lock lock(mutex_);
    std::vector<const Packet*> packets;
    for (const auto& p : packets_)
        if (p.caller && p.payload_type == kPcmu && p.inbound == inbound) packets.push_back(&p);
    nlohmann::json out = nlohmann::json::array();
    for (const Beep& b : pcmu_beeps(packets)) out.push_back({{"at", b.at}, {"len", b.len}});
    return out;
}

std::vector<RtpTap::Frame> RtpTap::video_frames(bool inbound) const {
    const std::scoped_lock lock(mutex_);
    std::vector<Frame> frames;
    bool open = false;
    uint32_t ts = 0;
    Frame cur{0, 0, false};
    for (const auto& p : packets_) {
        // Audio, telephone-event.
        if (!p.caller || p.payload_type < 96 || p.size <= 4 || p.inbound != inbound) continue;
        if (open && p.timestamp != ts) frames.push_back(cur), open = false;
        if (!open) cur = Frame{0, 0, false}, ts = p.timestamp, open = true;
        cur.bytes += p.size;
        cur.key = cur.key || h264_key(p.payload);
        cur.at_us = p.at_us;
        if (p.marker) frames.push_back(cur), open = false;
    }
    return frames;
}

nlohmann::json RtpTap::flashes(bool inbound) const {
    const auto frames = video_frames(inbound);
    nlohmann::json out = nlohmann::json::array();
    std::map<double, std::size_t> bytes;
    for (const auto& f : frames) bytes[static_cast<double>(f.at_us) / 1000.0] = f.bytes;
    for (const double at : flash_onsets(frames, flash_ms_))
        out.push_back({{"at", at}, {"bytes", bytes[at]}});
    return out;
}

std::vector<double> RtpTap::flow_flashes(const std::string& flow, const PortRoles& roles) const {
    const auto role = [&](uint16_t port) {
        const auto it = roles.find(port);
        return it == roles.end() ? std::string("?") : it->second;
    };
    // Frames per stream (SSRC) of that flow, as video_frames() cuts them.
    struct Stream {
        std::vector<Frame> frames;
        std::vector<uint32_t> stamps;
        bool open = false;
        uint32_t ts = 0;
        Frame cur{0, 0, false};
    };
    std::map<uint32_t, Stream> streams;
    {
        const std::scoped_lock lock(mutex_);
        for (const auto& p : packets_) {
            if (p.size <= 4 || role(p.sport) + ">" + role(p.dport) != flow) continue;
            auto& st = streams[p.ssrc];
            if (st.open && p.timestamp != st.ts) st.frames.push_back(st.cur), st.open = false;
            if (!st.open) {
                st.cur = Frame{0, 0, false};
                st.ts = p.timestamp;
                st.open = true;
                st.stamps.push_back(p.timestamp);
            }
            st.cur.bytes += p.size;
            st.cur.key = st.cur.key || (p.caller && h264_key(p.payload));
            st.cur.at_us = p.at_us;
            if (p.marker) st.frames.push_back(st.cur), st.open = false;
        }
    }
    std::vector<double> out;
    for (const auto& [ssrc, st] : streams) {
        if (st.frames.size() < 60) continue;  // retransmissions, probing, a stream that ended
        // Video steps its 90 kHz clock by ~3000 a frame; audio by 160 (G.711) or 960 (Opus).
        std::vector<uint32_t> steps;
        for (std::size_t i = 1; i < st.stamps.size(); ++i)
            steps.push_back(st.stamps[i] - st.stamps[i - 1]);
        std::sort(steps.begin(), steps.end());
        if (steps.empty() || steps[steps.size() / 2] < 1500) continue;
        const auto onsets = flash_onsets(st.frames, flash_ms_);
        out.insert(out.end(), onsets.begin(), onsets.end());
        // Every frame of the flow, to check the detector by hand (bench/meeting/README.md).
        if (const char* dump = std::getenv("MEETING_BENCH_DUMP_FRAMES"); dump != nullptr) {
            std::ofstream f(dump, std::ios::app);
            // With the frame's RTP timestamp when the cut kept them aligned (one per frame).
            const bool stamped = st.stamps.size() >= st.frames.size();
            for (std::size_t i = 0; i < st.frames.size(); ++i) {
                const auto& fr = st.frames[i];
                f << flow << ' ' << ssrc << ' ' << fr.at_us << ' ' << fr.bytes << ' ' << fr.key;
                if (stamped) f << ' ' << st.stamps[i];
                f << '\n';
            }
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<double> RtpTap::flow_beeps(const std::string& flow, const PortRoles& roles) const {
    const auto role = [&](uint16_t port) {
        const auto it = roles.find(port);
        return it == roles.end() ? std::string("?") : it->second;
    };
    struct Stream {
        std::vector<const Packet*> packets;
    };
    std::map<uint32_t, Stream> streams;
    const std::scoped_lock lock(mutex_);
    for (const auto& p : packets_)
        if (role(p.sport) + ">" + role(p.dport) == flow) streams[p.ssrc].packets.push_back(&p);
    std::vector<double> out;
    for (const auto& [ssrc, st] : streams) {
        const auto& ps = st.packets;
        if (ps.size() < 100) continue;
        // Audio steps its clock by 160 (G.711, 20 ms) or 480-1920 (Opus at 48 kHz, 10-40 ms).
        std::vector<uint32_t> steps;
        for (std::size_t i = 1; i < ps.size(); ++i)
            if (ps[i]->timestamp != ps[i - 1]->timestamp)
                steps.push_back(ps[i]->timestamp - ps[i - 1]->timestamp);
        std::sort(steps.begin(), steps.end());
        if (steps.empty()) continue;
        const uint32_t step = steps[steps.size() / 2];
        const bool pcmu = ps.front()->payload_type == kPcmu && step == 160;
        if (!pcmu && (step < 480 || step > 1920)) continue;
        if (pcmu) {
            // Decoded, as beeps() does: the caller's flows (their payloads are kept).
            for (const Beep& b : pcmu_beeps(ps)) out.push_back(b.at);
            continue;
        }
        // Silence is most of every period (a beep is 100-220 ms of 2 s): the median packet.
        std::vector<std::size_t> sizes;
        sizes.reserve(ps.size());
        for (const Packet* p : ps) sizes.push_back(p->size);
        std::sort(sizes.begin(), sizes.end());
        const std::size_t quiet_size = sizes[sizes.size() / 2];
        const std::size_t loud_size = std::max<std::size_t>(2 * quiet_size, quiet_size + 30);
        constexpr int64_t kQuietUs = 300000;  // as kQuietSamples
        int64_t last_loud = -kQuietUs - 1;
        for (const Packet* p : ps) {
            if (p->size < loud_size) continue;
            if (p->at_us - last_loud > kQuietUs)
                out.push_back(static_cast<double>(p->at_us) / 1000.0);
            last_loud = p->at_us;
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

nlohmann::json RtpTap::hops(const std::vector<double>& sent, const std::vector<std::string>& path,
                            const PortRoles& roles) const {
    std::vector<std::vector<double>> onsets;
    onsets.reserve(path.size());
    for (const auto& flow : path) onsets.push_back(flow_flashes(flow, roles));
    return follow(sent, path, onsets, 1000, 0);
}

nlohmann::json RtpTap::beep_hops(const std::vector<double>& sent,
                                 const std::vector<std::string>& path,
                                 const PortRoles& roles) const {
    std::vector<std::vector<double>> onsets;
    onsets.reserve(path.size());
    for (const auto& flow : path) onsets.push_back(flow_beeps(flow, roles));
    // A beep can wait a second or more in a jitter buffer; the next one comes 2 s later.
    // The caller's beep may leave a little before the flash it is scheduled with is captured.
    return follow(sent, path, onsets, 1800, 100);
}

nlohmann::json RtpTap::follow(const std::vector<double>& sent, const std::vector<std::string>& path,
                              const std::vector<std::vector<double>>& onsets, double reach_ms,
                              double first_slack_ms) const {
    std::vector<std::vector<double>> step(path.size());
    std::vector<std::vector<double>> total(path.size());
    for (const double s : sent) {
        double prev = s;
        for (std::size_t h = 0; h < path.size(); ++h) {
            const double from = h == 0 ? prev - first_slack_ms : prev;
            const auto it = std::lower_bound(onsets[h].begin(), onsets[h].end(), from);
            if (it == onsets[h].end() || *it - from >= reach_ms) break;
            step[h].push_back(*it - prev);
            total[h].push_back(*it - s);
            prev = *it;
        }
    }
    nlohmann::json out = {{"path", path}, {"sent", sent.size()}, {"hops", nlohmann::json::array()}};
    for (std::size_t h = 0; h < path.size(); ++h)
        out["hops"].push_back({{"flow", path[h]},
                               {"onsets", onsets[h].size()},
                               {"from_previous_ms", summary(step[h])},
                               {"from_sent_ms", summary(total[h])}});
    return out;
}

nlohmann::json RtpTap::describe() const {
    const auto frames = video_frames(true);
    std::size_t audio = 0;
    int peak = 0;
    {
        const std::scoped_lock lock(mutex_);
        for (const auto& p : packets_) {
            if (!p.caller || p.payload_type != kPcmu || !p.inbound) continue;
            ++audio;
            for (const uint8_t u : p.payload) peak = std::max(peak, std::abs(ulaw(u)));
        }
    }
    std::vector<std::size_t> sizes;
    std::size_t keys = 0;
    for (const auto& f : frames) {
        sizes.push_back(f.bytes);
        keys += f.key ? 1 : 0;
    }
    std::sort(sizes.begin(), sizes.end());
    return {{"ports", ports_},
            {"pcmu_packets_received", audio},
            {"pcmu_received_peak_dbfs",
             peak > 0 ? 20 * std::log10(static_cast<double>(peak) / 32768.0) : -200.0},
            {"video_frames_received", frames.size()},
            {"video_keyframes", keys},
            {"video_frame_bytes_median", sizes.empty() ? 0 : sizes[sizes.size() / 2]},
            {"video_frame_bytes_max", sizes.empty() ? 0 : sizes.back()},
            {"method",
             "kernel receive time on lo of the packet carrying the onset: a beep is the first "
             "G.711 sample above -30 dBFS after 300 ms of silence (plus its offset in the "
             "packet), a flash the last packet of the first H.264 frame 8x larger than the "
             "median of the frames before it (a keyframe only when the picture changes back a "
             "flash's length later)"}};
}

}  // namespace bench
