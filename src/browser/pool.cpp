#include "browser/pool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace browser {

PoolOptions pool_options(const core::BrowserConfig& config) {
    PoolOptions o;
    o.launch.executable = config.executable;
    o.launch.extra_flags = config.extra_flags;
    o.launch.profile_parent = config.profile_dir;
    o.launch.stderr_path = config.log_file.empty() ? "/dev/null" : config.log_file;
    o.launch.window_width = config.window_width;
    o.launch.window_height = config.window_height;
    o.health.start_timeout_ms = config.start_timeout_ms;
    o.health.heartbeat_interval_ms = config.heartbeat_interval_ms;
    o.health.heartbeat_timeout_ms = config.heartbeat_timeout_ms;
    o.spares = config.spares;
    o.calls_per_browser = config.calls_per_browser;
    o.refill_hold_ms = config.spare_refill_hold_ms;
    return o;
}

Pool::Pool(PoolOptions options) : options_(std::move(options)) {}

Pool::~Pool() {
    *alive_ = false;
    refill_timer_.cancel();
    bury_timer_.cancel();
    holds_.clear();
    // Waiting callers are not called: they belong to what is being torn down with us.
    waiters_.clear();
}

void Pool::start() {
    started_ = true;
    if (!options_.preload.url.empty())
        spdlog::info("browser: spares pre-load {}", options_.preload.url);
    refill();
}

std::vector<pid_t> Pool::pids() const {
    std::vector<pid_t> out;
    for (const auto& b : starting_) out.push_back(b->pid());
    for (const auto& b : ready_) out.push_back(b->pid());
    for (const auto& h : hosts_) out.push_back(h->pid());
    // Spare contexts live in a host already listed.
    std::ranges::sort(out);
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::unique_ptr<Browser> Pool::take() {
    schedule_refill(0);
    if (ready_.empty()) return nullptr;
    // The oldest spare first: it has been checked by the most heartbeats.
    auto b = std::move(ready_.front());
    ready_.erase(ready_.begin());
    b->on_failure(nullptr);
    hold_refill(*b);
    const bool pending = abandon_preload(b.get());
    spdlog::info("browser: handed out pid={} spares_left={}{}", b->pid(), ready_.size(),
                 b->has_preloaded() ? " (pre-loaded)"
                 : pending          ? " (its pre-load had not finished)"
                                    : "");
    return b;
}

void Pool::acquire(Acquired done) {
    if (auto b = take()) {
        done(std::move(b));
        return;
    }
    waiters_.push_back(std::move(done));
    schedule_refill(0);
}

void Pool::schedule_refill(uint64_t delay_ms) {
    if (refill_timer_.active() && delay_ms > 0) return;
    // Launching happens off the caller's stack so take() stays instant.
    refill_timer_.start(delay_ms, [this]() { refill(); });
}

size_t Pool::wanted() const noexcept {
    return options_.spares - std::min<size_t>(options_.spares, holds_.size()) + waiters_.size();
}

void Pool::hold_refill(Browser& b) {
    if (options_.refill_hold_ms == 0 || options_.spares == 0) return;
    const uint64_t id = ++hold_serial_;
    const pid_t pid = b.pid();
    auto hold = std::make_unique<Hold>();
    hold->since = std::chrono::steady_clock::now();
    hold->deadline.start(options_.refill_hold_ms, [this, id, pid]() {
        release_hold(id, pid,
                     fmt::format("spare_refill_hold_ms={} passed", options_.refill_hold_ms));
    });
    holds_.emplace(id, std::move(hold));
    std::weak_ptr<bool> alive = alive_;
    b.hold_refill(RefillHold([this, alive, id, pid](const std::string& cause) {
        if (!alive.expired()) release_hold(id, pid, cause);
    }));
}

void Pool::release_hold(uint64_t id, pid_t pid, const std::string& cause) {
    auto it = holds_.find(id);
    if (it == holds_.end()) return;
    const auto held = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - it->second->since);
    // Not erased here: this may run inside the hold's own deadline callback.
    auto hold = std::move(it->second);
    holds_.erase(it);
    hold_graveyard_.push_back(std::move(hold));
    empty_graveyards_later();
    spdlog::info("browser: replacing the spare handed out as pid={} after {} ms ({})", pid,
                 held.count(), cause);
    schedule_refill(0);
}

void Pool::refill() {
    if (!started_) return;
    if (options_.calls_per_browser > 1) {
        refill_contexts();
        return;
    }
    const size_t wanted = this->wanted();
    while (starting_.size() + ready_.size() < wanted) {
        const size_t before = starting_.size();
        launch_one();
        if (starting_.size() == before) break;  // launch failed; retry was scheduled
    }
}

void Pool::launch_one() {
    std::weak_ptr<bool> alive = alive_;
    // The browser is not known before launch returns; the handler finds it through a box.
    auto box = std::make_shared<Browser*>(nullptr);
    auto b = Browser::launch(options_.launch, options_.health,
                             [this, alive, box](const core::Status& st) {
                                 if (!alive.expired() && *box != nullptr) started(*box, st);
                             });
    if (!b) {
        spdlog::error("browser: cannot start chromium: {}", b.error().message);
        ++failures_in_a_row_;
        if (on_spare_failure_) on_spare_failure_(-1, b.error().message);
        schedule_refill(std::min<uint64_t>(
            30000, uint64_t{options_.retry_delay_ms} << std::min(failures_in_a_row_ - 1, 5U)));
        return;
    }
    *box = b->get();
    starting_.push_back(std::move(*b));
}

void Pool::started(Browser* b, const core::Status& status) {
    auto owned = extract(starting_, b);
    if (!owned) return;
    if (!status) {
        ++failures_in_a_row_;
        const pid_t pid = owned->pid();
        bury(std::move(owned));
        spdlog::warn("browser: spare did not start pid={} cause=\"{}\"", pid,
                     status.error().message);
        if (failures_in_a_row_ >= options_.give_up_after) {
            auto waiters = std::move(waiters_);
            waiters_.clear();
            for (auto& w : waiters)
                w(core::fail("chromium failed to start: " + status.error().message));
        }
        if (on_spare_failure_) on_spare_failure_(pid, status.error().message);
        schedule_refill(std::min<uint64_t>(
            30000, uint64_t{options_.retry_delay_ms} << std::min(failures_in_a_row_ - 1, 5U)));
        return;
    }
    failures_in_a_row_ = 0;
    if (options_.calls_per_browser > 1) {
        host_started(std::move(owned));
        return;
    }
    if (!waiters_.empty()) {
        auto w = std::move(waiters_.front());
        waiters_.pop_front();
        spdlog::info("browser: handed out pid={} (cold start)", owned->pid());
        w(std::move(owned));
        schedule_refill(0);
        return;
    }
    owned->on_failure([this, b](const std::string& cause) { spare_failed(b, cause); });
    ready_.push_back(std::move(owned));
    preload(b);
}

void Pool::spare_failed(Browser* b, const std::string& cause) {
    auto owned = extract(ready_, b);
    if (!owned) return;
    abandon_preload(b);
    const pid_t pid = owned->pid();
    bury(std::move(owned));
    spdlog::warn("browser: spare lost pid={} cause=\"{}\"", pid, cause);
    if (on_spare_failure_) on_spare_failure_(pid, cause);
    schedule_refill(0);
}

std::unique_ptr<Browser> Pool::extract(std::vector<std::unique_ptr<Browser>>& from, Browser* b) {
    auto it = std::find_if(from.begin(), from.end(), [b](const auto& p) { return p.get() == b; });
    if (it == from.end()) return nullptr;
    auto owned = std::move(*it);
    from.erase(it);
    return owned;
}

void Pool::empty_graveyards_later() {
    bury_timer_.start(0, [this]() {
        graveyard_.clear();
        host_graveyard_.clear();
        hold_graveyard_.clear();
    });
}

void Pool::bury(std::unique_ptr<Browser> b) {
    graveyard_.push_back(std::move(b));
    empty_graveyards_later();
}

}  // namespace browser
