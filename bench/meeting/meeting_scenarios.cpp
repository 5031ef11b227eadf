#include "meeting_scenarios.hpp"

#include "private_network.hpp"
#include "process_tree.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <thread>
#include <vector>

namespace bench {

namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

const std::vector<VideoSize> kSizes = {{"720p30", 1280, 720, 2000000},
                                       {"360p30", 640, 360, 800000}};
const char* const kEchoUri = "sip:echo@127.0.0.1:5060";

void progress(const std::string& what) {
    std::cerr << "meeting_bench: " << what << std::endl;
}

std::size_t count_matches(const std::string& text, const std::regex& re) {
    return static_cast<std::size_t>(
        std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The gateway's log lines start with a local time "2026-11-26T09:40:00.123"; -1 if not.
int64_t log_line_ms(const std::string& text, const std::regex& line_re, std::size_t from) {
    std::smatch m;
    const std::string tail = text.substr(std::min(from, text.size()));
    if (!std::regex_search(tail, m, line_re)) return -1;
    // Back up to the start of the matched line.
    const auto at = static_cast<std::size_t>(m.position(0));
    const auto line_start = tail.rfind('\n', at);
    const std::string line = tail.substr(line_start == std::string::npos ? 0 : line_start + 1);
    std::tm tm{};
    int ms = 0;
    if (std::sscanf(line.c_str(), "%d-%d-%dT%d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    return static_cast<int64_t>(std::mktime(&tm)) * 1000 + ms;
}

nlohmann::json summary(std::vector<double> v) {
    if (v.empty()) return nullptr;
    std::sort(v.begin(), v.end());
    return {{"runs", v.size()}, {"min", v.front()}, {"median", v[v.size() / 2]}, {"max", v.back()}};
}

double mib(uint64_t kib) {
    return static_cast<double>(kib) / 1024.0;
}

// What a caller decoded of the video it receives so far: baresip's video_debug prints its display's
// "vidisp: <module> <w> x <h> frames=<n>".
struct CallerRx {
    int width = 0;
    int height = 0;
    double frames = 0;
};

std::optional<CallerRx> caller_rx(testsupport::BaresipPeer& caller) {
    auto r = caller.ctrl().command("video_debug");
    if (!r || !r->ok) return std::nullopt;
    std::smatch m;
    if (!std::regex_search(r->data, m, std::regex("vidisp: \\S+ (\\d+) x (\\d+) frames=(\\d+)")))
        return std::nullopt;
    return CallerRx{std::stoi(m[1]), std::stoi(m[2]), std::stod(m[3])};
}

// How each call's page sends the meeting's video to its caller: the latest of the lines it logs
// when it starts forwarding the meeting's encoded video or compositing (gateway/meeting_link.cpp).
nlohmann::json meeting_video_toward_callers(const std::string& log) {
    const std::regex re(
        "gateway: sess=(\\S+) meeting video (forwarded encoded to|composited for) the caller "
        "\\((.*)\\)");
    std::map<std::string, nlohmann::json> by_session;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator();
         ++it) {
        const auto& m = *it;
        by_session[m[1]] = {{"session", m[1].str()},
                            {"mode", m[2] == "composited for" ? "composited" : "forwarded_encoded"},
                            {"detail", m[3].str()}};
    }
    nlohmann::json out = nlohmann::json::array();
    for (auto& [sess, j] : by_session) out.push_back(std::move(j));
    return out;
}

// The gateway's Chromium processes in `table`: its descendants but Janus's subtree (the demo's).
std::set<pid_t> gateway_chromium(const ProcessTable& table, pid_t gw_pid) {
    const std::set<pid_t> tree = descendants(table, gw_pid);
    const std::set<pid_t> janus = subtrees_named(table, tree, "janus");
    std::set<pid_t> chromium;
    std::set_difference(tree.begin(), tree.end(), janus.begin(), janus.end(),
                        std::inserter(chromium, chromium.end()));
    chromium.erase(gw_pid);
    return chromium;
}

// Chromium's processes grouped by what each is (browser, renderer, gpu-process, ...).
std::map<std::string, std::set<pid_t>> by_chromium_role(const std::set<pid_t>& chromium) {
    std::map<std::string, std::set<pid_t>> roles;
    for (const pid_t pid : chromium) roles[chromium_role(pid)].insert(pid);
    return roles;
}

}  // namespace

core::Result<std::vector<std::string>> config_with_video_size(
    const std::filesystem::path& dir, const std::vector<std::string>& demo_args, int width,
    int height) {
    std::vector<std::string> args;
    std::filesystem::path source = MEETING_BENCH_EXAMPLE_CONFIG;
    for (std::size_t i = 0; i < demo_args.size(); ++i) {
        if ((demo_args[i] == "--config" || demo_args[i] == "-c") && i + 1 < demo_args.size())
            source = demo_args[++i];
        else
            args.push_back(demo_args[i]);
    }
    std::ifstream in(source);
    if (!in) return core::fail("cannot read " + source.string());
    // The keys are set once, right under [media] (added when the file has none); a TOML table
    // must not repeat a key, so the file's own lines for them go.
    const std::regex own_key("^\\s*video_(width|height)\\s*=.*");
    const std::string keys = "video_width = " + std::to_string(width) +
                             "\nvideo_height = " + std::to_string(height) + "\n";
    std::string text;
    bool placed = false;
    for (std::string line; std::getline(in, line);) {
        if (std::regex_match(line, own_key)) continue;
        text += line + "\n";
        if (!placed && std::regex_match(line, std::regex("^\\s*\\[media\\]\\s*(#.*)?"))) {
            text += keys;
            placed = true;
        }
    }
    if (!placed) text += "\n[media]\n" + keys;
    const auto path =
        dir / ("gateway-video-" + std::to_string(width) + "x" + std::to_string(height) + ".toml");
    std::ofstream(path) << text;
    args.emplace_back("--config");
    args.push_back(path.string());
    return args;
}

core::Result<std::unique_ptr<DemoRun>> DemoRun::start(
    core::ControlLoop& loop, const std::filesystem::path& dir, int spares,
    const std::vector<std::string>& demo_args, const std::vector<std::string>& observer_scripts) {
    auto run = std::make_unique<DemoRun>(loop, dir);
    run->spares_ = spares;
    const std::string n = std::to_string(spares);
    std::vector<std::string> argv{MEETING_BENCH_SIPMEDIAGW, "demo",     "--address",
                                  e2e::kMeetingAddress,     "--spares", n};
    argv.insert(argv.end(), demo_args.begin(), demo_args.end());
    auto gw = testsupport::Program::start("sipmediagw-demo-spares" + n, std::move(argv), dir);
    if (!gw) return gw.error();
    run->gateway_ = std::move(*gw);
    // No observer yet: a blocking wait leaves no DevTools traffic unread. A demo that exits
    // (a port taken, Janus missing) is reported at once, not after the whole wait.
    const std::regex ready("sipmediagw: ready");
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (!run->gateway_.log_contains(ready)) {
        if (!run->gateway_.running()) {
            if (run->gateway_.log_contains(ready)) break;
            return core::fail("demo exited before it was ready\n" + run->gateway_.tail());
        }
        if (std::chrono::steady_clock::now() >= deadline)
            return core::fail("demo not ready\n" + run->gateway_.tail());
        std::this_thread::sleep_for(100ms);
    }
    std::smatch m;
    const std::string log = run->gateway_.log();
    if (!std::regex_search(log, m, std::regex("meeting page (http://\\S+)")))
        return core::fail("demo printed no page URL\n" + run->gateway_.tail());
    const std::string page_url = m[1];
    run->page_url_ = page_url;
    if (spares > 0 && !run->wait_log_count("browser: ready pid=", 1, 0, 120s))
        return core::fail("no warm browser\n" + run->gateway_.tail());
    auto observer = MeetingObserver::join(loop, page_url, "1234", observer_scripts);
    if (!observer) return core::fail(observer.error().message + "\n" + run->gateway_.tail());
    run->observer_ = std::move(*observer);
    progress("observer joined " + page_url);
    return run;
}

bool DemoRun::wait_log_count(const std::string& pattern, std::size_t count, std::size_t from,
                             std::chrono::milliseconds timeout) {
    const std::regex re(pattern);
    return run_until(
        loop_,
        [&] {
            const std::string log = gateway_.log();
            return count_matches(log.substr(std::min(from, log.size())), re) >= count;
        },
        timeout, 200ms);
}

nlohmann::json DemoRun::live_feeds() {
    auto r = observer_->evaluate("__benchLive()");
    return r && r->is_array() ? *r : nlohmann::json::array();
}

core::Result<DemoRun::Callers> DemoRun::start_callers(int count, const VideoSize& size,
                                                      const BenchOptions& options) {
    Callers callers;
    for (int i = 0; i < count; ++i) {
        testsupport::BaresipOptions bo;
        bo.name = "caller" + std::to_string(++caller_serial_);
        bo.user = bo.name;
        bo.tone_hz = 440;
        bo.video_codecs = options.codec;
        bo.h264_both_modes = options.codec == "H264" && options.h264_callers == "room";
        bo.video_width = size.width;
        bo.video_height = size.height;
        bo.video_fps = 30;
        bo.video_bitrate = size.bitrate;
        if (options.source == "testsrc2")
            bo.video_source = "avformat,lavfi,testsrc2=size=" + std::to_string(size.width) + "x" +
                              std::to_string(size.height) + ":rate=30";
        auto peer = testsupport::BaresipPeer::start(dir_, bo);
        if (!peer) return peer.error();
        callers.push_back(std::move(*peer));
    }
    return callers;
}

core::Status DemoRun::hang_up(Callers& callers, std::size_t log_from) {
    for (auto& c : callers) (void)c->ctrl().command("hangup");
    const bool ended = wait_log_count("ended, 0 active", 1, log_from, 60s);
    callers.clear();  // stops each baresip
    // The next case starts clean: the left browsers stopped and the observer lost their feeds.
    run_until(
        loop_, [&] { return live_feeds().empty(); }, 30s, 500ms);
    run_for(loop_, 3s);
    if (!ended) return core::fail("calls did not end\n" + gateway_.tail());
    return core::Ok{};
}

core::Result<nlohmann::json> DemoRun::measure(const Callers& callers, std::chrono::seconds window,
                                              int calls) {
    const pid_t gw_pid = gateway_.pid();
    const pid_t observer_pid = observer_->pid();
    std::set<pid_t> caller_pids;
    for (const auto& c : callers) caller_pids.insert(c->program().pid());
    const nlohmann::json feeds_before = live_feeds();
    std::vector<std::optional<CallerRx>> rx_before;
    for (const auto& c : callers) rx_before.push_back(caller_rx(*c));
    const HostTicks host_before = host_ticks();
    const ProcessTable before = snapshot_processes();
    // Per thread for the gateway's Chromium: what its cores go to (bench/meeting/README.md).
    const auto chromium_of = [&](const ProcessTable& table) {
        return gateway_chromium(table, gw_pid);
    };
    const ThreadTable threads_before = snapshot_threads(chromium_of(before));
    const auto t0 = SteadyClock::now();
    run_for(loop_, window);
    const ProcessTable after = snapshot_processes();
    const ThreadTable threads_after = snapshot_threads(chromium_of(after));
    const HostTicks host_after = host_ticks();
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    const nlohmann::json feeds_after = live_feeds();
    // What each caller decoded of what the gateway sent it, over the window.
    nlohmann::json received = nlohmann::json::array();
    for (std::size_t i = 0; i < callers.size(); ++i) {
        const auto after_rx = caller_rx(*callers[i]);
        if (!after_rx || !rx_before[i]) {
            received.push_back(nullptr);
            continue;
        }
        received.push_back(
            {{"size", std::to_string(after_rx->width) + "x" + std::to_string(after_rx->height)},
             {"fps", (after_rx->frames - rx_before[i]->frames) / seconds}});
    }

    const std::set<pid_t> tree = descendants(after, gw_pid);
    const std::set<pid_t> janus = subtrees_named(after, tree, "janus");
    std::set<pid_t> gateway;
    std::set_difference(tree.begin(), tree.end(), janus.begin(), janus.end(),
                        std::inserter(gateway, gateway.end()));
    std::set<pid_t> chromium = gateway;
    chromium.erase(gw_pid);
    const Memory mem = memory_of(gateway);
    const Memory gw_mem = memory_of({gw_pid});
    const auto cores = [&](const std::set<pid_t>& pids) {
        return cpu_seconds(before, after, pids) / seconds;
    };
    nlohmann::json r;
    r["calls"] = calls;
    r["window_s"] = seconds;
    r["gateway_tree_cores"] = cores(gateway);
    r["gateway_tree_cores_per_call"] = calls > 0 ? cores(gateway) / calls : 0.0;
    r["gateway_process_cores"] = cores({gw_pid});
    r["gateway_chromium_cores"] = cores(chromium);
    r["gateway_chromium_processes"] = chromium.size();
    r["gateway_tree_pss_mib"] = mib(mem.pss_kib);
    r["gateway_tree_rss_mib"] = mib(mem.rss_kib);
    // The gateway process alone (GStreamer pipelines, SIP): its share of the tree's PSS.
    r["gateway_process_pss_mib"] = mib(gw_mem.pss_kib);
    if (calls > 0) r["gateway_tree_pss_mib_per_call"] = mib(mem.pss_kib) / calls;
    // Where Chromium's share goes, per process role (docs/browser.md, "Process model").
    const std::map<std::string, std::set<pid_t>> roles = by_chromium_role(chromium);
    nlohmann::json by_role = nlohmann::json::object();
    for (const auto& [role, pids] : roles) {
        const Memory m = memory_of(pids);
        by_role[role] = {{"processes", pids.size()},
                         {"pss_mib", mib(m.pss_kib)},
                         {"pss_anon_mib", mib(m.pss_anon_kib)},
                         {"pss_shmem_mib", mib(m.pss_shmem_kib)},
                         {"cores", cores(pids)}};
    }
    r["gateway_chromium_by_role"] = by_role;
    // The threads that take the most, by role and thread name summed over the calls' browsers
    // (a pool's workers share one name): the top 8, and what all the others took together.
    std::map<std::pair<std::string, std::string>, double> by_thread;
    std::map<pid_t, std::string> role_of;
    for (const auto& [role, pids] : roles)
        for (const pid_t pid : pids) role_of[pid] = role;
    for (const auto& [key, cpu] : thread_cpu_seconds(threads_before, threads_after)) {
        auto role = role_of.find(key.first);
        by_thread[{role != role_of.end() ? role->second : "?", key.second}] += cpu / seconds;
    }
    std::vector<std::pair<double, std::pair<std::string, std::string>>> ranked;
    ranked.reserve(by_thread.size());
    for (const auto& [key, c] : by_thread) ranked.emplace_back(c, key);
    std::ranges::sort(ranked, std::greater<>());
    nlohmann::json threads = nlohmann::json::array();
    double rest = 0;
    for (std::size_t i = 0; i < ranked.size(); ++i) {
        if (i < 8) {
            threads.push_back({{"role", ranked[i].second.first},
                               {"thread", ranked[i].second.second},
                               {"cores", ranked[i].first}});
        } else {
            rest += ranked[i].first;
        }
    }
    r["gateway_chromium_threads"] = threads;
    r["gateway_chromium_threads_rest_cores"] = rest;
    // Not the gateway's cost, reported so the host's load is readable.
    r["janus_cores"] = cores(janus);
    r["observer_cores"] = cores(descendants(after, observer_pid));
    r["callers_cores"] = cores(descendants(after, caller_pids));
    r["host_busy_cores"] =
        static_cast<double>(host_after.busy - host_before.busy) / ticks_per_second() / seconds;
    // Frame rate the observer decoded per caller feed over the window.
    nlohmann::json fps = nlohmann::json::array();
    for (const auto& a : feeds_after) {
        for (const auto& b : feeds_before) {
            if (b["serial"] == a["serial"]) {
                fps.push_back(
                    {{"fps", (a["frames"].get<double>() - b["frames"].get<double>()) / seconds},
                     {"size", std::to_string(a["width"].get<int>()) + "x" +
                                  std::to_string(a["height"].get<int>())}});
            }
        }
    }
    r["observer_feeds"] = fps;
    r["caller_received"] = received;
    return r;
}

core::Result<nlohmann::json> DemoRun::meeting_case(const VideoSize& size, int calls,
                                                   const BenchOptions& options) {
    progress("meeting " + size.label + " x" + std::to_string(calls));
    auto callers = start_callers(calls, size, options);
    if (!callers) return callers.error();
    const std::size_t from = gateway_.log_size();
    for (auto& c : *callers)
        if (auto st = c->dial(kMeetingUri); !st) return st.error();
    if (!wait_log_count("state joining -> in_call", static_cast<std::size_t>(calls), from, 180s))
        return core::fail("calls not in_call\n" + gateway_.tail(60));
    // Steady: the observer decodes every caller and each gateway page sends the meeting back.
    const bool flowing = run_until(
        loop_,
        [&] {
            const auto feeds = live_feeds();
            return static_cast<int>(std::count_if(feeds.begin(), feeds.end(), [](const auto& f) {
                       return f["frames"].template get<int>() >= 60;
                   })) >= calls;
        },
        120s, 500ms);
    if (!flowing) {
        auto seen = observer_->evaluate("JSON.stringify({feeds: __benchFeeds, obs: __obs})");
        return core::fail("observer did not receive every caller: " +
                          (seen ? seen->dump() : seen.error().message) + "\n" + gateway_.tail(60));
    }
    const bool two_way = wait_log_count("bridge: receiving the meeting's video from the page",
                                        static_cast<std::size_t>(calls), from, 60s);
    run_for(loop_, 5s);  // past start-up bursts (keyframes, bitrate ramp-up)
    auto r = measure(*callers, options.window, calls);
    if (!r) return r;
    (*r)["what"] = "meeting";
    (*r)["size"] = size.label;
    (*r)["codec"] = options.codec;
    (*r)["meeting_video_back_to_caller"] = two_way;
    // What the gateway sends the caller follows the caller's SDP limits, not the size it sends.
    std::smatch m;
    const std::string log = gateway_.log().substr(from);
    if (std::regex_search(log, m,
                          std::regex("video bridge \\((\\w+)\\) (\\S+) toward the caller "
                                     "(\\d+x\\d+@\\d+)")))
        (*r)["toward_caller"] = m[2].str() + " " + m[3].str() + " (" + m[1].str() + ")";
    else if (std::regex_search(
                 log, m,
                 std::regex("bridge: video passthrough (\\S+) \\(no decode/encode\\).*"
                            "packetization-mode=(\\d); the page sends at most "
                            "(\\d+x\\d+@\\d+)"))) {
        (*r)["toward_caller"] = m[1].str() + " " + m[3].str() + " (passthrough)";
        if (m[1] == "H264") (*r)["caller_h264_packetization_mode"] = std::stoi(m[2]);
    }
    // Forwarded encoded (no decode, draw or encode in the page) or composited, per call.
    (*r)["meeting_video_toward_caller"] = meeting_video_toward_callers(log);
    (*r)["ratio_to_reference_per_call"] =
        (*r)["gateway_tree_cores_per_call"].get<double>() /
        (size.width >= 1280 ? kReferenceCores720p : kReferenceCores360p);
    if (auto st = hang_up(*callers, from); !st) return st.error();
    return r;
}

core::Result<nlohmann::json> DemoRun::echo_case(const VideoSize& size, int calls,
                                                const BenchOptions& options) {
    progress("echo baseline " + size.label + " x" + std::to_string(calls));
    auto callers = start_callers(calls, size, options);
    if (!callers) return callers.error();
    const std::size_t from = gateway_.log_size();
    for (auto& c : *callers)
        if (auto st = c->dial(kEchoUri); !st) return st.error();
    if (!wait_log_count("video echo ", static_cast<std::size_t>(calls), from, 90s))
        return core::fail("echo video did not start\n" + gateway_.tail(60));
    run_for(loop_, 5s);
    auto r = measure(*callers, options.window, calls);
    if (!r) return r;
    std::smatch m;
    const std::string log = gateway_.log().substr(from);
    if (std::regex_search(log, m, std::regex("video echo (\\S+ \\d+x\\d+@\\d+)")))
        (*r)["toward_caller"] = m[1].str() + " (echo)";
    (*r)["what"] = "echo_baseline";
    (*r)["size"] = size.label;
    (*r)["codec"] = options.codec;
    (*r).erase("observer_feeds");
    if (auto st = hang_up(*callers, from); !st) return st.error();
    return r;
}

core::Result<nlohmann::json> DemoRun::cpu(const BenchOptions& options) {
    nlohmann::json out;
    progress("idle window");
    auto idle = measure({}, std::chrono::seconds(std::min<int64_t>(options.window.count(), 10)), 0);
    if (!idle) return idle.error();
    idle->erase("observer_feeds");
    out["idle"] = *idle;
    out["results"] = nlohmann::json::array();
    for (const auto& size : kSizes) {
        if (!options.size.empty() && size.label != options.size) continue;
        for (int calls = 1; calls <= options.max_calls; ++calls) {
            auto echo = echo_case(size, calls, options);
            if (!echo) return echo.error();
            auto meeting = meeting_case(size, calls, options);
            if (!meeting) return meeting.error();
            (*meeting)["ratio_to_echo_baseline_per_call"] =
                (*meeting)["gateway_tree_cores_per_call"].get<double>() /
                std::max(1e-6, (*echo)["gateway_tree_cores_per_call"].get<double>());
            out["results"].push_back(*echo);
            out["results"].push_back(*meeting);
        }
    }
    return out;
}

core::Status DemoRun::pool_refilled() {
    // A warm pool is ready again when it started more browsers than it handed out.
    if (spares_ > 0 &&
        !run_until(
            loop_,
            [&] {
                const std::string log = gateway_.log();
                // With calls_per_browser > 1 a spare is a context, not a browser.
                auto ready = count_matches(log, std::regex("browser: context ready"));
                if (ready == 0) ready = count_matches(log, std::regex("browser: ready pid="));
                // Pre-loaded spares ([browser] preload): ready once the page is (or failed).
                if (log.find("browser: spares pre-load ") != std::string::npos)
                    ready =
                        count_matches(log, std::regex("browser: spare pre-load(ed| failed) pid="));
                return ready > count_matches(log, std::regex("browser: handed out pid="));
            },
            120s, 200ms))
        return core::fail("the pool did not refill\n" + gateway_.tail(40));
    return core::Ok{};
}

nlohmann::json DemoRun::idle_spare_memory() {
    const std::set<pid_t> chromium = gateway_chromium(snapshot_processes(), gateway_.pid());
    const Memory m = memory_of(chromium);
    return {{"processes", chromium.size()},
            {"pss_mib", mib(m.pss_kib)},
            {"pss_anon_mib", mib(m.pss_anon_kib)}};
}

nlohmann::json DemoRun::host_memory() {
    const pid_t gw_pid = gateway_.pid();
    const std::set<pid_t> chromium = gateway_chromium(snapshot_processes(), gw_pid);
    const Memory browsers = memory_of(chromium);
    const Memory gateway = memory_of({gw_pid});
    const std::map<std::string, std::set<pid_t>> roles = by_chromium_role(chromium);
    nlohmann::json by_role = nlohmann::json::object();
    for (const auto& [role, pids] : roles) {
        nlohmann::json each = nlohmann::json::array();  // the call's renderer, the spare's
        for (const pid_t pid : pids) {
            const Memory m = memory_of({pid});
            each.push_back({{"pss_mib", mib(m.pss_kib)}, {"pss_anon_mib", mib(m.pss_anon_kib)}});
        }
        by_role[role] = {
            {"processes", pids.size()}, {"pss_mib", mib(memory_of(pids).pss_kib)}, {"each", each}};
    }
    return {{"chromium_processes", chromium.size()},
            {"chromium_pss_mib", mib(browsers.pss_kib)},
            {"chromium_pss_anon_mib", mib(browsers.pss_anon_kib)},
            {"chromium_by_role", by_role},
            {"gateway_process_pss_mib", mib(gateway.pss_kib)},
            {"pss_mib", mib(browsers.pss_kib + gateway.pss_kib)}};
}

core::Result<nlohmann::json> DemoRun::latency_once(const BenchOptions& options,
                                                   nlohmann::json* host_memory_out) {
    if (auto st = pool_refilled(); !st) return st.error();
    auto callers = start_callers(1, kSizes.front(), options);
    if (!callers) return callers.error();
    std::set<int> known;
    if (auto feeds = observer_->evaluate("__benchFeeds.map((f) => f.serial)"); feeds)
        for (const auto& n : *feeds) known.insert(n.get<int>());
    const std::size_t from = gateway_.log_size();
    const int64_t t0 = wall_ms();
    if (auto st = callers->front()->dial(kMeetingUri); !st) return st.error();
    nlohmann::json first;
    const bool seen = run_until(
        loop_,
        [&] {
            auto feeds = observer_->evaluate("__benchFeeds.filter((f) => f.firstFrameAt > 0)");
            if (!feeds) return false;
            for (const auto& f : *feeds)
                if (!known.contains(f["serial"].get<int>())) first = f;
            return !first.is_null();
        },
        180s, 20ms);
    if (!seen) return core::fail("the observer saw no frame of the caller\n" + gateway_.tail(60));
    nlohmann::json r;
    r["invite_to_first_frame_ms"] = first["firstFrameAt"].get<int64_t>() - t0;
    r["first_frame_size"] = std::to_string(first["width"].get<int>()) + "x" +
                            std::to_string(first["height"].get<int>());
    // Where the time went, from the gateway's own log (millisecond timestamps, same clock).
    const std::string log = gateway_.log();
    const auto since = [&](const std::string& pattern) -> nlohmann::json {
        const int64_t t = log_line_ms(log, std::regex(pattern), from);
        return t < 0 ? nlohmann::json(nullptr) : nlohmann::json(t - t0);
    };
    r["invite_to_answering_ms"] = since("gateway: sess=\\S+ answering");
    r["invite_to_browser_handed_out_ms"] = since("browser: handed out pid=");
    r["invite_to_in_call_ms"] = since("state joining -> in_call");
    // The join's steps, in order (docs/browser.md, "Where a join's time goes").
    // A spare's pre-loaded page is there at hand-out (docs/browser.md, "Pre-loaded spares").
    r["invite_to_page_loaded_ms"] =
        since("gateway: sess=\\S+ (page loaded in|page pre-loaded by the spare)");
    r["preloaded"] = log.find("(pre-loaded)", from) != std::string::npos;
    r["invite_to_media_requested_ms"] = since("gateway: sess=\\S+ media bridge in frame=");
    r["invite_to_link_connected_ms"] = since("gateway: sess=\\S+ media link connected");
    r["invite_to_joined_ms"] = since("gateway: sess=\\S+ joined room=");
    r["invite_to_forwarding_ms"] = since("caller video forwarded encoded into the meeting");
    r["observer_attached_to_first_frame_ms"] =
        first["firstFrameAt"].get<int64_t>() - first["attachedAt"].get<int64_t>();
    // After the join (issue 13): the gateway page's connection publishing the caller, the
    // observer's Janus event and subscription (bench/meeting/first_frame.js), the keyframe that
    // subscription waits for (Janus asks the publisher; forwarded, the page relays it to the
    // caller through the gateway and forwards the caller's answer).
    r["invite_to_publisher_connected_ms"] =
        since("gateway: sess=\\S+ meeting connection connected \\(publishing the caller\\)");
    nlohmann::json steps = nullptr;
    if (auto s =
            observer_->evaluate("__benchSteps(" + std::to_string(first["serial"].get<int>()) + ")");
        s && s->is_object())
        steps = *s;
    const auto at = [&](const char* key) -> int64_t {
        return steps.is_object() && steps.value(key, int64_t{0}) > 0 ? steps.value(key, int64_t{0})
                                                                     : -1;
    };
    const auto rel = [&](int64_t t) {
        return t < 0 ? nlohmann::json(nullptr) : nlohmann::json(t - t0);
    };
    const int64_t connected = at("connectedAt");
    r["invite_to_observer_janus_event_ms"] = rel(at("janusEventAt"));
    r["invite_to_observer_subscription_created_ms"] = rel(at("pcCreatedAt"));
    r["invite_to_observer_offer_ms"] = rel(at("offerAt"));
    r["invite_to_observer_subscription_connected_ms"] = rel(connected);
    // The first keyframe request the page saw once the observer's subscription was up (the
    // page polls its sender's stats every 250 ms), and when the caller's keyframe left the page.
    r["invite_to_keyframe_requested_ms"] = nullptr;
    r["invite_to_keyframe_forwarded_ms"] = nullptr;
    const std::regex key_re(
        "gateway: sess=\\S+ meeting asked for a keyframe; the caller's was forwarded (\\d+) ms "
        "later");
    for (auto it = std::sregex_iterator(
             log.begin() + static_cast<std::ptrdiff_t>(std::min(from, log.size())), log.end(),
             key_re);
         connected > 0 && it != std::sregex_iterator(); ++it) {
        const auto line_start =
            log.rfind('\n', static_cast<std::size_t>(it->position(0)) + std::min(from, log.size()));
        const int64_t sent =
            log_line_ms(log, key_re, line_start == std::string::npos ? 0 : line_start);
        const int64_t requested = sent - std::stoll((*it)[1].str());
        if (sent < 0 || requested + 50 < connected) continue;
        r["invite_to_keyframe_requested_ms"] = requested - t0;
        r["invite_to_keyframe_forwarded_ms"] = sent - t0;
        break;
    }
    // What bounded the time after the join: the observer can get a picture once both the
    // gateway page's publisher and its own subscription are up, and then waits for a keyframe.
    // `after_join_bound` names the later of the two ("publisher": ours; "observer_subscription":
    // the observer's Janus signalling and ICE/DTLS, not the gateway's), or null when unknown.
    const auto num = [&](const char* key) -> int64_t {
        return r[key].is_number() ? r[key].get<int64_t>() : -1;
    };
    const int64_t pub = num("invite_to_publisher_connected_ms");
    const int64_t sub = num("invite_to_observer_subscription_connected_ms");
    r["after_join_bound"] = pub < 0 || sub < 0
                                ? nlohmann::json(nullptr)
                                : nlohmann::json(pub > sub ? "publisher" : "observer_subscription");
    r["both_up_to_first_frame_ms"] =
        pub < 0 || sub < 0
            ? nlohmann::json(nullptr)
            : nlohmann::json(r["invite_to_first_frame_ms"].get<int64_t>() - std::max(pub, sub));
    // The caller's answer to that keyframe request, through the gateway and back (with a SIP
    // caller that answers PLI slowly, this and not the join bounds the first frame).
    const int64_t asked = num("invite_to_keyframe_requested_ms");
    const int64_t answered = num("invite_to_keyframe_forwarded_ms");
    r["keyframe_wait_ms"] =
        asked < 0 || answered < 0 ? nlohmann::json(nullptr) : nlohmann::json(answered - asked);
    // A host that carries one call also holds the spare that replaced the one the call took
    // ([browser] spares = 1 by default; with calls_per_browser > 1 a context in the call's
    // browser): what a newcomer's host costs with one call, beside the per-call figures of the
    // CPU windows, which run without a spare.
    // Read once the call has run as long as a CPU window, as those read theirs (read right after
    // the refill, one run gave the same within 1 MiB).
    if (host_memory_out != nullptr && spares_ > 0) {
        if (auto st = pool_refilled(); !st) return st.error();
        const auto due = std::chrono::milliseconds(first["firstFrameAt"].get<int64_t>() - t0) +
                         std::chrono::duration_cast<std::chrono::milliseconds>(options.window);
        run_until(
            loop_, [&] { return std::chrono::milliseconds(wall_ms() - t0) >= due; }, due + 5s,
            200ms);
        auto m = host_memory();
        m["call_age_s"] = static_cast<double>(wall_ms() - t0) / 1000.0;
        *host_memory_out = m;
    }
    if (auto st = hang_up(*callers, from); !st) return st.error();
    return r;
}

core::Result<nlohmann::json> DemoRun::latency(const BenchOptions& options,
                                              const std::string& label) {
    nlohmann::json runs = nlohmann::json::array();
    std::vector<double> first_frame;
    std::vector<double> in_call;
    std::map<std::string, std::vector<double>> steps;
    const char* const kSteps[] = {"invite_to_answering_ms",
                                  "invite_to_browser_handed_out_ms",
                                  "invite_to_page_loaded_ms",
                                  "invite_to_media_requested_ms",
                                  "invite_to_link_connected_ms",
                                  "invite_to_joined_ms",
                                  "invite_to_in_call_ms",
                                  "invite_to_forwarding_ms",
                                  "invite_to_publisher_connected_ms",
                                  "invite_to_observer_janus_event_ms",
                                  "invite_to_observer_subscription_created_ms",
                                  "invite_to_observer_offer_ms",
                                  "invite_to_observer_subscription_connected_ms",
                                  "invite_to_keyframe_requested_ms",
                                  "invite_to_keyframe_forwarded_ms",
                                  "invite_to_first_frame_ms"};
    // What a waiting spare costs (with [browser] preload: its page too), before any call.
    nlohmann::json idle = nullptr;
    nlohmann::json with_call = nullptr;  // the host with the first warm call and its spare
    if (spares_ > 0) {
        if (auto st = pool_refilled(); !st) return st.error();
        idle = idle_spare_memory();
    }
    for (int i = 0; i < options.reps; ++i) {
        progress("latency " + label + " " + std::to_string(i + 1) + "/" +
                 std::to_string(options.reps));
        auto r = latency_once(options, i == 0 ? &with_call : nullptr);
        if (!r) return r.error();
        first_frame.push_back((*r)["invite_to_first_frame_ms"].get<double>());
        if ((*r)["invite_to_in_call_ms"].is_number())
            in_call.push_back((*r)["invite_to_in_call_ms"].get<double>());
        for (const char* step : kSteps)
            if ((*r)[step].is_number()) steps[step].push_back((*r)[step].get<double>());
        runs.push_back(*r);
    }
    nlohmann::json medians = nlohmann::json::object();
    nlohmann::json bounds = nlohmann::json::object();
    for (const auto& r : runs)
        if (r["after_join_bound"].is_string())
            bounds[r["after_join_bound"].get<std::string>()] =
                bounds.value(r["after_join_bound"].get<std::string>(), 0) + 1;
    for (const char* step : kSteps) {
        const auto s = summary(steps[step]);
        if (!s.is_null()) medians[step] = s["median"];
    }
    return nlohmann::json{{"spares", spares_},
                          {"idle_spare_memory", idle},
                          {"host_memory_with_one_call", with_call},
                          {"size", kSizes.front().label},
                          {"invite_to_first_frame_ms", summary(first_frame)},
                          {"invite_to_in_call_ms", summary(in_call)},
                          {"steps_median_ms", medians},
                          {"after_join_bound_runs", bounds},
                          {"runs", runs}};
}

int DemoRun::fail(const core::Error& error) {
    std::cerr << "meeting_bench: " << error.message << "\n";
    stop();
    return 1;
}

void DemoRun::stop() {
    observer_.reset();
    gateway_.stop(std::chrono::seconds(15));
}

}  // namespace bench
