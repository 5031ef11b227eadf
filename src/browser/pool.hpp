// Warm browsers so a call never waits for a Chromium start. Each browser serves one call and is
// never returned: a call takes one, the pool starts a replacement in the background. Spares are
// watched like any browser; one that fails is replaced and the failure reported.
#pragma once

#include "browser/browser.hpp"
#include "core/config.hpp"
#include "core/control_loop.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace browser {

// A meeting page every spare opens before any call, so that the call finds the service's
// scripts fetched and compiled, its origin's renderer running and, where the adapter can, the
// page at its pre-join step (docs/browser.md, "Pre-loaded spares"). Empty url: none.
struct SparePreload {
    std::string url;
    // Granted every permission before the page loads (Browser::grant_permissions).
    std::string origin;
    // The scripts and bindings the call's own page would get (the spare serves exactly one
    // call, so nothing in them is another call's).
    PageOptions page;
    // Evaluated (and awaited) once the page loaded; an object with `joinsInPlace: true` says
    // the call can join without navigating. Empty: nothing to evaluate.
    std::string prepare;
    uint32_t timeout_ms = 30000;  // the whole pre-load; then the spare is handed out without
};

struct PoolOptions {
    LaunchOptions launch;
    HealthOptions health;
    uint32_t spares = 1;
    uint32_t retry_delay_ms = 1000;  // after a spare failed; doubled per failure in a row, to 30 s
    uint32_t give_up_after = 3;      // failures in a row before waiting callers get an error
    // 1: one browser per call. N > 1: up to N calls (at once and over its life) share a browser,
    // each in a browser context of its own; a spare is then a context opened in advance.
    uint32_t calls_per_browser = core::BrowserConfig{}.calls_per_browser;
    // A spare handed out is replaced once its call's join settled (Browser::release_refill_hold)
    // or this long after the hand-out, whichever comes first; 0: at once. A call arriving
    // meanwhile with no spare left starts a browser of its own, as it would without the hold.
    uint32_t refill_hold_ms = 5000;
    SparePreload preload;
};

// The pool's settings from the [browser] table of the configuration.
PoolOptions pool_options(const core::BrowserConfig& config);

class Pool {
public:
    using Acquired = std::function<void(core::Result<std::unique_ptr<Browser>>)>;
    using SpareFailure = std::function<void(pid_t pid, const std::string& cause)>;

    explicit Pool(PoolOptions options);
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // Starts the spares.
    void start();
    // A ready browser at once, or nullptr when none is ready. Refilling starts either way. The
    // caller owns the browser and sets its failure handler.
    std::unique_ptr<Browser> take();
    // A browser as soon as one is ready: at once when warm, else after a start (or an error
    // after give_up_after failed starts in a row).
    void acquire(Acquired done);

    // Reported on the control thread when a spare dies or fails to start.
    void on_spare_failure(SpareFailure handler) { on_spare_failure_ = std::move(handler); }

    [[nodiscard]] size_t ready_count() const noexcept { return ready_.size(); }
    [[nodiscard]] size_t starting_count() const noexcept { return starting_.size(); }
    // Ready spares whose page is still being pre-loaded (PoolOptions::preload).
    [[nodiscard]] size_t preloading_count() const noexcept { return preloading_.size(); }
    // Spares handed out whose replacement waits for their call's join (refill_hold_ms).
    [[nodiscard]] size_t held_count() const noexcept { return holds_.size(); }
    // Process ids of every browser the pool holds (ready or starting).
    [[nodiscard]] std::vector<pid_t> pids() const;

private:
    void refill();
    void schedule_refill(uint64_t delay_ms);
    // The spares wanted now: `spares` less those whose replacement is held, plus waiting calls.
    [[nodiscard]] size_t wanted() const noexcept;
    void hold_refill(Browser& b);
    void release_hold(uint64_t id, pid_t pid, const std::string& cause);
    void launch_one();
    void started(Browser* b, const core::Status& status);
    void spare_failed(Browser* b, const std::string& cause);
    std::unique_ptr<Browser> extract(std::vector<std::unique_ptr<Browser>>& from, Browser* b);
    void bury(std::unique_ptr<Browser> b);
    // Destroys what was buried outside the callback that buried it.
    void empty_graveyards_later();

    // Shared browsers (calls_per_browser > 1), in pool_contexts.cpp.
    void refill_contexts();
    void host_started(std::unique_ptr<Browser> b);
    void open_context(const std::shared_ptr<Browser>& host);
    void context_opened(const Browser* host, core::Result<std::unique_ptr<Browser>> lease);
    void host_failed(const Browser* host, const std::string& cause);
    [[nodiscard]] size_t contexts_opening() const;

    // Pre-loading a ready spare's page (PoolOptions::preload), in pool_preload.cpp.
    struct Preloading {
        std::unique_ptr<Page> page;
        core::Timer deadline;
        uint64_t serial = 0;
        std::chrono::steady_clock::time_point started;
        const char* step = "permissions";  // what it waits for, for the timeout's cause
    };
    void preload(Browser* b);
    void preload_loaded(Browser* b, uint64_t serial);
    void preload_done(Browser* b, uint64_t serial, bool joins_in_place);
    void preload_failed(Browser* b, uint64_t serial, const std::string& cause);
    // Abandons a pre-load still running for `b` (handed out, failed); says whether there was one.
    bool abandon_preload(Browser* b);

    PoolOptions options_;
    std::vector<std::unique_ptr<Browser>> starting_;
    std::vector<std::unique_ptr<Browser>> ready_;
    // Failed browsers are destroyed outside the callback that reported them.
    std::vector<std::unique_ptr<Browser>> graveyard_;
    std::deque<Acquired> waiters_;
    // Shared browsers that can still open a context, contexts being opened in each, and the
    // failed ones (destroyed outside the callback that reported them).
    std::vector<std::shared_ptr<Browser>> hosts_;
    std::map<const Browser*, size_t> opening_;
    std::vector<std::shared_ptr<Browser>> host_graveyard_;
    core::Timer refill_timer_;
    core::Timer bury_timer_;
    uint32_t failures_in_a_row_ = 0;
    bool started_ = false;
    SpareFailure on_spare_failure_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    uint64_t preload_serial_ = 0;
    struct Hold {
        core::Timer deadline;
        std::chrono::steady_clock::time_point since;
    };
    std::map<uint64_t, std::unique_ptr<Hold>> holds_;
    std::vector<std::unique_ptr<Hold>> hold_graveyard_;
    uint64_t hold_serial_ = 0;
    // Last: their tabs close through browsers that the members above still hold.
    std::map<const Browser*, std::unique_ptr<Preloading>> preloading_;
};

}  // namespace browser
