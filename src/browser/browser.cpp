#include "browser/browser.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace browser {

core::Result<std::unique_ptr<Browser>> Browser::launch(const LaunchOptions& launch,
                                                       const HealthOptions& health,
                                                       ReadyHandler on_ready) {
    auto b = std::make_unique<Browser>(Key{});
    b->health_ = health;
    b->on_ready_ = std::move(on_ready);
    b->spawned_at_ = std::chrono::steady_clock::now();
    auto chromium = Chromium::launch(launch);
    if (!chromium) return chromium.error();
    b->chromium_ = std::move(*chromium);
    b->pipe_ = std::make_unique<DevToolsPipe>(b->chromium_->take_devtools_read(),
                                              b->chromium_->take_devtools_write());
    Browser* self = b.get();
    if (auto st = b->pipe_->start([self](const std::string& reason) { self->fail(reason); }); !st)
        return st.error();
    if (auto st = b->chromium_->watch_exit(
            [self](int status) { self->fail("browser process " + describe_wait_status(status)); });
        !st)
        return st.error();
    b->pipe_->on("Target.targetCrashed",
                 [self](const Json& params, const std::string&) { self->target_crashed(params); });
    for (const char* event : {"Target.targetCreated", "Target.targetInfoChanged"}) {
        b->pipe_->on(event, [self](const Json& params, const std::string&) {
            if (params.contains("targetInfo") && params["targetInfo"].is_object())
                self->target_seen(params["targetInfo"]);
        });
    }
    b->pipe_->on("Target.targetDestroyed", [self](const Json& params, const std::string&) {
        self->target_contexts_.erase(params.value("targetId", std::string()));
    });
    b->start_timer_.start(health.start_timeout_ms, [self]() {
        self->fail("no DevTools answer within " + std::to_string(self->health_.start_timeout_ms) +
                   " ms of start");
    });
    // Chromium answers once its browser process is up; this is the "cold start" figure.
    b->pipe_->send("Browser.getVersion", Json::object(),
                   [self](core::Result<Json> r) { self->on_first_answer(std::move(r)); });
    spdlog::debug("browser: started pid={} profile={}", b->pid(), b->user_data_dir());
    return b;
}

void Browser::open_context(const std::shared_ptr<Browser>& host, Leased done) {
    ++host->contexts_opened_;
    std::weak_ptr<Browser> weak = host;
    // Each call's own cookies, storage, cache and permissions, and renderers of its own: Chromium
    // never puts two browser contexts in one renderer process.
    host->pipe_->send("Target.createBrowserContext", Json::object(),
                      [weak, done = std::move(done)](core::Result<Json> created) {
                          auto h = weak.lock();
                          if (!h) return;
                          if (!created) return done(created.error());
                          if (h->failed_) return done(core::fail(h->failure_));
                          auto lease = std::make_unique<Browser>(Key{});
                          lease->host_ = h;
                          lease->context_id_ = created->value("browserContextId", std::string());
                          lease->ready_ = true;
                          lease->product_ = h->product_;
                          lease->startup_ = h->startup_;
                          h->leases_.push_back(lease.get());
                          spdlog::info("browser: context ready pid={} context={} leases={}",
                                       h->pid(), lease->context_id_, h->leases_.size());
                          done(std::move(lease));
                      });
}

void Browser::target_seen(const Json& info) {
    const std::string target = info.value("targetId", std::string());
    const std::string context = info.value("browserContextId", std::string());
    if (!target.empty() && !context.empty()) target_contexts_[target] = context;
}

void Browser::target_crashed(const Json& params) {
    const std::string target = params.value("targetId", std::string());
    const std::string cause = "renderer crashed (target " + target + ", status " +
                              params.value("status", std::string()) + ")";
    // A browser of one call: a crashed spare or page renderer leaves it unusable for a call.
    if (contexts_opened_ == 0) {
        fail(cause, true);
        return;
    }
    // A shared browser: only the call whose context the renderer served is hit; a renderer of
    // no lease (the start page in the default context) is no call's loss.
    auto it = target_contexts_.find(target);
    if (it == target_contexts_.end()) return;
    const std::string context = it->second;
    for (Browser* lease : std::vector<Browser*>(leases_)) {
        if (std::ranges::find(leases_, lease) != leases_.end() && lease->context_id_ == context)
            lease->fail(cause, true);
    }
}

std::optional<PreloadedPage> Browser::take_preloaded(const std::string& url) {
    auto kept = std::exchange(preloaded_, std::nullopt);
    if (!kept || url.empty() || kept->url != url) return std::nullopt;
    return kept;
}

Browser::~Browser() {
    // Its tab first, while the DevTools pipe it closes through is still there.
    preloaded_.reset();
    if (host_) {
        std::erase(host_->leases_, this);
        // Closes the context's pages and frees its storage; the host lives on for other calls.
        if (!host_->failed_ && !host_->pipe_->closed())
            host_->pipe_->send("Target.disposeBrowserContext",
                               Json{{"browserContextId", context_id_}});
        if (host_->on_lease_ended_) host_->on_lease_ended_();
    }
    *alive_ = false;
    start_timer_.cancel();
    heartbeat_timer_.cancel();
    heartbeat_deadline_.cancel();
    pipe_.reset();
    // A failed browser gets no grace; a healthy one may close cleanly. Neither blocks us.
    if (chromium_) chromium_->stop_in_background(failed_);
}

void Browser::on_first_answer(core::Result<Json> version) {
    if (failed_) return;
    start_timer_.cancel();
    if (!version) {
        fail(version.error().message);
        return;
    }
    startup_ = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - spawned_at_);
    product_ = version->value("product", std::string());
    ready_ = true;
    // Target.targetCrashed is only sent while target discovery is on.
    pipe_->send("Target.setDiscoverTargets", Json{{"discover", true}});
    spdlog::info("browser: ready pid={} product={} start_ms={}", pid(), product_,
                 startup_.count() / 1000);
    if (health_.heartbeat_interval_ms > 0)
        heartbeat_timer_.start(health_.heartbeat_interval_ms, [this]() { heartbeat(); });
    auto handler = std::move(on_ready_);
    on_ready_ = nullptr;
    if (handler) handler(core::Ok{});
}

void Browser::heartbeat() {
    if (failed_) return;
    heartbeat_deadline_.start(health_.heartbeat_timeout_ms, [this]() {
        fail("no heartbeat answer within " + std::to_string(health_.heartbeat_timeout_ms) + " ms");
    });
    std::weak_ptr<bool> alive = alive_;
    heartbeat_id_ = pipe_->send(
        "Browser.getVersion", Json::object(), [this, alive](const core::Result<Json>& r) {
            if (alive.expired() || failed_) return;
            if (!r) return;  // the pipe's close reports the failure
            heartbeat_deadline_.cancel();
            heartbeat_timer_.start(health_.heartbeat_interval_ms, [this]() { heartbeat(); });
        });
}

void Browser::fail(const std::string& cause, bool renderer_crash) {
    if (failed_) return;
    failed_ = true;
    failure_ = cause;
    start_timer_.cancel();
    heartbeat_timer_.cancel();
    heartbeat_deadline_.cancel();
    if (host_) {
        spdlog::warn("browser: context failed pid={} context={} cause=\"{}\"", pid(), context_id_,
                     cause);
    } else {
        spdlog::warn("browser: failed pid={} cause=\"{}\"", pid(), cause);
    }
    // A hung browser will not exit on its own; do not wait for it. After a renderer crash the
    // browser still runs, so its pages can report their own crash before the owner drops it.
    if (!renderer_crash && chromium_) chromium_->kill_now();
    // Every call in a shared browser loses it. Owners never destroy a lease from inside its
    // failure handler (they post or bury), so this host outlives the loop.
    for (Browser* lease : std::vector<Browser*>(leases_)) {
        if (std::ranges::find(leases_, lease) != leases_.end()) lease->fail(cause);
    }
    if (on_ready_) {
        auto handler = std::move(on_ready_);
        on_ready_ = nullptr;
        handler(core::fail(cause));
        return;
    }
    auto handler = on_failure_;
    if (handler) handler(cause);
}

void Browser::grant_permissions(const std::string& origin, std::function<void(core::Status)> done) {
    // One call with every permission: a later call would replace this set.
    Json permissions =
        Json::array({"audioCapture", "videoCapture", "displayCapture", "backgroundSync",
                     "notifications", "clipboardReadWrite", "clipboardSanitizedWrite"});
    Json params{{"origin", origin}, {"permissions", permissions}};
    if (!context_id_.empty()) params["browserContextId"] = context_id_;
    std::weak_ptr<bool> alive = alive_;
    devtools().send("Browser.grantPermissions", std::move(params),
                    [alive, done = std::move(done)](const core::Result<Json>& r) {
                        if (alive.expired() || !done) return;
                        if (!r) {
                            done(r.error());
                        } else {
                            done(core::Ok{});
                        }
                    });
}

}  // namespace browser
