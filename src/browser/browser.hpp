// A running Chromium with its DevTools pipe and its health watch: process exit, pipe EOF, a
// crashed target and a periodic heartbeat (Browser.getVersion) that must be answered in time.
// Whichever comes first is reported once, on the control thread, to the current owner.
#pragma once

#include "browser/chromium.hpp"
#include "browser/devtools_pipe.hpp"
#include "core/control_loop.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace browser {

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

    // Replaces the failure handler (the pool hands a browser over to a session this way).
    void on_failure(FailureHandler handler) { on_failure_ = std::move(handler); }

    // Grants every permission a meeting page needs, for one origin ("http://host:port"), in one
    // call: a second Browser.grantPermissions replaces the first set.
    void grant_permissions(const std::string& origin, std::function<void(core::Status)> done);

    [[nodiscard]] DevToolsPipe& devtools() noexcept { return *pipe_; }
    [[nodiscard]] pid_t pid() const noexcept { return chromium_->pid(); }
    [[nodiscard]] const std::string& user_data_dir() const noexcept {
        return chromium_->user_data_dir();
    }
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
};

}  // namespace browser
