#include "browser/page.hpp"

#include <spdlog/spdlog.h>

#include <limits>
#include <optional>

namespace browser {

namespace {

// Counts the answers of a batch of commands and reports the first error once all are in.
struct Batch {
    size_t outstanding = 0;
    std::optional<core::Error> first_error;
    std::function<void(core::Status)> done;
    void answer(const core::Result<Json>& r) {
        if (!r && !first_error) first_error = r.error();
        if (--outstanding == 0 && done) {
            auto d = std::move(done);
            if (first_error) {
                d(*first_error);
            } else {
                d(core::Ok{});
            }
        }
    }
};

// A number member as an int (execution context ids), 0 when absent or outside int: converting
// a float past the range of int is undefined behaviour (found by fuzz_devtools).
int int_member(const Json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number()) return 0;
    const auto v = it->get<double>();
    return v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max()
               ? static_cast<int>(v)
               : 0;
}

// What the window adds around the view, as the page measured it. The page's own scripts can
// redefine outerWidth and friends, so only a plausible number is taken (NaN fails too).
std::optional<int> window_extra(const Json& v) {
    if (!v.is_number()) return std::nullopt;
    const auto d = v.get<double>();
    if (!(d >= -10000 && d <= 10000)) return std::nullopt;
    return static_cast<int>(d);
}

// Runtime.evaluate's answer as a value, or its exception as an error.
core::Result<Json> evaluation_value(core::Result<Json> r) {
    if (!r) return r.error();
    if (r->contains("exceptionDetails")) {
        const Json& ex = (*r)["exceptionDetails"];
        std::string what = ex.value("text", std::string("exception"));
        if (ex.contains("exception") && ex["exception"].contains("description"))
            what = ex["exception"]["description"].get<std::string>();
        return core::fail("evaluate: " + what);
    }
    const Json& result = (*r)["result"];
    return result.contains("value") ? result["value"] : Json();
}

}  // namespace

std::unique_ptr<Page> Page::open(DevToolsPipe& pipe, PageOptions options, Ready ready) {
    auto page = std::make_unique<Page>(Key{}, pipe);
    page->options_ = std::move(options);
    page->subscribe();
    Page* self = page.get();
    std::weak_ptr<bool> alive = page->alive_;
    Json target{{"url", "about:blank"}};
    if (!page->options_.browser_context_id.empty())
        target["browserContextId"] = page->options_.browser_context_id;
    pipe.send(
        "Target.createTarget", std::move(target), [self, alive, ready](core::Result<Json> created) {
            if (alive.expired()) return;
            if (!created) return ready(created.error());
            self->target_id_ = (*created)["targetId"];
            self->pipe_.send(
                "Target.attachToTarget", Json{{"targetId", self->target_id_}, {"flatten", true}},
                [self, alive, ready](core::Result<Json> attached) {
                    if (alive.expired()) return;
                    if (!attached) return ready(attached.error());
                    self->session_id_ = (*attached)["sessionId"];
                    self->prepare_session(
                        self->session_id_, true, [self, alive, ready](const core::Status& st) {
                            if (alive.expired()) return;
                            const auto& o = self->options_;
                            if (st && o.heartbeat_interval_ms > 0)
                                self->heartbeat_timer_.start(o.heartbeat_interval_ms,
                                                             [self]() { self->heartbeat(); });
                            if (!st || o.viewport_width == 0) return ready(st);
                            self->fit_viewport(o.viewport_width, o.viewport_height, ready);
                        });
                });
        });
    return page;
}

Page::~Page() {
    *alive_ = false;
    for (const auto token : subscriptions_) pipe_.off(token);
    if (!target_id_.empty() && !pipe_.closed())
        pipe_.send("Target.closeTarget", Json{{"targetId", target_id_}});
}

void Page::subscribe() {
    // Events carry the sessionId of the frame they come from; only ours are of interest.
    auto ours = [this](const std::string& s) { return s == session_id_ || frames_.contains(s); };
    subscriptions_.push_back(pipe_.on(
        "Target.attachedToTarget", [this, ours](const Json& params, const std::string& parent) {
            if (!ours(parent) || parent.empty()) return;
            const std::string child = params.value("sessionId", std::string());
            const Json info = params.value("targetInfo", Json::object());
            if (info.value("type", std::string()) != "iframe") {
                // Workers and the like: nothing to inject, but they wait for us to let them run.
                pipe_.send("Runtime.runIfWaitingForDebugger", Json::object(), {}, child);
                return;
            }
            frames_.insert(child);
            spdlog::debug("browser: iframe attached url={}", info.value("url", std::string()));
            prepare_session(child, false, [](const core::Status& st) {
                if (!st) spdlog::warn("browser: iframe preparation failed: {}", st.error().message);
            });
        }));
    subscriptions_.push_back(
        pipe_.on("Target.detachedFromTarget", [this](const Json& params, const std::string&) {
            const std::string child = params.value("sessionId", std::string());
            if (frames_.erase(child) > 0) forget_contexts(child, std::nullopt);
        }));
    subscriptions_.push_back(pipe_.on(
        "Runtime.bindingCalled", [this, ours](const Json& params, const std::string& session) {
            if (!ours(session) || !on_binding_) return;
            auto handler = on_binding_;
            handler(params.value("name", std::string()), params.value("payload", std::string()),
                    context_of(session, int_member(params, "executionContextId")));
        }));
    subscriptions_.push_back(pipe_.on(
        "Runtime.executionContextCreated", [this, ours](const Json& params, const std::string& s) {
            if (ours(s)) context_created(params.value("context", Json::object()), s);
        }));
    subscriptions_.push_back(pipe_.on("Runtime.executionContextDestroyed",
                                      [this, ours](const Json& params, const std::string& s) {
                                          if (ours(s))
                                              forget_contexts(
                                                  s, int_member(params, "executionContextId"));
                                      }));
    subscriptions_.push_back(pipe_.on("Runtime.executionContextsCleared",
                                      [this, ours](const Json&, const std::string& s) {
                                          if (ours(s)) forget_contexts(s, std::nullopt);
                                      }));
    subscriptions_.push_back(
        pipe_.on("Page.frameNavigated", [this](const Json& params, const std::string& session) {
            const Json frame = params.value("frame", Json::object());
            if (session != session_id_ || frame.contains("parentId")) return;
            url_ = frame.value("url", std::string());
            if (on_navigated_) {
                auto handler = on_navigated_;
                handler(url_);
            }
        }));
    subscriptions_.push_back(
        pipe_.on("Page.loadEventFired", [this](const Json&, const std::string& session) {
            if (session != session_id_) return;
            ++loads_;
            std::weak_ptr<bool> alive = alive_;
            if (on_load_) {
                auto done = std::move(on_load_);
                on_load_ = nullptr;
                done(core::Ok{});
                if (alive.expired()) return;
            }
            if (on_load_event_) {
                auto handler = on_load_event_;
                handler(url_);
            }
        }));
    subscriptions_.push_back(
        pipe_.on("Inspector.targetCrashed", [this](const Json&, const std::string& session) {
            if (session == session_id_) crashed("renderer crashed");
        }));
    subscriptions_.push_back(
        pipe_.on("Target.targetCrashed", [this](const Json& params, const std::string&) {
            if (params.value("targetId", std::string()) == target_id_)
                crashed("renderer crashed (status " + params.value("status", std::string()) + ")");
        }));
}

void Page::prepare_session(const std::string& session_id, bool main,
                           std::function<void(core::Status)> done) {
    auto batch = std::make_shared<Batch>();
    batch->done = std::move(done);
    std::weak_ptr<bool> alive = alive_;
    auto send = [&](const std::string& method, Json params) {
        ++batch->outstanding;
        pipe_.send(
            method, std::move(params),
            [batch, alive](const core::Result<Json>& r) {
                if (!alive.expired()) batch->answer(r);
            },
            session_id);
    };
    // Commands on one session are handled in order, so the page cannot run before the scripts
    // are registered: a new tab sits on about:blank, an auto-attached iframe waits for us.
    send("Page.enable", Json::object());
    send("Runtime.enable", Json::object());
    if (main) send("Inspector.enable", Json::object());
    for (const auto& source : options_.scripts)
        send("Page.addScriptToEvaluateOnNewDocument", Json{{"source", source}});
    for (const auto& name : options_.bindings) send("Runtime.addBinding", Json{{"name", name}});
    // Cross-origin iframes run in other renderers (site isolation): each is a target of its own
    // that must be attached, given the same scripts, then released.
    send("Target.setAutoAttach",
         Json{{"autoAttach", true}, {"waitForDebuggerOnStart", true}, {"flatten", true}});
    if (!main) send("Runtime.runIfWaitingForDebugger", Json::object());
}

void Page::fit_viewport(uint32_t width, uint32_t height, std::function<void(core::Status)> done) {
    // Tab capture captures the view, so the view must have the exact size: measure what the
    // window adds around it (headless still reserves room for browser UI) and size the window.
    std::weak_ptr<bool> alive = alive_;
    evaluate("[outerWidth - innerWidth, outerHeight - innerHeight]",
             [this, alive, done, width, height](core::Result<Json> r) {
                 if (alive.expired()) return;
                 const auto measured_w =
                     r && r->is_array() && r->size() == 2 ? window_extra((*r)[0]) : std::nullopt;
                 const auto measured_h = measured_w ? window_extra((*r)[1]) : std::optional<int>();
                 if (!measured_w || !measured_h)
                     return done(core::fail("viewport: cannot measure the window"));
                 const int extra_w = *measured_w;
                 const int extra_h = *measured_h;
                 pipe_.send(
                     "Browser.getWindowForTarget", Json{{"targetId", target_id_}},
                     [this, alive, done, extra_w, extra_h, width, height](core::Result<Json> w) {
                         if (alive.expired()) return;
                         if (!w) return done(w.error());
                         const Json bounds{{"width", static_cast<int>(width) + extra_w},
                                           {"height", static_cast<int>(height) + extra_h}};
                         pipe_.send("Browser.setWindowBounds",
                                    Json{{"windowId", (*w)["windowId"]}, {"bounds", bounds}},
                                    [alive, done](const core::Result<Json>& set) {
                                        if (alive.expired()) return;
                                        if (!set) return done(set.error());
                                        done(core::Ok{});
                                    });
                     });
             });
}

void Page::navigate(const std::string& url, std::function<void(core::Status)> done) {
    on_load_ = done;
    std::weak_ptr<bool> alive = alive_;
    pipe_.send(
        "Page.navigate", Json{{"url", url}},
        [this, alive, done](core::Result<Json> r) {
            if (alive.expired()) return;
            std::string error;
            if (!r) {
                error = r.error().message;
            } else if (r->contains("errorText") && !(*r)["errorText"].get<std::string>().empty()) {
                error = "navigation failed: " + (*r)["errorText"].get<std::string>();
            }
            if (!error.empty() && on_load_) {
                on_load_ = nullptr;
                done(core::fail(error));
            }
        },
        session_id_);
}

void Page::evaluate(const std::string& expression, ValueHandler done,
                    const std::string& session_id) {
    std::weak_ptr<bool> alive = alive_;
    pipe_.send(
        "Runtime.evaluate",
        Json{{"expression", expression}, {"awaitPromise", true}, {"returnByValue", true}},
        [alive, done = std::move(done)](core::Result<Json> r) {
            if (!alive.expired() && done) done(evaluation_value(std::move(r)));
        },
        session_id.empty() ? session_id_ : session_id);
}

void Page::evaluate_in(const FrameContext& context, const std::string& expression,
                       ValueHandler done) {
    if (context.context_id == 0) return evaluate(expression, std::move(done), context.session_id);
    if (!context_alive(context)) {
        if (done) done(core::fail("evaluate: the frame's execution context is gone"));
        return;
    }
    std::weak_ptr<bool> alive = alive_;
    pipe_.send(
        "Runtime.evaluate",
        Json{{"expression", expression},
             {"contextId", context.context_id},
             {"awaitPromise", true},
             {"returnByValue", true}},
        [alive, done = std::move(done)](core::Result<Json> r) {
            if (!alive.expired() && done) done(evaluation_value(std::move(r)));
        },
        context.session_id.empty() ? session_id_ : context.session_id);
}

bool Page::context_alive(const FrameContext& context) const {
    const std::string& session = context.session_id.empty() ? session_id_ : context.session_id;
    return contexts_.contains({session, context.context_id});
}

FrameContext Page::context_of(const std::string& session, int id) const {
    FrameContext c;
    c.session_id = session;
    c.context_id = id;
    if (auto it = contexts_.find({session, id}); it != contexts_.end()) c.frame_id = it->second;
    // A page target's main frame carries the target's id.
    c.top = session == session_id_ && !c.frame_id.empty() && c.frame_id == target_id_;
    return c;
}

void Page::context_created(const Json& context, const std::string& session) {
    const int id = int_member(context, "id");
    if (id == 0) return;
    const Json aux = context.value("auxData", Json::object());
    contexts_[{session, id}] = aux.value("frameId", std::string());
}

void Page::forget_contexts(const std::string& session, std::optional<int> only) {
    std::vector<FrameContext> gone;
    for (auto it = contexts_.begin(); it != contexts_.end();) {
        if (it->first.first == session && (!only || it->first.second == *only)) {
            gone.push_back(context_of(session, it->first.second));
            it = contexts_.erase(it);
        } else {
            ++it;
        }
    }
    std::weak_ptr<bool> alive = alive_;
    for (const auto& c : gone) {
        if (alive.expired() || !on_context_gone_) return;
        auto handler = on_context_gone_;
        handler(c);
    }
}

void Page::command(const std::string& method, Json params, DevToolsPipe::Reply reply) {
    std::weak_ptr<bool> alive = alive_;
    pipe_.send(
        method, std::move(params),
        [alive, reply = std::move(reply)](core::Result<Json> r) {
            if (alive.expired() || !reply) return;
            reply(std::move(r));
        },
        session_id_);
}

void Page::heartbeat() {
    if (crashed_) return;
    heartbeat_deadline_.start(options_.heartbeat_timeout_ms, [this]() {
        crashed("page not responding within " + std::to_string(options_.heartbeat_timeout_ms) +
                " ms");
    });
    std::weak_ptr<bool> alive = alive_;
    // V8's inspector answers a plain evaluation even while script loops (it interrupts it);
    // a message posted to the page's event loop only comes back when the loop turns. A
    // MessageChannel task is not throttled like timers are.
    pipe_.send(
        "Runtime.evaluate",
        Json{{"expression",
              "new Promise(r => { const c = new MessageChannel(); c.port1.onmessage = () => r(1); "
              "c.port2.postMessage(0); })"},
             {"awaitPromise", true},
             {"returnByValue", true}},
        [this, alive](const core::Result<Json>& r) {
            if (alive.expired() || crashed_ || !r) return;
            heartbeat_deadline_.cancel();
            heartbeat_timer_.start(options_.heartbeat_interval_ms, [this]() { heartbeat(); });
        },
        session_id_);
}

void Page::crashed(const std::string& cause) {
    if (crashed_) return;
    crashed_ = true;
    heartbeat_timer_.cancel();
    heartbeat_deadline_.cancel();
    spdlog::warn("browser: page crashed target={} cause=\"{}\"", target_id_, cause);
    std::weak_ptr<bool> alive = alive_;
    if (on_load_) {
        auto done = std::move(on_load_);
        on_load_ = nullptr;
        done(core::fail(cause));
        if (alive.expired()) return;
    }
    if (on_crash_) {
        auto handler = on_crash_;
        handler(cause);
    }
}

}  // namespace browser
