// One tab of a browser, driven through a flat DevTools session: scripts injected before any
// page script in every frame (out-of-process iframes included, through auto-attach), bindings
// (window functions whose calls arrive here as events, with the frame that made them),
// navigation, load events and evaluation in a chosen frame.
#pragma once

#include "browser/devtools_pipe.hpp"
#include "core/control_loop.hpp"
#include "core/result.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace browser {

struct PageOptions {
    std::vector<std::string> scripts;   // run before page scripts, in every frame
    std::vector<std::string> bindings;  // window.<name>(string) → on_binding
    // The browser context the tab opens in (Browser::context_id() of a lease); "": the default.
    std::string browser_context_id;
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

// One JavaScript execution context of the tab: which frame said something, and where to
// answer. A same-origin iframe shares its parent's renderer and DevTools session, so the
// session alone does not tell the frames apart; the context does.
struct FrameContext {
    std::string session_id;  // the tab's session or an out-of-process iframe's
    int context_id = 0;      // Runtime execution context within that session
    std::string frame_id;    // the frame the context belongs to ("" if unknown)
    bool top = false;        // a context of the tab's top frame
    [[nodiscard]] bool same_context(const FrameContext& o) const noexcept {
        return session_id == o.session_id && context_id == o.context_id;
    }
    [[nodiscard]] bool same_frame(const FrameContext& o) const noexcept {
        return session_id == o.session_id && !frame_id.empty() && frame_id == o.frame_id;
    }
};

class Page {
public:
    struct Key {  // only open() makes one
        explicit Key() = default;
    };
    Page(Key /*only open()*/, DevToolsPipe& pipe) : pipe_(pipe) {}
    using Ready = std::function<void(core::Status)>;
    using BindingHandler = std::function<void(const std::string& name, const std::string& payload,
                                              const FrameContext& from)>;
    // A context went away (navigation, reload, frame removed): nothing may be evaluated in it.
    using ContextHandler = std::function<void(const FrameContext& context)>;
    // The top frame finished loading a document (every navigation, also the page's own).
    using LoadHandler = std::function<void(const std::string& url)>;
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
    void on_context_destroyed(ContextHandler handler) { on_context_gone_ = std::move(handler); }
    // The top frame committed a new document (before it loads): its URL.
    void on_navigated(LoadHandler handler) { on_navigated_ = std::move(handler); }
    void on_load(LoadHandler handler) { on_load_event_ = std::move(handler); }

    // Navigates and answers after the load event (or with the navigation error).
    void navigate(const std::string& url, std::function<void(core::Status)> done);
    // Evaluates in the main frame (or in the frame of session_id); promises are awaited and the
    // value is returned by value. A thrown exception is an error.
    void evaluate(const std::string& expression, ValueHandler done,
                  const std::string& session_id = {});
    // Evaluates in one execution context; an error at once if that context is gone.
    void evaluate_in(const FrameContext& context, const std::string& expression, ValueHandler done);
    // Whether a context is still alive (it was created and not destroyed since).
    [[nodiscard]] bool context_alive(const FrameContext& context) const;

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
    // The top frame's current URL ("" before the first navigation commits).
    [[nodiscard]] const std::string& url() const noexcept { return url_; }
    // Load events of the top frame so far (each navigation adds one).
    [[nodiscard]] uint64_t loads() const noexcept { return loads_; }

private:
    void prepare_session(const std::string& session_id, bool main,
                         std::function<void(core::Status)> done);
    void subscribe();
    void crashed(const std::string& cause);
    void context_created(const Json& context, const std::string& session);
    void forget_contexts(const std::string& session, std::optional<int> only);
    [[nodiscard]] FrameContext context_of(const std::string& session, int id) const;

    DevToolsPipe& pipe_;
    PageOptions options_;
    std::string target_id_;
    std::string session_id_;
    std::set<std::string> frames_;
    std::vector<uint64_t> subscriptions_;
    BindingHandler on_binding_;
    CrashHandler on_crash_;
    std::function<void(core::Status)> on_load_;
    ContextHandler on_context_gone_;
    LoadHandler on_navigated_;
    LoadHandler on_load_event_;
    // Live execution contexts: (session, context id) → frame id.
    std::map<std::pair<std::string, int>, std::string> contexts_;
    std::string url_;
    uint64_t loads_ = 0;
    void heartbeat();

    bool crashed_ = false;
    core::Timer heartbeat_timer_;
    core::Timer heartbeat_deadline_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace browser
