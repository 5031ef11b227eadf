// Glass-to-glass latency and A/V offset (issue 13): flashes with beeps sent at known wall-clock
// times, timestamped where they are seen and heard. Through the gateway: a baresip caller whose
// camera and microphone are a FlashFeed → the observer's page; the observer's own flashes → the
// caller. Baseline, same run: a second browser publishing the same flashes straight into Janus,
// observed by the same observer, and receiving the observer's flashes itself.
#include "flash_feed.hpp"
#include "meeting_scenarios.hpp"
#include "process_tree.hpp"
#include "rtp_tap.hpp"

#include "browser/reaper.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

namespace bench {

namespace {

using namespace std::chrono_literals;

// A 2 s period leaves room for latencies up to 2 s before a flash could be paired with the
// wrong send; callers (and the baseline browser) flash on even seconds, the observer on odd.
constexpr int64_t kPeriodMs = 2000;
// Long enough for a receiver decoding at 3 fps to catch each flash.
constexpr int64_t kFlashMs = 400;
constexpr int64_t kBeepMs = 100;
constexpr int64_t kBeepStepMs = 40;  // beep k lasts kBeepMs + kBeepStepMs * (k mod 4)
// A beep pairs with the latest send of the same length up to this long before it.
constexpr int64_t kBeepReachMs = 4 * kPeriodMs;
constexpr int64_t kCallerPhaseMs = 0;
constexpr int64_t kObserverPhaseMs = 1000;

void progress(const std::string& what) {
    std::cerr << "meeting_bench: " << what << std::endl;
}

double loadavg_1min() {
    std::ifstream in("/proc/loadavg");
    double one = 0;
    in >> one;
    return one;
}

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string config_script(bool publish, int64_t phase_ms) {
    return "window.__g2gConfig = {publish: " + std::string(publish ? "true" : "false") +
           ", phaseMs: " + std::to_string(phase_ms) + ", periodMs: " + std::to_string(kPeriodMs) +
           ", flashMs: " + std::to_string(kFlashMs) + ", beepMs: " + std::to_string(kBeepMs) +
           ", beepStepMs: " + std::to_string(kBeepStepMs) + "};";
}

nlohmann::json stats(std::vector<double> v) {
    if (v.empty()) return {{"samples", 0}, {"median", nullptr}};
    std::sort(v.begin(), v.end());
    return {
        {"samples", v.size()}, {"min", v.front()}, {"median", v[v.size() / 2]}, {"max", v.back()}};
}

// What a browser's flash_probe.js sent: {cycle, flash} and {cycle, beep} records merged.
std::vector<FlashSent> sent_by_page(const nlohmann::json& records) {
    std::map<int64_t, FlashSent> by_cycle;
    for (const auto& r : records) {
        auto& s = by_cycle[r.value("cycle", int64_t{0})];
        if (r.contains("flash")) s.flash_ms = static_cast<int64_t>(r["flash"].get<double>());
        if (r.contains("beep")) s.beep_ms = static_cast<int64_t>(r["beep"].get<double>());
        if (r.contains("len")) s.beep_len_ms = r["len"].get<double>();
    }
    std::vector<FlashSent> out;
    out.reserve(by_cycle.size());
    for (const auto& [cycle, s] : by_cycle) out.push_back(s);
    return out;
}

// Each onset seen is paired with the latest send before it (less than a period before).
struct Paired {
    std::vector<double> video;
    std::vector<double> video_from_wire;  // from when the flash left the sender, when known
    std::vector<double> audio;
    std::vector<double> av_offset;
};

Paired pair_up(const std::vector<FlashSent>& sent, const nlohmann::json& flashes,
               const nlohmann::json& beeps) {
    Paired p;
    std::map<std::size_t, double> video_of;  // sent index → flash latency
    std::map<std::size_t, double> audio_of;
    // A flash pairs with the latest send less than a period before it; a beep with the latest
    // send of the same length (its cycle mod 4) within kBeepReachMs.
    const auto latest = [&](double at, bool beep, double len) -> std::optional<std::size_t> {
        std::optional<std::size_t> best;
        double best_t = 0;
        for (std::size_t i = 0; i < sent.size(); ++i) {
            const auto t = static_cast<double>(beep ? sent[i].beep_ms : sent[i].flash_ms);
            const auto reach = static_cast<double>(beep ? kBeepReachMs : kPeriodMs);
            if (t <= 0 || t > at || at - t >= reach) continue;
            if (beep && len > 0 && sent[i].beep_len_ms > 0 &&
                std::abs(len - sent[i].beep_len_ms) > static_cast<double>(kBeepStepMs) / 2)
                continue;
            if (beep && (len <= 0 || sent[i].beep_len_ms <= 0) &&
                at - t >= static_cast<double>(kPeriodMs))
                continue;
            if (!best || t > best_t) best = i, best_t = t;
        }
        return best;
    };
    for (const auto& f : flashes) {
        const double at = f["at"].get<double>();
        if (auto i = latest(at, false, 0); i && !video_of.contains(*i))
            video_of[*i] = at - static_cast<double>(sent[*i].flash_ms);
    }
    for (const auto& b : beeps) {
        const double at = b["at"].get<double>();
        if (auto i = latest(at, true, b.value("len", 0.0)); i && !audio_of.contains(*i))
            audio_of[*i] = at - static_cast<double>(sent[*i].beep_ms);
    }
    for (const auto& [i, v] : video_of) {
        p.video.push_back(v);
        // Beep minus flash as heard and seen, less any gap between them where they left (the
        // gateway's caller: both timed on its wire, else no figure; a browser: as scheduled).
        const auto& s = sent[i];
        const int64_t flash_sent = s.flash_wire_ms > 0 ? s.flash_wire_ms : s.flash_ms;
        if (s.flash_wire_ms > 0)
            p.video_from_wire.push_back(v + static_cast<double>(s.flash_ms - s.flash_wire_ms));
        if (auto a = audio_of.find(i); a != audio_of.end() && !s.wire_time_missing) {
            const double heard = static_cast<double>(s.beep_ms) + a->second;
            const double seen = static_cast<double>(s.flash_ms) + v;
            p.av_offset.push_back(heard - seen - static_cast<double>(s.beep_ms - flash_sent));
        }
    }
    for (const auto& [i, a] : audio_of) p.audio.push_back(a);
    return p;
}

nlohmann::json figures(const Paired& forward, const std::optional<Paired>& back) {
    const auto median = [](std::vector<double> v) {
        if (v.empty()) return std::string("-");
        std::sort(v.begin(), v.end());
        return std::to_string(static_cast<int>(v[v.size() / 2]));
    };
    progress("  glass-to-glass median " + median(forward.video) + " ms (" +
             std::to_string(forward.video.size()) + " flashes), back " +
             (back ? median(back->video) : "-") + " ms, A/V offset " + median(forward.av_offset) +
             " ms");
    nlohmann::json r;
    r["glass_to_glass_ms"] = stats(forward.video);
    r["glass_to_glass_back_ms"] = back ? stats(back->video) : nlohmann::json(nullptr);
    r["av_offset_ms"] = stats(forward.av_offset);
    r["beep_ms"] = stats(forward.audio);
    if (!forward.video_from_wire.empty())
        r["glass_to_glass_from_caller_wire_ms"] = stats(forward.video_from_wire);
    if (back) {
        r["beep_back_ms"] = stats(back->audio);
        r["av_offset_back_ms"] = stats(back->av_offset);
    }
    return r;
}

// Page clock against the bench's: performance.timeOrigin + now() vs Date.now(), and Date.now()
// vs CLOCK_REALTIME read around the evaluation (half the round trip is the uncertainty).
nlohmann::json clock_skew(MeetingObserver& page) {
    const int64_t before = wall_ms();
    auto r = page.evaluate("({date: Date.now(), perf: __g2gSkew()})");
    const int64_t after = wall_ms();
    if (!r) return nullptr;
    return {{"page_perf_minus_date_ms", (*r)["perf"]},
            {"page_date_minus_bench_ms",
             (*r)["date"].get<double>() - static_cast<double>(before + after) / 2.0},
            {"uncertainty_ms", static_cast<double>(after - before) / 2.0}};
}

// Waits until `page` has seen `count` flashes of a remote feed since its last reset.
bool wait_flashes(core::ControlLoop& loop, MeetingObserver& page, int count,
                  std::chrono::seconds timeout) {
    return run_until(
        loop,
        [&] {
            auto n = page.evaluate("__g2g.flashes.length");
            return n && n->is_number() && n->get<int>() >= count;
        },
        timeout, 500ms);
}

// What each video RTP stream of a page did between two __g2gRtpStats() / media_bridge.js
// rtpStats() snapshots (cumulative getStats counters): per frame, the receiver's jitter buffer
// (delay, target, minimum), assembly, decode and whole processing (receipt to decoded), and the
// sender's pacer queue (per packet), with the frame rate, drops and freezes. Streams that moved
// nothing in between are left out.
nlohmann::json rtp_window(const nlohmann::json& before, const nlohmann::json& after) {
    nlohmann::json out = nlohmann::json::array();
    if (!before.is_object() || !after.is_object() || !after.contains("streams")) return out;
    const double seconds = (after.value("at", 0.0) - before.value("at", 0.0)) / 1000.0;
    for (const auto& a : after["streams"]) {
        nlohmann::json b = nlohmann::json::object();
        for (const auto& x : before.value("streams", nlohmann::json::array()))
            if (x.value("ssrc", 0.0) == a.value("ssrc", 0.0) &&
                x.value("dir", "") == a.value("dir", "") &&
                x.value("where", "") == a.value("where", "") &&
                x.value("kind", "") == a.value("kind", ""))
                b = x;
        const auto d = [&](const char* k) { return a.value(k, 0.0) - b.value(k, 0.0); };
        const auto per = [&](const char* num, double den, double scale) -> nlohmann::json {
            if (den <= 0) return nullptr;
            return d(num) / den * scale;
        };
        nlohmann::json r = {{"kind", a.value("kind", "")},
                            {"dir", a.value("dir", "")},
                            {"ssrc", a.value("ssrc", 0.0)}};
        if (a.value("kind", "") == "audio") {
            // Audio: only where its packets wait (NetEq's buffer, per sample) and what was lost.
            if (a.value("dir", "") != "in" || d("packetsReceived") <= 0) continue;
            if (a.contains("where")) r["where"] = a["where"];
            const double emitted = d("jitterBufferEmittedCount");
            r["jitter_buffer_ms"] = per("jitterBufferDelay", emitted, 1000);
            r["jitter_buffer_target_ms"] = per("jitterBufferTargetDelay", emitted, 1000);
            r["jitter_buffer_minimum_ms"] = per("jitterBufferMinimumDelay", emitted, 1000);
            r["packets_lost"] = d("packetsLost");
            out.push_back(r);
            continue;
        }
        if (a.contains("where")) r["where"] = a["where"];
        if (a.value("dir", "") == "in") {
            const double frames = d("framesDecoded");
            const double emitted = d("jitterBufferEmittedCount");
            if (d("packetsReceived") <= 0) continue;
            r["frames_received"] = d("framesReceived");
            r["frames_decoded"] = frames;
            r["fps"] = seconds > 0 ? frames / seconds : 0.0;
            r["jitter_buffer_ms"] = per("jitterBufferDelay", emitted, 1000);
            r["jitter_buffer_target_ms"] = per("jitterBufferTargetDelay", emitted, 1000);
            r["jitter_buffer_minimum_ms"] = per("jitterBufferMinimumDelay", emitted, 1000);
            r["assembly_ms"] =
                per("totalAssemblyTime", d("framesAssembledFromMultiplePackets"), 1000);
            r["decode_ms"] = per("totalDecodeTime", frames, 1000);
            r["processing_ms"] = per("totalProcessingDelay", frames, 1000);
            r["inter_frame_ms"] = per("totalInterFrameDelay", frames, 1000);
            r["frames_dropped"] = d("framesDropped");
            r["freezes"] = d("freezeCount");
            r["packets_lost"] = d("packetsLost");
            r["nacks"] = d("nackCount");
            r["plis"] = d("pliCount");
            if (a.contains("frameWidth"))
                r["size"] = std::to_string(a.value("frameWidth", 0)) + "x" +
                            std::to_string(a.value("frameHeight", 0));
        } else {
            const double packets = d("packetsSent");
            if (packets <= 0) continue;
            r["packets_sent"] = packets;
            r["frames_sent"] = d("framesSent");
            r["frames_encoded"] = d("framesEncoded");
            r["keyframes_encoded"] = d("keyFramesEncoded");
            r["pacer_ms"] = per("totalPacketSendDelay", packets, 1000);
            r["encode_ms"] = per("totalEncodeTime", d("framesEncoded"), 1000);
            r["kbps"] = seconds > 0 ? d("bytesSent") * 8 / seconds / 1000 : 0.0;
            r["target_kbps"] = a.value("targetBitrate", 0.0) / 1000;
            r["quality_limitation"] = a.value("qualityLimitationReason", "");
            r["retransmitted_packets"] = d("retransmittedPacketsSent");
            if (a.contains("active")) r["active"] = a["active"];
        }
        out.push_back(r);
    }
    return out;
}

nlohmann::json page_rtp_stats(MeetingObserver& page) {
    auto r = page.evaluate("__g2gRtpStats()");
    return r ? *r : nlohmann::json(nullptr);
}

}  // namespace

std::vector<std::string> g2g_observer_scripts() {
    return {config_script(true, kObserverPhaseMs),
            testsupport::read_file(MEETING_BENCH_FLASH_PROBE_JS)};
}

core::Result<nlohmann::json> DemoRun::g2g_baseline(const BenchOptions& options) {
    progress("glass-to-glass baseline: a browser publishing straight into Janus");
    auto base = MeetingObserver::join(
        loop_, page_url_, "1234",
        {config_script(true, kCallerPhaseMs), testsupport::read_file(MEETING_BENCH_FLASH_PROBE_JS)},
        "baseline");
    if (!base) return core::fail("baseline browser: " + base.error().message);
    nlohmann::json r_rtp;
    (void)observer_->evaluate("__g2gReset()");
    if (!wait_flashes(loop_, *observer_, 2, 120s) || !wait_flashes(loop_, **base, 2, 60s))
        return core::fail("baseline: flashes not seen both ways");
    (void)observer_->evaluate("__g2gReset()");
    (void)(*base)->evaluate("__g2gReset()");
    const auto observer_rtp0 = page_rtp_stats(*observer_);
    const auto base_rtp0 = page_rtp_stats(**base);
    run_for(loop_, options.window);
    auto seen = observer_->evaluate("__g2g");
    auto base_seen = (*base)->evaluate("__g2g");
    r_rtp = {{"observer", rtp_window(observer_rtp0, page_rtp_stats(*observer_))},
             {"baseline_browser", rtp_window(base_rtp0, page_rtp_stats(**base))}};
    if (!seen || !base_seen) return core::fail("baseline: could not read the pages' records");
    const Paired forward =
        pair_up(sent_by_page((*base_seen)["sent"]), (*seen)["flashes"], (*seen)["beeps"]);
    const Paired back =
        pair_up(sent_by_page((*seen)["sent"]), (*base_seen)["flashes"], (*base_seen)["beeps"]);
    nlohmann::json r = figures(forward, back);
    r["rtp"] = r_rtp;
    r["what"] =
        "a second headless Chromium publishing the same flashes and beeps into Janus "
        "(no gateway), seen by the observer; it times the observer's flashes itself";
    r["clock_skew"] = clock_skew(**base);
    r["audio_output_latency_ms"] = {{"observer", (*seen)["outputLatencyMs"]},
                                    {"baseline", (*base_seen)["outputLatencyMs"]}};
    r["onsets"] = {{"sent", (*base_seen)["sent"]},
                   {"seen_flashes", (*seen)["flashes"]},
                   {"heard_beeps", (*seen)["beeps"]},
                   {"back_sent", (*seen)["sent"]},
                   {"back_seen_flashes", (*base_seen)["flashes"]},
                   {"back_heard_beeps", (*base_seen)["beeps"]}};
    r["page_errors"] = (*base_seen)["errors"];
    r["observer_fps"] =
        (*seen)["frames"].get<double>() / static_cast<double>(options.window.count());
    r["back_receiver_fps"] =
        (*base_seen)["frames"].get<double>() / static_cast<double>(options.window.count());
    base->reset();
    browser::Reaper::instance().drain(30s);
    // The next case starts with the observer seeing no feed.
    run_until(
        loop_, [&] { return live_feeds().empty(); }, 30s, 500ms);
    return r;
}

core::Result<nlohmann::json> DemoRun::g2g_gateway(const BenchOptions& options) {
    progress("glass-to-glass through the gateway: a baresip caller, flashes through a FIFO");
    FlashSchedule schedule;
    schedule.period_ms = kPeriodMs;
    schedule.phase_ms = kCallerPhaseMs;
    schedule.flash_ms = kFlashMs;
    schedule.beep_ms = kBeepMs;
    schedule.beep_step_ms = kBeepStepMs;
    const VideoSize size{"720p30", 1280, 720, 2000000};  // the latency cases' caller
    const std::string serial = std::to_string(++caller_serial_);
    const auto wav = dir_ / ("g2g-beeps-" + serial + ".wav");
    // Longer than any run: aufile stops at the end of its file.
    if (auto st = beep_wav(wav, schedule, 900); !st) return st.error();
    auto feed = FlashFeed::start(dir_ / ("g2g-caller-" + serial + ".nut"), size.width, size.height,
                                 30, schedule);
    if (!feed) return feed.error();
    testsupport::BaresipOptions bo;
    bo.name = "g2g-caller" + serial;
    bo.user = bo.name;
    bo.video_codecs = options.codec;
    bo.h264_both_modes = options.codec == "H264" && options.h264_callers == "room";
    // G.711 both ways: the tap reads beeps without an audio decoder, and the WAV is 8 kHz mono.
    bo.audio_codecs = "PCMU";
    bo.audio_source = "aufile," + wav.string();
    bo.ausrc_srate = 8000;
    bo.ausrc_channels = 1;
    bo.video_width = size.width;
    bo.video_height = size.height;
    bo.video_fps = 30;
    bo.video_bitrate = size.bitrate;
    bo.video_source = "avformat," + (*feed)->device();
    auto peer = testsupport::BaresipPeer::start(dir_, bo);
    if (!peer) return peer.error();
    Callers callers;
    callers.push_back(std::move(*peer));
    const std::size_t from = gateway_.log_size();
    if (auto st = callers.front()->dial(kMeetingUri); !st) return st.error();
    if (!wait_log_count("state joining -> in_call", 1, from, 180s))
        return core::fail("g2g caller not in_call\n" + gateway_.tail(60));
    // The caller's side of the wire, both ways.
    auto tap = RtpTap::start(callers.front()->program().pid(), static_cast<double>(kFlashMs));
    if (!tap) return tap.error();
    // aufile plays from when the call's audio started, an instant only the wire shows: the
    // flashes move onto the beeps' phase once the first beep has left.
    nlohmann::json first_beep;
    if (!run_until(
            loop_,
            [&] {
                first_beep = (*tap)->beeps(false);
                return !first_beep.empty();
            },
            30s, 200ms))
        return core::fail("g2g: no beep left the caller\n" + callers.front()->program().tail());
    const auto beep_phase =
        static_cast<int64_t>(first_beep.front()["at"].get<double>()) % kPeriodMs;
    (*feed)->set_phase(beep_phase);
    (void)observer_->evaluate("__g2gReset()");
    if (!wait_flashes(loop_, *observer_, 2, 120s)) {
        auto seen = observer_->evaluate("__g2g");
        return core::fail("the observer saw no flash of the caller: " +
                          (seen ? seen->dump() : seen.error().message) + "\n" + gateway_.tail(40));
    }
    (void)observer_->evaluate("__g2gReset()");
    const int64_t window_start = wall_ms();
    const auto observer_rtp0 = page_rtp_stats(*observer_);
    const std::size_t window_log = gateway_.log_size();
    run_for(loop_, options.window);
    auto seen = observer_->evaluate("__g2g");
    const auto observer_rtp = rtp_window(observer_rtp0, page_rtp_stats(*observer_));
    // The gateway page's own figures: its first and last `page rtp stats` lines in the window.
    nlohmann::json page_first;
    nlohmann::json page_last;
    {
        const std::string log = gateway_.log();
        std::istringstream lines(log.substr(std::min(window_log, log.size())));
        const std::string tag = " page rtp stats ";
        for (std::string line; std::getline(lines, line);) {
            const auto at = line.find(tag);
            if (at == std::string::npos) continue;
            auto j = nlohmann::json::parse(line.substr(at + tag.size()), nullptr, false);
            if (j.is_discarded()) continue;
            if (page_first.is_null())
                page_first = j;
            else
                page_last = j;
        }
    }
    if (!seen) return core::fail("g2g: could not read the observer's records");
    // observer.js's analysers: the loudest level at the beep's frequency now (diagnostic).
    auto tone = observer_->evaluate("__obsToneDb(1000)");
    // Each flash's beep and wire time: what left the caller within a quarter period of it. A
    // flash's frame leaves after its capture and before the flash ends (the change back is a
    // large frame too): taken outside that, a keyframe the caller sent on request or the
    // flash's end gave A/V offsets off by hundreds of ms.
    const auto wire_beeps = (*tap)->beeps(false);
    const auto wire_flashes = (*tap)->flashes(false);
    const auto near = [](const nlohmann::json& onsets, int64_t from, int64_t to) -> nlohmann::json {
        for (const auto& o : onsets) {
            const auto at = static_cast<int64_t>(o["at"].get<double>());
            if (at >= from && at < to) return o;
        }
        return nullptr;
    };
    std::vector<FlashSent> sent;
    std::vector<double> pipe_wait;
    std::vector<double> capture_to_wire;
    for (auto s : (*feed)->sent()) {
        // Sends from before the window too: a beep may take longer than a period to arrive.
        if (s.flash_ms < window_start - kBeepReachMs) continue;
        if (const auto beep =
                near(wire_beeps, s.flash_ms - kPeriodMs / 4, s.flash_ms + kPeriodMs / 4);
            !beep.is_null()) {
            s.beep_ms = static_cast<int64_t>(beep["at"].get<double>());
            s.beep_len_ms = beep["len"].get<double>();
        } else {
            s.wire_time_missing = true;
        }
        if (const auto flash = near(wire_flashes, s.flash_ms, s.flash_ms + kFlashMs);
            !flash.is_null())
            s.flash_wire_ms = static_cast<int64_t>(flash["at"].get<double>());
        else
            s.wire_time_missing = true;
        if (s.flash_wire_ms > 0)
            capture_to_wire.push_back(static_cast<double>(s.flash_wire_ms - s.flash_ms));
        sent.push_back(s);
        pipe_wait.push_back(s.pipe_wait_ms);
    }
    const Paired forward = pair_up(sent, (*seen)["flashes"], (*seen)["beeps"]);
    const Paired back =
        pair_up(sent_by_page((*seen)["sent"]), (*tap)->flashes(true), (*tap)->beeps(true));
    nlohmann::json r = figures(forward, back);
    r["rtp"] = {{"observer", observer_rtp}, {"gateway_page", rtp_window(page_first, page_last)}};
    r["caller_feed_pipe_wait_ms"] = stats(pipe_wait);
    r["caller_flash_capture_to_wire_ms"] = stats(capture_to_wire);
    r["caller_wire"] = (*tap)->describe();
    nlohmann::json sent_json = nlohmann::json::array();
    for (const auto& x : sent)
        sent_json.push_back({{"flash", x.flash_ms},
                             {"flash_wire", x.flash_wire_ms},
                             {"beep_wire", x.beep_ms},
                             {"beep_len", x.beep_len_ms},
                             {"pipe_wait", x.pipe_wait_ms}});
    r["onsets"] = {{"sent", sent_json},
                   {"wire_beeps", wire_beeps},
                   {"wire_flashes", wire_flashes},
                   {"seen_flashes", (*seen)["flashes"]},
                   {"heard_beeps", (*seen)["beeps"]},
                   {"back_sent", (*seen)["sent"]},
                   {"back_wire_flashes", (*tap)->flashes(true)},
                   {"back_wire_beeps", (*tap)->beeps(true)}};
    r["audio_output_latency_ms"] = (*seen)["outputLatencyMs"];
    r["observer_level_at_1khz_db"] = tone ? *tone : nlohmann::json(nullptr);
    r["observer_clock_skew"] = clock_skew(*observer_);
    r["page_errors"] = (*seen)["errors"];
    r["observer_fps"] =
        (*seen)["frames"].get<double>() / static_cast<double>(options.window.count());
    r["hops"] = flash_hops(**tap, callers.front()->program().pid(), sent, (*seen)["sent"]);
    tap->reset();
    if (auto st = hang_up(callers, from); !st) return st.error();
    return r;
}

nlohmann::json DemoRun::flash_hops(const RtpTap& tap, pid_t caller,
                                   const std::vector<FlashSent>& caller_sent,
                                   const nlohmann::json& observer_sent) {
    // The flows a flash or a beep crosses each way, by the roles of their ports.
    const std::vector<std::string> forward_path = {"caller>gateway", "gateway>gateway_chromium",
                                                   "gateway_chromium>janus", "janus>observer"};
    const std::vector<std::string> back_path = {"observer>janus", "janus>gateway_chromium",
                                                "gateway_chromium>gateway", "gateway>caller"};
    // Whose each UDP port is: the gateway process (SIP media, the link's webrtcbin), its
    // Chromiums (all but the demo's Janus below it), Janus, the observer's Chromium, the caller.
    const ProcessTable table = snapshot_processes();
    const std::set<pid_t> tree = descendants(table, gateway_.pid());
    const std::set<pid_t> janus = subtrees_named(table, tree, "janus");
    RtpTap::PortRoles roles;
    const auto own = [&](const std::set<pid_t>& pids, const std::string& role) {
        for (const pid_t pid : pids)
            for (const uint16_t port : udp_ports_of(pid)) roles.emplace(port, role);
    };
    own({gateway_.pid()}, "gateway");
    own(janus, "janus");
    own(descendants(table, observer_->pid()), "observer");
    own({caller}, "caller");
    std::set<pid_t> chromium;
    std::set_difference(tree.begin(), tree.end(), janus.begin(), janus.end(),
                        std::inserter(chromium, chromium.end()));
    chromium.erase(gateway_.pid());
    own(chromium, "gateway_chromium");
    std::vector<double> forward;
    forward.reserve(caller_sent.size());
    for (const auto& s : caller_sent) forward.push_back(static_cast<double>(s.flash_ms));
    std::vector<double> back;
    std::vector<double> back_beeps;
    for (const auto& s : observer_sent) {
        if (s.contains("flash")) back.push_back(s["flash"].get<double>());
        if (s.contains("beep")) back_beeps.push_back(s["beep"].get<double>());
    }
    std::set<std::string> seen_roles;
    for (const auto& [port, role] : roles) seen_roles.insert(role);
    return {{"method",
             "kernel time on lo of the last packet of the flash's frame on each flow (role of the "
             "source port > role of the destination port, from /proc), following each flash sent: "
             "the first onset after the previous hop's within 1 s; from_sent_ms counts from the "
             "caller's capture (forward) or the observer's draw (back)"},
            {"roles", seen_roles},
            {"forward", tap.hops(forward, forward_path, roles)},
            {"back", tap.hops(back, back_path, roles)},
            // Beeps the same way (the caller's are scheduled with its flashes).
            {"beeps_forward", tap.beep_hops(forward, forward_path, roles)},
            {"beeps_back", tap.beep_hops(back_beeps, back_path, roles)}};
}

core::Result<nlohmann::json> DemoRun::glass_to_glass(const BenchOptions& options) {
    nlohmann::json out;
    out["loadavg_1min_start"] = loadavg_1min();
    auto baseline = g2g_baseline(options);
    if (!baseline) return baseline.error();
    auto gateway = g2g_gateway(options);
    if (!gateway) return gateway.error();
    out["gateway"] = *gateway;
    out["baseline"] = *baseline;
    const auto diff = [&](const char* key) -> nlohmann::json {
        const auto& a = (*gateway)[key]["median"];
        const auto& b = (*baseline)[key]["median"];
        if (!a.is_number() || !b.is_number()) return nullptr;
        return a.get<double>() - b.get<double>();
    };
    out["gateway_minus_baseline_ms"] = {{"glass_to_glass", diff("glass_to_glass_ms")},
                                        {"glass_to_glass_back", diff("glass_to_glass_back_ms")},
                                        {"av_offset", diff("av_offset_ms")}};
    out["window_s"] = options.window.count();
    out["schedule"] = {{"period_ms", kPeriodMs},
                       {"flash_ms", kFlashMs},
                       {"beep_ms", kBeepMs},
                       {"beep_step_ms", kBeepStepMs},
                       {"beep_hz", 1000},
                       {"caller_phase_ms", kCallerPhaseMs},
                       {"observer_phase_ms", kObserverPhaseMs}};
    out["loadavg_1min_end"] = loadavg_1min();
    return out;
}

}  // namespace bench
