#include "gateway/meeting_link.hpp"

#include "core/log.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace gateway {

namespace {

std::string read_asset(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The caller's video as the meeting sees it; the page's viewport is what tab capture sends
// back to the caller.
constexpr uint32_t kViewWidth = 1280;
constexpr uint32_t kViewHeight = 720;
// How long leave() waits for the page before the browser is discarded anyway.
constexpr uint64_t kLeaveTimeoutMs = 1500;
// Adapters have no common "participant left" event (the Janus demo only edits its DOM), so
// the count is polled; the alone timeout is counted in seconds, so this is precise enough.
constexpr uint64_t kParticipantsPollMs = 2000;

}  // namespace

std::string_view meeting_end_name(MeetingEnd end) {
    switch (end) {
        case MeetingEnd::Ended:
            return "ended";
        case MeetingEnd::Kicked:
            return "kicked";
        case MeetingEnd::JoinFailed:
            return "join_failed";
        case MeetingEnd::JoinTimedOut:
            return "join_timed_out";
        case MeetingEnd::WaitTimedOut:
            return "wait_timed_out";
        case MeetingEnd::Lost:
            return "lost";
    }
    return "ended";
}

MeetingLink::MeetingLink(std::string session_id, const services::Adapter& adapter,
                         services::JoinRequest request, browser::Pool& pool,
                         core::ControlLoop& loop, MeetingLinkEvents events)
    : id_(std::move(session_id)),
      adapter_(adapter),
      request_(std::move(request)),
      pool_(pool),
      loop_(loop),
      events_(std::move(events)) {}

MeetingLink::~MeetingLink() {
    // Destroying the page and browser below can fire their pending callbacks at once; those
    // check this weak reference, so it must expire before, not after, the members go.
    alive_.reset();
    teardown();
}

void MeetingLink::teardown() {
    ++generation_;
    participants_timer_.cancel();
    // Page first (its tab), then the link's pipeline, then the browser process itself.
    page_.reset();
    bridge_.reset();
    if (browser_) {
        spdlog::info("gateway: sess={} browser pid={} discarded", id_, browser_->pid());
        browser_->on_failure(nullptr);
        browser_.reset();
    }
    bridge_frame_.clear();
    joined_ = false;
}

void MeetingLink::start() {
    attempt();
}

void MeetingLink::attempt() {
    ++attempts_;
    const uint32_t gen = ++generation_;
    std::weak_ptr<bool> alive = alive_;
    pool_.acquire([this, alive, gen](core::Result<std::unique_ptr<browser::Browser>> b) {
        if (alive.expired() || gen != generation_) return;  // b's browser is discarded
        if (!b) {
            lost("no browser: " + b.error().message);
            return;
        }
        with_browser(std::move(*b));
    });
}

void MeetingLink::with_browser(std::unique_ptr<browser::Browser> b) {
    browser_ = std::move(b);
    if (events_.on_progress) events_.on_progress("browser");
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    spdlog::info("gateway: sess={} browser pid={} joining \"{}\" via {}", id_, browser_->pid(),
                 request_.room, adapter_.name());
    browser_->on_failure([this, alive, gen](const std::string& cause) {
        if (alive.expired() || gen != generation_) return;
        lost("browser: " + cause);
    });
    // One call with every permission (a second call would replace the set): without camera and
    // microphone permission Chromium offers no 127.0.0.1 candidate for the link.
    browser_->grant_permissions(adapter_.permission_origin(),
                                [this, alive, gen](const core::Status& st) {
                                    if (alive.expired() || gen != generation_) return;
                                    if (!st) {
                                        lost("permissions: " + st.error().message);
                                        return;
                                    }
                                    open_page();
                                });
}

void MeetingLink::open_page() {
    const std::string assets = SIPMEDIAGW_ASSETS_DIR;
    browser::PageOptions options;
    // The bridge's settings come first: it reads them once, when it is injected.
    const std::string bridge_config = "window.__smgwBridgeConfig = Object.freeze(" +
                                      nlohmann::json{{"video", meeting_video_}}.dump() + ");";
    options.scripts = {bridge_config, read_asset(assets + "/bridge/compositor.js"),
                       read_asset(assets + "/bridge/media_bridge.js"),
                       read_asset(assets + "/services/common.js"),
                       read_asset(adapter_.script_path())};
    for (const auto& s : options.scripts) {
        if (s.empty()) {
            lost("a page script is missing under " + assets);
            return;
        }
    }
    options.bindings = {"__smgwSignal", "sipmediagwEvent"};
    options.viewport_width = kViewWidth;
    options.viewport_height = kViewHeight;
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    page_ = browser::Page::open(browser_->devtools(), std::move(options),
                                [this, alive, gen](const core::Status& st) {
                                    if (alive.expired() || gen != generation_) return;
                                    if (!st) {
                                        lost("page: " + st.error().message);
                                        return;
                                    }
                                    navigate();
                                });
    page_->on_crash([this, alive, gen](const std::string& cause) {
        if (alive.expired() || gen != generation_) return;
        lost("page: " + cause);
    });
    page_->on_binding([this, alive, gen](const std::string& name, const std::string& payload,
                                         const std::string& frame) {
        if (alive.expired() || gen != generation_) return;
        if (name == "__smgwSignal") on_signal(payload, frame);
        if (name == "sipmediagwEvent") on_page_event(payload);
    });
    media::MeetingBridgeOptions bridge_options;
    bridge_options.width = kViewWidth;
    bridge_options.height = kViewHeight;
    if (events_.passthrough) bridge_options.passthrough = events_.passthrough();
    if (events_.audio_passthrough) bridge_options.audio_passthrough = events_.audio_passthrough();
    auto bridge = media::MeetingBridge::create(
        id_, bridge_options, [this](std::function<void()> fn) { loop_.post(std::move(fn)); },
        [this, alive, gen](const nlohmann::json& msg) {
            if (alive.expired() || gen != generation_ || !page_) return;
            page_->evaluate(
                "__smgwBridge.receive(" + msg.dump() + ")",
                [](const core::Result<browser::Json>&) {}, bridge_frame_);
        });
    if (!bridge) {
        lost("media link: " + bridge.error().message);
        return;
    }
    bridge_ = std::move(*bridge);
    bridge_->link().on_failure([this, alive, gen](const std::string& cause) {
        if (alive.expired() || gen != generation_) return;
        lost("media link: " + cause);
    });
}

void MeetingLink::navigate() {
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    adapter_.prepare(request_, http_,
                     [this, alive, gen](core::Result<services::JoinRequest> prepared) {
                         if (alive.expired() || gen != generation_) return;
                         if (!prepared) {
                             lost("join: " + prepared.error().message);
                             return;
                         }
                         request_ = std::move(*prepared);
                         open_join_url();
                     });
}

void MeetingLink::open_join_url() {
    auto url = adapter_.join_url(request_);
    if (!url) {
        lost("join URL: " + url.error().message);
        return;
    }
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    page_->navigate(*url, [this, alive, gen, u = *url](const core::Status& st) {
        if (alive.expired() || gen != generation_) return;
        if (!st) {
            lost("navigation to " + u + ": " + st.error().message);
            return;
        }
        if (events_.on_progress) events_.on_progress("page_loaded");
        join();
    });
}

void MeetingLink::join() {
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    page_->evaluate("window.sipmediagwAdapter.join(" + adapter_.join_options(request_) + ")",
                    [this, alive, gen](const core::Result<browser::Json>& r) {
                        if (alive.expired() || gen != generation_) return;
                        if (!r) {
                            lost("join: " + r.error().message);
                            return;
                        }
                        joined_ = true;
                        spdlog::info("gateway: sess={} joined room=\"{}\" service={} attempt={}",
                                     id_, request_.room, adapter_.name(), attempts_);
                        if (events_.on_joined) events_.on_joined();
                        if (alive.expired() || gen != generation_) return;
                        if (events_.on_participants) poll_participants();
                    });
}

void MeetingLink::poll_participants() {
    if (!page_ || !joined_ || ended_) return;
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    page_->evaluate("window.sipmediagwAdapter.participantCount()",
                    [this, alive, gen](const core::Result<browser::Json>& r) {
                        if (alive.expired() || gen != generation_ || ended_) return;
                        // A page busy elsewhere (or between documents) answers nothing useful: ask
                        // again later instead of taking it for an empty room.
                        if (r && r->is_number_integer()) {
                            const int count = r->get<int>();
                            if (count != last_participants_)
                                spdlog::info("gateway: sess={} participants={}", id_, count);
                            last_participants_ = count;
                            events_.on_participants(count > 1 ? size_t(count - 1) : 0);
                            if (alive.expired() || gen != generation_ || ended_) return;
                        }
                        participants_timer_.start(kParticipantsPollMs,
                                                  [this] { poll_participants(); });
                    });
}

void MeetingLink::on_signal(const std::string& payload, const std::string& frame) {
    const auto msg = nlohmann::json::parse(payload, nullptr, false);
    if (!msg.is_object() || !bridge_) return;
    const std::string type = msg.value("type", "");
    if (type == "hello") {
        bridge_frame_ = frame;
        if (events_.on_progress) events_.on_progress("media_requested");
        if (!bridge_->link().offered()) {
            if (auto st = bridge_->link().start(); !st) lost("media link: " + st.error().message);
        }
    } else if (type == "capture") {
        // The "sharing this tab" bar took part of the view: give tab capture its size back.
        if (msg.value("innerHeight", 0) != int(kViewHeight) ||
            msg.value("innerWidth", 0) != int(kViewWidth)) {
            browser::Page* p = page_.get();
            p->fit_viewport(kViewWidth, kViewHeight,
                            [p, alive = std::weak_ptr<bool>(alive_)](const core::Status& st) {
                                if (st && !alive.expired())
                                    p->evaluate("__smgwBridge.fitCapture()",
                                                [](const core::Result<browser::Json>&) {});
                            });
        }
    } else if (type == "output") {
        spdlog::info("gateway: sess={} meeting video from the {}", id_, msg.value("video", ""));
    } else if (type == "error") {
        spdlog::warn("gateway: sess={} media bridge error: {}", id_, msg.value("message", ""));
    } else if (type == "state") {
        spdlog::info("gateway: sess={} media link {}", id_, msg.value("state", ""));
    } else {
        bridge_->link().receive(msg);
    }
}

void MeetingLink::on_page_event(const std::string& payload) {
    const auto ev = nlohmann::json::parse(payload, nullptr, false);
    if (!ev.is_object()) return;
    const std::string type = ev.value("type", "");
    const std::string detail = ev.contains("detail") ? ev["detail"].dump() : "null";
    spdlog::info("gateway: sess={} meeting event={} detail={}", id_, type, detail);
    if ((type == "ended" || type == "kicked") && !ended_) {
        ended_ = true;
        if (events_.on_ended)
            events_.on_ended(type == "kicked" ? MeetingEnd::Kicked : MeetingEnd::Ended,
                             "meeting " + type + ": " + detail);
    }
}

void MeetingLink::lost(const std::string& cause) {
    if (ended_) return;
    // Rejoin once, and only a call that was in the meeting: a join that never worked would
    // fail the same way again.
    if (joined_ && attempts_ < 2) {
        spdlog::warn("gateway: sess={} meeting lost ({}), rejoining", id_, cause);
        std::weak_ptr<bool> alive = alive_;
        ++generation_;
        // Not from inside the failing object's own callback: tear down from the loop.
        loop_.post([this, alive] {
            if (alive.expired() || ended_) return;
            teardown();
            attempt();
        });
        return;
    }
    ended_ = true;
    spdlog::warn("gateway: sess={} meeting failed: {}", id_, cause);
    if (events_.on_ended)
        events_.on_ended(joined_ ? MeetingEnd::Lost : MeetingEnd::JoinFailed, cause);
}

void MeetingLink::action(services::Action action,
                         std::function<void(core::Result<std::string>)> done) {
    if (!page_ || !joined_) {
        done(core::fail("not in the meeting"));
        return;
    }
    if (!adapter_.actions().contains(action)) {
        done(core::fail(fmt::format("{} has no action \"{}\"", adapter_.name(),
                                    services::action_name(action))));
        return;
    }
    const std::string name(services::action_name(action));
    spdlog::info("gateway: sess={} action={}", id_, name);
    page_->evaluate("window.sipmediagwAdapter.action(" + nlohmann::json(name).dump() + ")",
                    [done = std::move(done)](core::Result<browser::Json> r) {
                        if (!r) {
                            done(r.error());
                            return;
                        }
                        done(r->dump());
                    });
}

void MeetingLink::submit_password(const std::string& password) {
    if (!page_) return;
    spdlog::info("gateway: sess={} room password submitted ({} characters)", id_, password.size());
    page_->evaluate(
        "window.sipmediagwAdapter.submitPassword(" + nlohmann::json(password).dump() + ")",
        [](const core::Result<browser::Json>&) {});
}

void MeetingLink::leave(std::function<void()> done) {
    ended_ = true;
    if (!page_ || !joined_) {
        done();
        return;
    }
    auto once = std::make_shared<std::function<void()>>(std::move(done));
    auto finish = [once] {
        if (*once) std::exchange(*once, nullptr)();
    };
    std::weak_ptr<bool> alive = alive_;
    page_->evaluate("window.sipmediagwAdapter.leave()",
                    [this, alive, finish](const core::Result<browser::Json>&) {
                        if (alive.expired()) return;
                        leave_timer_.cancel();
                        finish();
                    });
    leave_timer_.start(kLeaveTimeoutMs, finish);
}

}  // namespace gateway
