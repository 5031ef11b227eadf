// meeting_bench's `targets` (bench/meeting/targets.cpp): issue 13's targets read off a run's
// JSON, with what bounds each missed one.
#include "targets.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

json cpu_rows() {
    json hd = {
        {"what", "meeting"},
        {"calls", 1},
        {"size", "720p30"},
        {"gateway_tree_cores_per_call", 0.45},
        {"gateway_process_cores", 0.1},
        {"gateway_chromium_cores", 0.35},
        {"gateway_tree_pss_mib_per_call", 410.0},
        {"gateway_process_pss_mib", 50.0},
        {"gateway_chromium_by_role",
         {{"browser", {{"pss_mib", 90.0}}}, {"renderer", {{"pss_mib", 210.0}}}}},
        {"gateway_chromium_threads",
         json::array({{{"role", "renderer"}, {"thread", "WebRTC_W_and_N"}, {"cores", 0.09}},
                      {{"role", "renderer"}, {"thread", "chromium"}, {"cores", 0.06}},
                      {{"role", "browser"}, {"thread", "NetworkService"}, {"cores", 0.05}},
                      {{"role", "renderer"}, {"thread", "AudioOutputDevi"}, {"cores", 0.04}}})}};
    json sd = hd;
    sd["size"] = "360p30";
    sd["gateway_tree_cores_per_call"] = 0.44;
    json echo = hd;
    echo["what"] = "echo_baseline";
    echo["gateway_tree_cores_per_call"] = 0.2;
    json two = hd;
    two["calls"] = 2;
    two["gateway_tree_cores_per_call"] = 0.9;
    return json::array({echo, hd, two, sd});
}

TEST(BenchTargets, CoresAndMemoryFromTheOneCallMeetingRows) {
    const json t = bench::targets({{"cpu", cpu_rows()}});
    ASSERT_TRUE(t.contains("core_720p30"));
    EXPECT_EQ(t["core_720p30"]["measured"], 0.45);
    EXPECT_TRUE(t["core_720p30"]["met"].get<bool>());
    EXPECT_TRUE(t["core_720p30"]["bound"].is_null());
    EXPECT_FALSE(t["core_360p30"]["met"].get<bool>());
    const json& cores = t["core_360p30"]["bound"];
    EXPECT_EQ(cores["by"], "gateway_chromium");
    EXPECT_EQ(cores["cores_per_call_at_720p30"], 0.45);
    ASSERT_EQ(cores["busiest_chromium_threads"].size(), 3U);
    EXPECT_EQ(cores["busiest_chromium_threads"][0]["thread"], "WebRTC_W_and_N");
    EXPECT_FALSE(t["pss_720p30"]["met"].get<bool>());
    EXPECT_EQ(t["pss_720p30"]["bound"]["by"], "chromium renderer");
    EXPECT_EQ(t["pss_720p30"]["bound"]["chromium_pss_mib_by_role"][1]["role"], "browser");
    // Nothing measured, nothing said.
    EXPECT_FALSE(t.contains("warm_join_first_frame"));
    EXPECT_FALSE(t.contains("av_offset"));
    EXPECT_TRUE(bench::targets(json::object()).empty());
}

TEST(BenchTargets, JoinCutIntoSegmentsFromTheLatestMilestone) {
    // The link connects before the join is done (a cold call): its segment is 0, and the
    // publisher's counts from the join. No keyframe request was matched in this run.
    const json run = {{"invite_to_browser_handed_out_ms", 600},
                      {"invite_to_page_loaded_ms", 1500},
                      {"invite_to_in_call_ms", 2300},
                      {"invite_to_link_connected_ms", 2000},
                      {"invite_to_publisher_connected_ms", 2700},
                      {"invite_to_observer_subscription_connected_ms", 2900},
                      {"invite_to_keyframe_requested_ms", nullptr},
                      {"invite_to_keyframe_forwarded_ms", nullptr},
                      {"invite_to_first_frame_ms", 3100}};
    const json out = {
        {"latency",
         {{"cold_spares_0",
           {{"invite_to_first_frame_ms", {{"median", 3100}}}, {"runs", json::array({run})}}}}}};
    const json t = bench::targets(out);
    ASSERT_TRUE(t.contains("cold_join_first_frame"));
    const json& j = t["cold_join_first_frame"];
    EXPECT_FALSE(j["met"].get<bool>());
    const json& seg = j["bound"]["segments_median_ms"];
    EXPECT_EQ(seg["browser_handed_out"], 600);
    EXPECT_EQ(seg["page_loaded"], 900);
    EXPECT_EQ(seg["in_call"], 800);
    EXPECT_EQ(seg["link_connected"], 0);
    EXPECT_EQ(seg["publisher_connected"], 400);
    EXPECT_EQ(seg["observer_subscription_connected"], 200);
    EXPECT_FALSE(seg.contains("keyframe_forwarded"));
    EXPECT_EQ(seg["first_frame"], 200);
    EXPECT_EQ(j["bound"]["by"], "page_loaded");
    EXPECT_EQ(j["bound"]["segment_ms"], 900);
}

TEST(BenchTargets, SegmentMissingFromARunTakesTheMeanOfTheOtherTwo) {
    const auto run = [](json kf_forwarded) {
        return json{{"invite_to_in_call_ms", 400},
                    {"invite_to_keyframe_requested_ms", 1000},
                    {"invite_to_keyframe_forwarded_ms", std::move(kf_forwarded)},
                    {"invite_to_first_frame_ms", 2000}};
    };
    const json warm = {{"invite_to_first_frame_ms", {{"median", 2000}}},
                       {"runs", json::array({run(1100), run(nullptr), run(1900)})}};
    const json t = bench::targets({{"latency", {{"warm_spares_1", warm}}}});
    const json& seg = t["warm_join_first_frame"]["bound"]["segments_median_ms"];
    EXPECT_EQ(seg["keyframe_forwarded"], 500);  // (100 + 900) / 2
    EXPECT_EQ(seg["in_call"], 400);
}

TEST(BenchTargets, AvOffsetSplitsIntoPathAndPlayoutThatAddUp) {
    // The caller's beep left its wire 34 ms before the flash's capture and 60 ms before the
    // flash's frame; at the observer's socket the beep came at +24, the flash at +49 (both from
    // the capture); heard 175 ms after it left, seen 77 ms after the capture.
    const auto hops = [](double at) {
        return json{{"hops", json::array({{{"from_sent_ms", {{"median", 1.0}}}},
                                          {{"from_sent_ms", {{"median", at}}}}})}};
    };
    json gw = {{"glass_to_glass_ms", {{"median", 77.0}}},
               {"beep_ms", {{"median", 175.0}}},
               {"hops", {{"forward", hops(49)}, {"beeps_forward", hops(24)}}}};
    gw["onsets"]["sent"] =
        json::array({json{{"beep_wire", 966.0}, {"flash", 1000.0}, {"flash_wire", 1026.0}}});
    gw["rtp"]["observer"] =
        json::array({json{{"dir", "in"}, {"kind", "audio"}, {"jitter_buffer_ms", 74.0}}});
    const double offset = (175.0 - 34.0 - 77.0) + 60.0;  // heard - seen - (beep - flash) wire gap
    const json out = {
        {"latency",
         {{"glass_to_glass_ms", {{"median", 77.0}}},
          {"av_offset_ms", {{"median", offset}}},
          {"baseline",
           {{"glass_to_glass_ms", {{"median", 59.0}}}, {"av_offset_ms", {{"median", 40.0}}}}},
          {"glass_to_glass_details",
           {{"gateway", gw}, {"baseline", {{"av_offset_ms", {{"median", 40.0}}}}}}}}}};
    const json t = bench::targets(out);
    EXPECT_TRUE(t["glass_to_glass"]["met"].get<bool>());
    const json& av = t["av_offset"];
    EXPECT_FALSE(av["met"].get<bool>());
    EXPECT_EQ(av["measured"], offset);
    const json& b = av["bound"];
    EXPECT_EQ(b["path_to_observer_ms"], 35);       // 24 - 49 + 60
    EXPECT_EQ(b["observer_holds_audio_ms"], 117);  // 175 - 34 - 24
    EXPECT_EQ(b["observer_holds_video_ms"], 28);   // 77 - 49
    EXPECT_EQ(b["observer_playout_ms"], 89);
    EXPECT_EQ(b["path_to_observer_ms"].get<double>() + b["observer_playout_ms"].get<double>(),
              offset);
    EXPECT_EQ(b["by"], "observer_playout");
    EXPECT_EQ(b["observer_audio"]["jitter_buffer_ms"], 74);
    EXPECT_EQ(b["baseline_av_offset_ms"], 40);
    // A negative offset counts by its size.
    json early = out;
    early["latency"]["av_offset_ms"]["median"] = -50.0;
    EXPECT_TRUE(bench::targets(early)["av_offset"]["met"].get<bool>());
}

TEST(BenchTargets, OneLinePerTarget) {
    const auto lines = bench::target_lines(bench::targets({{"cpu", cpu_rows()}}));
    ASSERT_EQ(lines.size(), 3U);
    EXPECT_EQ(lines[0], "core_360p30 0.44 (<= 0.3 cores: missed; bound by gateway_chromium)");
    EXPECT_EQ(lines[1], "core_720p30 0.45 (<= 0.5 cores: met)");
}

}  // namespace
