// The benchmark's observer: its own headless Chromium joining the demo's Janus room through the
// same demo page as the gateway, with tests/e2e/observer.js (its camera and microphone) and
// first_frame.js (first-frame times per remote video) injected. Runs on the caller's control
// loop; every wait here keeps that loop running, so DevTools traffic is never left unread.
#pragma once

#include "browser/browser.hpp"
#include "browser/page.hpp"
#include "browser/temp_dir.hpp"
#include "core/control_loop.hpp"
#include "core/result.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bench {

// Runs `loop` until pred() holds or the timeout passes, checking every `period`; pred() runs
// between turns of the loop and may wait on it itself.
bool run_until(core::ControlLoop& loop, const std::function<bool()>& pred,
               std::chrono::milliseconds timeout,
               std::chrono::milliseconds period = std::chrono::milliseconds(100));

// Keeps the loop (and so the observer) running for a while.
void run_for(core::ControlLoop& loop, std::chrono::milliseconds duration);

class MeetingObserver {
public:
    // Launches the browser, opens the page and joins `room` as `display_name`; `extra_scripts`
    // are injected after observer.js and first_frame.js (e.g. flash_probe.js and its config).
    static core::Result<std::unique_ptr<MeetingObserver>> join(
        core::ControlLoop& loop, const std::string& page_url, const std::string& room,
        const std::vector<std::string>& extra_scripts = {},
        const std::string& display_name = "observer");
    MeetingObserver(core::ControlLoop& loop, browser::TempDir profiles)
        : loop_(loop), profiles_(std::move(profiles)) {}
    ~MeetingObserver();
    MeetingObserver(const MeetingObserver&) = delete;
    MeetingObserver& operator=(const MeetingObserver&) = delete;

    [[nodiscard]] pid_t pid() const { return browser_->pid(); }
    core::Result<browser::Json> evaluate(const std::string& expression);

private:
    core::ControlLoop& loop_;
    browser::TempDir profiles_;
    std::unique_ptr<browser::Browser> browser_;
    std::unique_ptr<browser::Page> page_;
};

}  // namespace bench
