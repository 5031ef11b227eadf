// Browser figures, as JSON on stdout: cold start (spawn → first DevTools answer), warm hand-out
// (Pool::take, and take → a new page answering an evaluation), and the memory (PSS) of an idle
// browser with all its processes. Baseline from the same run: Chromium's own shortest headless
// life (`--dump-dom about:blank`, start to exit), so the cold start reads as a ratio.
//
//   build/bench/browser/browser_bench [runs]
#include "browser/browser.hpp"
#include "browser/chromium.hpp"
#include "browser/page.hpp"
#include "browser/pool.hpp"
#include "core/control_loop.hpp"
#include "core/log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <numeric>
#include <optional>
#include <sstream>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

nlohmann::json summary(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const double sum = std::accumulate(v.begin(), v.end(), 0.0);
    return {{"runs", v.size()},
            {"min", v.front()},
            {"median", v[v.size() / 2]},
            {"max", v.back()},
            {"mean", sum / static_cast<double>(v.size())}};
}

// Runs the loop until pred() or a generous deadline.
bool run_until(core::ControlLoop& loop, const std::function<bool()>& pred,
               std::chrono::seconds timeout = std::chrono::seconds(60)) {
    const auto deadline = Clock::now() + timeout;
    core::Timer poll;
    std::function<void()> check = [&]() {
        if (pred() || Clock::now() >= deadline) {
            loop.stop();
            return;
        }
        poll.start(5, check);
    };
    poll.start(0, check);
    loop.run();
    return pred();
}

// PSS of every process in the browser's process group (its renderers, zygotes, utilities).
uint64_t group_pss_kib(pid_t pgid) {
    uint64_t total = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) continue;
        std::istringstream rest(line.substr(line.rfind(')') + 2));
        char state = 0;
        long ppid = 0;
        long pgrp = 0;
        rest >> state >> ppid >> pgrp;
        if (pgrp != pgid) continue;
        std::ifstream smaps(entry.path() / "smaps_rollup");
        std::string key;
        while (smaps >> key) {
            if (key == "Pss:") {
                uint64_t kib = 0;
                smaps >> kib;
                total += kib;
                break;
            }
            smaps.ignore(4096, '\n');
        }
    }
    return total;
}

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    core::log_init("error");
    core::LibreRuntime libre;
    core::ControlLoop loop;
    if (!libre.ok() || !loop.ok()) return 1;
    nlohmann::json out{{"bench", "browser"}, {"runs", runs}};
    // Timings on a shared 2-core machine depend on what else runs: keep the load with them.
    auto loadavg = [] {
        std::ifstream in("/proc/loadavg");
        double one = 0;
        in >> one;
        return one;
    };
    out["loadavg_1min_start"] = loadavg();

    // Baseline: Chromium's own minimal headless run.
    {
        std::vector<double> times;
        browser::LaunchOptions o;
        for (int i = 0; i < runs; ++i) {
            auto dir = browser::TempDir::create("", "sipmediagw-bench-");
            std::vector<std::string> argv_dump = browser::chromium_command_line(o, dir->path());
            argv_dump.erase(std::remove(argv_dump.begin(), argv_dump.end(),
                                        std::string("--remote-debugging-pipe")),
                            argv_dump.end());
            argv_dump.insert(argv_dump.end() - 1, "--dump-dom");
            core::SpawnOptions so;
            so.stdout_path = "/dev/null";
            so.stderr_path = "/dev/null";
            const auto t0 = Clock::now();
            auto p = core::ChildProcess::spawn(argv_dump, so);
            if (!p || !p->wait_for(std::chrono::seconds(60))) return 1;
            times.push_back(ms_since(t0));
        }
        out["baseline_dump_dom_ms"] = summary(times);
    }

    // Cold start: spawn → first DevTools answer; idle PSS once it settled.
    {
        std::vector<double> start_ms;
        std::vector<double> pss_mib;
        for (int i = 0; i < runs; ++i) {
            std::optional<core::Status> ready;
            auto b = browser::Browser::launch({}, {}, [&](core::Status st) { ready = st; });
            if (!b || !run_until(loop, [&] { return ready.has_value(); }) || !ready->ok()) return 1;
            start_ms.push_back(static_cast<double>((*b)->startup_time().count()) / 1000.0);
            // Idle means after start-up work settled; a fixed wait is fine in a benchmark.
            const auto settle = Clock::now() + std::chrono::seconds(3);
            run_until(loop, [&] { return Clock::now() >= settle; });
            pss_mib.push_back(static_cast<double>(group_pss_kib((*b)->pid())) / 1024.0);
        }
        out["cold_start_to_first_answer_ms"] = summary(start_ms);
        out["idle_browser_pss_mib"] = summary(pss_mib);
        out["cold_start_vs_baseline"] =
            out["cold_start_to_first_answer_ms"]["median"].get<double>() /
            out["baseline_dump_dom_ms"]["median"].get<double>();
    }

    // Warm hand-out: take() from a pool with a ready spare, then a new page's first answer.
    {
        browser::PoolOptions po;
        po.spares = 1;
        browser::Pool pool(po);
        pool.start();
        std::vector<double> take_ms;
        std::vector<double> page_ms;
        std::vector<double> discard_ms;
        for (int i = 0; i < runs; ++i) {
            if (!run_until(loop, [&] { return pool.ready_count() == 1; })) return 1;
            const auto t0 = Clock::now();
            auto b = pool.take();
            take_ms.push_back(ms_since(t0));
            std::optional<core::Result<browser::Json>> value;
            std::unique_ptr<browser::Page> page;
            page = browser::Page::open(b->devtools(), {}, [&](core::Status st) {
                if (!st) {
                    value = st.error();
                    return;
                }
                page->evaluate("1+1", [&](core::Result<browser::Json> r) { value = std::move(r); });
            });
            if (!run_until(loop, [&] { return value.has_value(); }) || !value->ok()) return 1;
            page_ms.push_back(ms_since(t0));
            page.reset();
            const auto t1 = Clock::now();
            b.reset();  // SIGTERM, wait for exit, kill the group, remove the profile
            discard_ms.push_back(ms_since(t1));
        }
        out["warm_take_ms"] = summary(take_ms);
        out["warm_take_to_page_answer_ms"] = summary(page_ms);
        out["discard_blocking_ms"] = summary(discard_ms);
    }
    out["loadavg_1min_end"] = loadavg();
    std::cout << out.dump(2) << std::endl;
    return 0;
}
