// One tab of a browser, driven through a flat DevTools session: scripts injected before any
// page script in every frame (out-of-process iframes included, through auto-attach), bindings
// (window functions whose calls arrive here as events), navigation and evaluation.
#pragma once

#include "browser/devtools_pipe.hpp"
#include "core/control_loop.hpp"
#include "core/result.hpp"

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace browser {

struct PageOptions {
    std::vector<std::string> scripts;   // run before page scripts, in every frame
    std::vector<std::string> bindings;  // window.<name>(string) → on_binding
    // Page viewport (what tab capture sees); 0: whatever the window gives. Headless Chromium
    // keeps part of a window's height for browser UI it does not draw (143 px of 920 here), so
    // the window is resized around the wanted viewport.
    uint32_t viewport_width = 0;
    uint32_t viewport_height = 0;
    // A page whose renderer stops answering (script stuck in a loop) is reported like a crash.
    // The browser's own heartbeat cannot see this: its process still answers. 0: off.
    uint32_t heartbeat_interval_ms = 0;
    uint32_t heartbeat_timeout_ms = 5000;
};

class Page {
public:
    struct Key {  // only open() makes one
        explicit Key() = default;
    };
    Page(Key /*only open()*/, DevToolsPipe& pipe) : pipe_(pipe) {}
    using Ready = std::function<void(core::Status)>;
    using BindingHandler = std::function<void(const std::string& name, const std::string& payload,
                                              const std::string& session_id)>;
    using CrashHandler = std::function<void(const std::string& cause)>;
    using ValueHandler = std::function<void(core::Result<Json>)>;

    // Opens a new tab (about:blank) and prepares it; ready runs once it can be navigated.
    static std::unique_ptr<Page> open(DevToolsPipe& pipe, PageOptions options, Ready ready);
    // Closes the tab if the browser is still there.
    ~Page();
    Page(const Page&) = delete;
    Page& operator=(const Page&) = delete;

    void on_binding(BindingHandler handler) { on_binding_ = std::move(handler); }
    void on_crash(CrashHandler handler) { on_crash_ = std::move(handler); }

    // Navigates and answers after the load event (or with the navigation error).
    void navigate(const std::string& url, std::function<void(core::Status)> done);
    // Evaluates in the main frame (or in the frame of session_id); promises are awaited and the
    // value is returned by value. A thrown exception is an error.
    void evaluate(const std::string& expression, ValueHandler done,
                  const std::string& session_id = {});

    // Resizes the window so that the page's view is width x height (what tab capture sees). Call
    // again when the page shows a bar (tab capture adds a "sharing this tab" bar).
    void fit_viewport(uint32_t width, uint32_t height, std::function<void(core::Status)> done);

    // Any other DevTools command for this tab (Page.captureScreenshot, ...); the reply is
    // dropped once the page is gone.
    void command(const std::string& method, Json params, DevToolsPipe::Reply reply);

    [[nodiscard]] const std::string& target_id() const noexcept { return target_id_; }
    [[nodiscard]] const std::string& session_id() const noexcept { return session_id_; }
    // Out-of-process iframes currently attached (each got the scripts and bindings too).
    [[nodiscard]] size_t frame_sessions() const noexcept { return frames_.size(); }

private:
    void prepare_session(const std::string& session_id, bool main,
                         std::function<void(core::Status)> done);
    void subscribe();
    void crashed(const std::string& cause);

    DevToolsPipe& pipe_;
    PageOptions options_;
    std::string target_id_;
    std::string session_id_;
    std::set<std::string> frames_;
    std::vector<uint64_t> subscriptions_;
    BindingHandler on_binding_;
    CrashHandler on_crash_;
    std::function<void(core::Status)> on_load_;
    void heartbeat();

    bool crashed_ = false;
    core::Timer heartbeat_timer_;
    core::Timer heartbeat_deadline_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace browser
