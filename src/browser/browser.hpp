// A running Chromium with its DevTools pipe and its health watch: process exit, pipe EOF, a
// crashed target and a periodic heartbeat (Browser.getVersion) that must be answered in time.
// Whichever comes first is reported once, on the control thread, to the current owner.
//
// A Browser is also what a call gets when several calls share one Chromium
// ([browser] calls_per_browser > 1): a lease of one isolated browser context (own cookies,
// storage, cache, permissions, renderers) in a shared "host" Browser. A lease answers like a
// browser of its own (devtools(), pid(), grant_permissions()); it fails when its host fails or
// when a renderer of its context crashes, and disposes of its context when destroyed.
#pragma once

#include "browser/chromium.hpp"
#include "browser/devtools_pipe.hpp"
#include "browser/page.hpp"
#include "browser/refill_hold.hpp"
#include "core/control_loop.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace browser {

// A meeting page a spare opened before any call (Pool, PoolOptions::preload): the call that
// takes the spare joins in it, or navigates it, instead of opening a tab from nothing.
struct PreloadedPage {
    std::unique_ptr<Page> page;
    std::string url;              // what was loaded (PoolOptions::preload.url)
    bool joins_in_place = false;  // the adapter brought it to its pre-join step
};

struct HealthOptions {
    uint32_t start_timeout_ms = 20000;      // spawn → first DevTools answer
    uint32_t heartbeat_interval_ms = 5000;  // 0: no heartbeat
    uint32_t heartbeat_timeout_ms = 5000;
};

class Browser {
public:
    struct Key {  // only the factory makes one
        explicit Key() = default;
    };
    explicit Browser(Key /*factory only*/) {}
    using ReadyHandler = std::function<void(core::Status)>;
    using FailureHandler = std::function<void(const std::string& cause)>;

    // Starts Chromium; on_ready runs once the browser answered its first command (or with the
    // reason it never did). Both handlers run on the control thread.
    static core::Result<std::unique_ptr<Browser>> launch(const LaunchOptions& launch,
                                                         const HealthOptions& health,
                                                         ReadyHandler on_ready);
    ~Browser();
    Browser(const Browser&) = delete;
    Browser& operator=(const Browser&) = delete;

    // A new isolated browser context in `host` (Target.createBrowserContext), as a lease; done
    // runs on the control thread. The host then reports a renderer crash only to the lease whose
    // context it was in, and its own failure to every lease.
    using Leased = std::function<void(core::Result<std::unique_ptr<Browser>>)>;
    static void open_context(const std::shared_ptr<Browser>& host, Leased done);

    // A host: runs (on the control thread, from the lease's destructor) when a lease ends.
    void on_lease_ended(std::function<void()> handler) { on_lease_ended_ = std::move(handler); }

    // Replaces the failure handler (the pool hands a browser over to a session this way).
    void on_failure(FailureHandler handler) { on_failure_ = std::move(handler); }

    // Grants every permission a meeting page needs, for one origin ("http://host:port"), in one
    // call: a second Browser.grantPermissions replaces the first set.
    void grant_permissions(const std::string& origin, std::function<void(core::Status)> done);

    // The pool defers the replacement of a spare it hands out until the call that took it
    // says its join settled (release_refill_hold), or the browser goes.
    void hold_refill(RefillHold hold) { refill_hold_ = std::move(hold); }
    void release_refill_hold(const std::string& cause) { refill_hold_.release(cause); }

    // The pool keeps a spare's pre-loaded page here until a call takes the browser.
    void keep_preloaded(PreloadedPage page) { preloaded_ = std::move(page); }
    // The page pre-loaded for `url`; nothing when there is none or it is for another URL (then
    // it is closed: the call opens its own tab, as without a pre-load).
    std::optional<PreloadedPage> take_preloaded(const std::string& url);
    [[nodiscard]] bool has_preloaded() const noexcept {
        return preloaded_ && !preloaded_->url.empty();
    }

    [[nodiscard]] DevToolsPipe& devtools() noexcept { return host_ ? host_->devtools() : *pipe_; }
    [[nodiscard]] pid_t pid() const noexcept { return host_ ? host_->pid() : chromium_->pid(); }
    [[nodiscard]] const std::string& user_data_dir() const noexcept {
        return host_ ? host_->user_data_dir() : chromium_->user_data_dir();
    }
    // The lease's browser context ("" for a browser of its own): pages go there
    // (PageOptions::browser_context_id).
    [[nodiscard]] const std::string& context_id() const noexcept { return context_id_; }
    // Contexts opened in this browser so far, and leases alive now.
    [[nodiscard]] uint32_t contexts_opened() const noexcept { return contexts_opened_; }
    [[nodiscard]] size_t leases() const noexcept { return leases_.size(); }
    [[nodiscard]] bool ready() const noexcept { return ready_; }
    [[nodiscard]] bool failed() const noexcept { return failed_; }
    [[nodiscard]] const std::string& failure() const noexcept { return failure_; }
    [[nodiscard]] const std::string& product() const noexcept { return product_; }
    // Spawn → first DevTools answer.
    [[nodiscard]] std::chrono::microseconds startup_time() const noexcept { return startup_; }

private:
    void on_first_answer(core::Result<Json> version);
    void heartbeat();
    void fail(const std::string& cause, bool renderer_crash = false);
    void target_crashed(const Json& params);
    void target_seen(const Json& info);

    std::unique_ptr<Chromium> chromium_;
    std::unique_ptr<DevToolsPipe> pipe_;
    HealthOptions health_;
    ReadyHandler on_ready_;
    FailureHandler on_failure_;
    core::Timer start_timer_;
    core::Timer heartbeat_timer_;
    core::Timer heartbeat_deadline_;
    uint64_t heartbeat_id_ = 0;
    bool ready_ = false;
    bool failed_ = false;
    std::string failure_;
    std::string product_;
    std::chrono::steady_clock::time_point spawned_at_;
    std::chrono::microseconds startup_{0};
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

    // A lease: the shared browser it lives in, and its context there.
    std::shared_ptr<Browser> host_;
    std::string context_id_;
    // A host: its live leases, and which context each target is in (from target discovery),
    // so a renderer crash fails only the lease it belongs to.
    std::vector<Browser*> leases_;
    std::map<std::string, std::string> target_contexts_;
    uint32_t contexts_opened_ = 0;
    std::function<void()> on_lease_ended_;
    // Last: its tab is closed while the pipe (ours or the host's) is still there.
    std::optional<PreloadedPage> preloaded_;
    RefillHold refill_hold_;
};

}  // namespace browser
