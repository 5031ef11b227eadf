#include "targets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

namespace bench {
namespace {

using nlohmann::json;

// The value at `pointer`, or null when any step of it is missing.
const json* find(const json& j, const std::string& pointer) {
    const json::json_pointer p(pointer);
    return j.contains(p) ? &j.at(p) : nullptr;
}

std::optional<double> number(const json& j, const std::string& pointer) {
    const json* v = find(j, pointer);
    if (!v || !v->is_number()) return std::nullopt;
    return v->get<double>();
}

// Of an even count, the mean of the middle two: a segment missing from one of three runs (no
// keyframe request matched) must not take the larger of the other two.
std::optional<double> median(std::vector<double> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    const std::size_t mid = v.size() / 2;
    return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

json rounded(std::optional<double> v, int digits = 0) {
    if (!v) return nullptr;
    const double scale = std::pow(10.0, digits);
    return std::round(*v * scale) / scale;
}

// One target: `limit` bounds the figure from above (or its magnitude, for the A/V offset).
json entry(double measured, double limit, bool magnitude, const char* unit, int digits,
           json bound) {
    const bool met = (magnitude ? std::abs(measured) : measured) <= limit;
    return {{"measured", rounded(measured, digits)},
            {"target", fmt::format("{}{} {}", magnitude ? "within ±" : "<= ", limit, unit)},
            {"met", met},
            {"bound", met ? json(nullptr) : std::move(bound)}};
}

const json* cpu_row(const json& out, const std::string& size) {
    const json* rows = find(out, "/cpu");
    if (!rows || !rows->is_array()) return nullptr;
    for (const auto& row : *rows)
        if (row.is_object() && row.value("what", "") == "meeting" && number(row, "/calls") == 1.0 &&
            row.value("size", "") == size)
            return &row;
    return nullptr;
}

// What a call's cores are spent on: the gateway process or its Chromium, and Chromium's
// busiest threads (the same at either picture size when nothing is decoded or drawn per pixel).
json core_bound(const json& row, const json* at_720p) {
    const double process = row.value("gateway_process_cores", 0.0);
    const double chromium = row.value("gateway_chromium_cores", 0.0);
    json threads = json::array();
    if (const json* busiest = find(row, "/gateway_chromium_threads");
        busiest && busiest->is_array())
        for (const auto& t : *busiest) {
            if (threads.size() == 3) break;
            threads.push_back({{"role", t.value("role", "")},
                               {"thread", t.value("thread", "")},
                               {"cores", rounded(t.value("cores", 0.0), 3)}});
        }
    json b = {{"by", chromium >= process ? "gateway_chromium" : "gateway_process"},
              {"gateway_process_cores", rounded(process, 3)},
              {"gateway_chromium_cores", rounded(chromium, 3)},
              {"busiest_chromium_threads", threads}};
    if (at_720p)
        b["cores_per_call_at_720p30"] =
            rounded(number(*at_720p, "/gateway_tree_cores_per_call"), 3);
    return b;
}

json memory_bound(const json& row) {
    std::vector<std::pair<double, std::string>> roles;
    if (const json* by_role = find(row, "/gateway_chromium_by_role");
        by_role && by_role->is_object())
        for (const auto& [role, v] : by_role->items())
            roles.emplace_back(v.value("pss_mib", 0.0), role);
    std::sort(roles.rbegin(), roles.rend());
    json by_role = json::array();
    for (const auto& [pss, role] : roles)
        by_role.push_back({{"role", role}, {"pss_mib", rounded(pss, 1)}});
    const double process = row.value("gateway_process_pss_mib", 0.0);
    const bool chromium = !roles.empty() && roles.front().first >= process;
    return {{"by", chromium ? "chromium " + roles.front().second : std::string("gateway_process")},
            {"gateway_process_pss_mib", rounded(process, 1)},
            {"chromium_pss_mib_by_role", by_role}};
}

// The join as consecutive segments, each from the latest milestone before it, medians over the
// runs; `by` names the longest. The owners say whose time it is.
struct Milestone {
    const char* name;
    const char* key;
    const char* whose;
};
constexpr Milestone kMilestones[] = {
    {"browser_handed_out", "invite_to_browser_handed_out_ms", "gateway: SIP answer, a browser"},
    {"page_loaded", "invite_to_page_loaded_ms", "gateway: the browser's start, the service's page"},
    {"in_call", "invite_to_in_call_ms", "gateway page: the service's join"},
    {"link_connected", "invite_to_link_connected_ms", "gateway and its page: the media link"},
    {"publisher_connected", "invite_to_publisher_connected_ms",
     "gateway page and meeting server: publishing the caller"},
    {"observer_subscription_connected", "invite_to_observer_subscription_connected_ms",
     "meeting server and observer: the observer's subscription"},
    {"keyframe_requested", "invite_to_keyframe_requested_ms",
     "meeting server and gateway page: the meeting's keyframe request seen"},
    {"keyframe_forwarded", "invite_to_keyframe_forwarded_ms",
     "SIP caller: its keyframe answer, through the gateway"},
    {"first_frame", "invite_to_first_frame_ms", "meeting server and observer: last hop, decode"},
};

json join_bound(const json& latency) {
    std::map<std::string, std::vector<double>> segments;
    const json* runs = find(latency, "/runs");
    if (!runs || !runs->is_array()) return nullptr;
    for (const auto& run : *runs) {
        double latest = 0;
        for (const auto& m : kMilestones) {
            const auto at = number(run, std::string("/") + m.key);
            if (!at) continue;
            segments[m.name].push_back(std::max(0.0, *at - latest));
            latest = std::max(latest, *at);
        }
    }
    json medians = json::object();
    const Milestone* longest = nullptr;
    double longest_ms = -1;
    for (const auto& m : kMilestones) {
        const auto v = median(segments[m.name]);
        if (!v) continue;
        medians[m.name] = rounded(v);
        if (*v > longest_ms) longest = &m, longest_ms = *v;
    }
    if (!longest) return nullptr;
    return {{"by", longest->name},
            {"whose", longest->whose},
            {"segment_ms", rounded(longest_ms)},
            {"segments_median_ms", medians}};
}

json stream_stats(const json* rtp, const char* kind) {
    if (!rtp || !rtp->is_array()) return nullptr;
    for (const auto& s : *rtp)
        if (s.value("dir", "") == "in" && s.value("kind", "") == kind)
            return {{"jitter_buffer_ms", rounded(number(s, "/jitter_buffer_ms"))},
                    {"jitter_buffer_target_ms", rounded(number(s, "/jitter_buffer_target_ms"))},
                    {"jitter_buffer_minimum_ms", rounded(number(s, "/jitter_buffer_minimum_ms"))}};
    return nullptr;
}

// The A/V offset split where the tap sees it: how much later than the flash the beep reached
// the observer's socket (beyond the gap it left the caller's with), and how much longer the
// observer then held the beep than the flash (NetEq, A/V sync, audio output) before hearing
// and seeing them.
json av_bound(const json& g2g) {
    const json* found = find(g2g, "/gateway");
    if (!found || !found->is_object()) return nullptr;
    const json& gw = *found;
    const auto last_hop = [&](const std::string& which) -> std::optional<double> {
        const json* hops = find(gw, "/hops/" + which + "/hops");
        if (!hops || !hops->is_array() || hops->empty()) return std::nullopt;
        return number(hops->back(), "/from_sent_ms/median");
    };
    const auto flash_at_observer = last_hop("forward");  // from the flash's capture
    const auto beep_at_observer = last_hop("beeps_forward");
    const auto seen = number(gw, "/glass_to_glass_ms/median");  // from the capture
    const auto heard = number(gw, "/beep_ms/median");           // from the beep on the wire
    std::vector<double> beep_lead;  // beep on the caller's wire minus the flash's capture
    std::vector<double> wire_gap;   // beep minus flash on the caller's wire
    if (const json* sent = find(gw, "/onsets/sent"); sent && sent->is_array())
        for (const auto& s : *sent) {
            const double beep = s.value("beep_wire", 0.0);
            const double flash = s.value("flash", 0.0);
            const double flash_wire = s.value("flash_wire", 0.0);
            if (beep <= 0 || flash <= 0) continue;
            beep_lead.push_back(beep - flash);
            if (flash_wire > 0) wire_gap.push_back(beep - flash_wire);
        }
    const auto lead = median(beep_lead);
    const auto gap = median(wire_gap);
    if (!flash_at_observer || !beep_at_observer || !seen || !heard || !lead || !gap) return nullptr;
    // All from the flash's capture on the caller's clock; the two parts add up to the offset
    // (heard - seen - gap): the beep's caller-to-observer path less the flash's, then the
    // observer's hold of the beep less its hold of the flash.
    const double path = *beep_at_observer - *flash_at_observer - *gap;
    const double audio_held = *heard + *lead - *beep_at_observer;
    const double video_held = *seen - *flash_at_observer;
    const double playout = audio_held - video_held;
    const json* rtp = find(gw, "/rtp/observer");
    const json* base_rtp = find(g2g, "/baseline/rtp/observer");
    return {{"by", playout >= path ? "observer_playout" : "path_to_observer"},
            {"path_to_observer_ms", rounded(path)},
            {"observer_playout_ms", rounded(playout)},
            {"observer_holds_audio_ms", rounded(audio_held)},
            {"observer_holds_video_ms", rounded(video_held)},
            {"observer_audio", stream_stats(rtp, "audio")},
            {"observer_video", stream_stats(rtp, "video")},
            {"baseline_av_offset_ms", rounded(number(g2g, "/baseline/av_offset_ms/median"))},
            {"baseline_observer_audio", stream_stats(base_rtp, "audio")},
            {"baseline_observer_video", stream_stats(base_rtp, "video")}};
}

}  // namespace

json targets(const json& out) {
    json t = json::object();
    const json* hd = cpu_row(out, "720p30");
    const json* sd = cpu_row(out, "360p30");
    if (hd) {
        if (auto v = number(*hd, "/gateway_tree_cores_per_call"))
            t["core_720p30"] = entry(*v, 0.5, false, "cores", 2, core_bound(*hd, nullptr));
        if (auto v = number(*hd, "/gateway_tree_pss_mib_per_call"))
            t["pss_720p30"] = entry(*v, 300, false, "MiB", 0, memory_bound(*hd));
    }
    if (sd)
        if (auto v = number(*sd, "/gateway_tree_cores_per_call"))
            t["core_360p30"] = entry(*v, 0.3, false, "cores", 2, core_bound(*sd, hd));
    const json* found = find(out, "/latency");
    const json latency = found && found->is_object() ? *found : json::object();
    for (const auto& [key, name, limit] :
         {std::tuple{"warm_spares_1", "warm_join_first_frame", 1500.0},
          std::tuple{"cold_spares_0", "cold_join_first_frame", 2500.0}}) {
        const json* join = find(latency, std::string("/") + key);
        if (!join || !join->is_object()) continue;
        if (auto v = number(*join, "/invite_to_first_frame_ms/median"))
            t[name] = entry(*v, limit, false, "ms", 0, join_bound(*join));
    }
    if (const json* details = find(latency, "/glass_to_glass_details")) {
        const json& g2g = *details;
        if (auto v = number(latency, "/glass_to_glass_ms/median"))
            t["glass_to_glass"] = entry(
                *v, 200, false, "ms", 0,
                {{"baseline_ms", rounded(number(latency, "/baseline/glass_to_glass_ms/median"))}});
        if (auto v = number(latency, "/av_offset_ms/median"))
            t["av_offset"] = entry(*v, 60, true, "ms", 0, av_bound(g2g));
    }
    return t;
}

std::vector<std::string> target_lines(const json& targets) {
    std::vector<std::string> lines;
    for (const auto& [name, t] : targets.items()) {
        std::string line =
            fmt::format("{} {} ({}: {}", name, t["measured"].get<double>(),
                        t["target"].get<std::string>(), t["met"].get<bool>() ? "met" : "missed");
        if (t["bound"].is_object() && t["bound"].contains("by"))
            line += "; bound by " + t["bound"]["by"].get<std::string>();
        lines.push_back(line + ")");
    }
    return lines;
}

}  // namespace bench
