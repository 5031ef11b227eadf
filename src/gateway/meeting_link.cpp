#include "gateway/meeting_link.hpp"

#include "core/log.hpp"
#include "core/text.hpp"
#include "gateway/meeting_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace gateway {

namespace {

constexpr uint32_t kViewWidth = kMeetingViewWidth;
constexpr uint32_t kViewHeight = kMeetingViewHeight;
// How long leave() waits for the page before the browser is discarded anyway. An adapter that
// waits for the meeting's confirmation stays under it (jitsi.js LEAVE_CONFIRM_MS, 1200).
constexpr uint64_t kLeaveTimeoutMs = 1500;
// Adapters have no common "participant left" event (the Janus demo only edits its DOM), so
// the count is polled; the alone timeout is counted in seconds, so this is precise enough.
constexpr uint64_t kParticipantsPollMs = 2000;

// Fields of a message from the meeting page, which runs third-party code: a field of another
// type reads as absent instead of throwing (a throw left a bound frame without its link), and a
// number becomes an integer only within bounds (a huge float would be undefined behaviour).
std::string text_field(const nlohmann::json& o, const char* key) {
    if (!o.is_object()) return {};
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t int_field(const nlohmann::json& o, const char* key) {
    constexpr double kBound = 1e9;
    if (!o.is_object()) return 0;
    const auto it = o.find(key);
    if (it == o.end() || !it->is_number()) return 0;
    const double v = it->get<double>();
    return v > -kBound && v < kBound ? int64_t(v) : 0;
}

bool flag_field(const nlohmann::json& o, const char* key) {
    if (!o.is_object()) return false;
    const auto it = o.find(key);
    return it != o.end() && it->is_boolean() && it->get<bool>();
}

// The page decodes the joining prompt itself (WebAudio), so it travels inside a JSON string.
std::string base64(const std::string& bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const size_t n = std::min<size_t>(3, bytes.size() - i);
        uint32_t v = 0;
        for (size_t k = 0; k < 3; ++k)
            v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0U);
        for (size_t k = 0; k < 4; ++k) out += k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 0x3f] : '=';
    }
    return out;
}

// scheme://host[:port] of an http(s) URL; "" for anything else (about:blank, data:).
std::string http_origin(const std::string& url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return {};
    const std::string scheme = url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") return {};
    const auto path = url.find_first_of("/?#", scheme_end + 3);
    return url.substr(0, path);
}

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
    reconnect_timer_.cancel();
    // Page first (its tab), then the link's pipeline, then the browser process itself.
    page_.reset();
    bridge_.reset();
    if (browser_) {
        spdlog::info("gateway: sess={} browser pid={} discarded", id_, browser_->pid());
        browser_->on_failure(nullptr);
        browser_.reset();
    }
    bridge_frame_.reset();
    held_link_messages_.clear();
    link_bound_ = false;
    renegotiating_ = false;
    forward_mode_.clear();
    forward_off_logged_ = false;
    forward_audio_mode_.clear();
    forward_audio_logged_ = false;
    granted_origins_.clear();
    join_in_place_ = false;
    awaiting_next_document_ = false;
    reconnecting_ = false;
    held_ = false;
    joined_ = false;
}

void MeetingLink::start() {
    arm_deadline(settings_.join_timeout_s, MeetingEnd::JoinTimedOut);
    attempt();
}

void MeetingLink::arm_deadline(uint32_t seconds, MeetingEnd end) {
    std::weak_ptr<bool> alive = alive_;
    deadline_timer_.start(uint64_t{seconds} * 1000, [this, alive, end] {
        if (!alive.expired()) deadline_passed(end);
    });
}

void MeetingLink::deadline_passed(MeetingEnd end) {
    if (joined_ || ended_) return;
    if (end == MeetingEnd::WaitTimedOut) {
        finish(end, fmt::format("held by the service ({}) longer than wait_timeout_s={}", stage_,
                                settings_.wait_timeout_s));
    } else if (was_joined_) {
        finish(MeetingEnd::Lost, fmt::format("rejoin not done within join_timeout_s={} ({})",
                                             settings_.join_timeout_s, stage_));
    } else {
        finish(end, fmt::format("not joined within join_timeout_s={} ({})",
                                settings_.join_timeout_s, stage_));
    }
}

void MeetingLink::attempt() {
    ++attempts_;
    stage_ = "waiting for a browser";
    const uint32_t gen = ++generation_;
    std::weak_ptr<bool> alive = alive_;
    // Before the browser: the link does not need the page until the page asks for media. With
    // encoded forwarding the link must number its video as the page's Chromium does, which the
    // first page of this process tells at its hello: until then the link waits for the hello.
    if (!numbers_like_page() || page_video_formats()) {
        if (auto st = start_link(); !st) {
            lost("media link: " + st.error().message);
            return;
        }
    }
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
    stage_ = "opening the page";
    grant_origin(adapter_.permission_origin(), [this] { open_page(); });
}

void MeetingLink::grant_origin(const std::string& origin, std::function<void()> then) {
    if (origin.empty() || granted_origins_.contains(origin)) {
        then();
        return;
    }
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    // One call with every permission (a second call for the origin would replace the set):
    // without camera and microphone permission Chromium offers no 127.0.0.1 candidate for the
    // link. Each origin a multi-page join visits (Greenlight, then the BigBlueButton client on
    // another host) needs its own grant.
    browser_->grant_permissions(
        origin, [this, alive, gen, origin, then = std::move(then)](const core::Status& st) {
            if (alive.expired() || gen != generation_) return;
            if (!st) {
                lost("permissions for " + origin + ": " + st.error().message);
                return;
            }
            granted_origins_.insert(origin);
            then();
        });
}

core::Status MeetingLink::make_bridge() {
    media::MeetingBridgeOptions bridge_options;
    bridge_options.width = kViewWidth;
    bridge_options.height = kViewHeight;
    if (events_.passthrough) bridge_options.passthrough = events_.passthrough();
    if (events_.audio_passthrough) bridge_options.audio_passthrough = events_.audio_passthrough();
    if (events_.content) bridge_options.content = events_.content();
    if (bridge_options.content && events_.content_passthrough)
        bridge_options.content_passthrough = events_.content_passthrough();
    link_content_ = bridge_options.content;
    renegotiating_ = false;
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    bridge_.reset();  // one link per session: its channels are released before the next one
    held_link_messages_.clear();
    link_bound_ = false;
    auto bridge = media::MeetingBridge::create(
        id_, bridge_options, [this](std::function<void()> fn) { loop_.post(std::move(fn)); },
        [this, alive, gen](const nlohmann::json& msg) {
            if (alive.expired() || gen != generation_) return;
            // When the offer is ready tells a slow link start (the caller's first frames give
            // webrtcbin its caps) from a page that answers late.
            if (msg.value("type", "") == "offer")
                spdlog::debug("gateway: sess={} media link offer ready{}", id_,
                              link_bound_ ? "" : " (held for the page's hello)");
            // Ready before the page asked (started ahead): kept for the frame that says hello.
            if (!link_bound_) {
                held_link_messages_.push_back(msg);
                return;
            }
            // Only into the frame that said hello, and never into a context that is gone.
            if (!page_ || !bridge_frame_ || !page_->context_alive(*bridge_frame_)) return;
            page_->evaluate_in(*bridge_frame_, "__smgwBridge.receive(" + msg.dump() + ")",
                               [](const core::Result<browser::Json>&) {});
        });
    if (!bridge) return bridge.error();
    bridge_ = std::move(*bridge);
    bridge_->link().on_failure([this, alive, gen](const std::string& cause) {
        if (alive.expired() || gen != generation_) return;
        lost("media link: " + cause);
    });
    return core::Ok{};
}

core::Status MeetingLink::start_link() {
    if (auto st = make_bridge(); !st) return st;
    // Forwarded frames keep the link's payload type: number it as the page does.
    if (numbers_like_page() && page_video_formats())
        bridge_->match_page_payload_type(*page_video_formats());
    return bridge_->link().start();
}

std::optional<nlohmann::json>& MeetingLink::page_video_formats() {
    // The same Chromium binary numbers its codecs the same in every page, so one hello tells
    // it for the process (control-loop thread only).
    static std::optional<nlohmann::json> formats;
    return formats;
}

void MeetingLink::flush_link_messages() {
    auto held = std::move(held_link_messages_);
    held_link_messages_.clear();
    if (!page_ || !bridge_frame_) return;
    for (const auto& msg : held) {
        if (!page_->context_alive(*bridge_frame_)) return;
        page_->evaluate_in(*bridge_frame_, "__smgwBridge.receive(" + msg.dump() + ")",
                           [](const core::Result<browser::Json>&) {});
    }
}

void MeetingLink::slate_to_page(bool show) {
    if (!page_ || !bridge_frame_ || !page_->context_alive(*bridge_frame_)) return;
    if (!show) {
        page_->evaluate_in(*bridge_frame_, "__smgwBridge.joined()",
                           [](const core::Result<browser::Json>&) {});
        return;
    }
    if (slate_.text.empty()) return;
    if (slate_message_.empty()) {
        nlohmann::json m{{"text", slate_.text}, {"audio", ""}};
        // A missing prompt only silences the slate; the picture still says it.
        if (!slate_.wav_file.empty()) m["audio"] = base64(read_asset(slate_.wav_file));
        slate_message_ = m.dump();
    }
    page_->evaluate_in(*bridge_frame_, "__smgwBridge.joining(" + slate_message_ + ")",
                       [](const core::Result<browser::Json>&) {});
}

void MeetingLink::open_page() {
    // A spare that pre-loaded this service's page: the call joins there (or navigates it, with
    // the caches and renderer warm) instead of opening a tab from nothing. A page pre-loaded
    // for another service is closed by take_preloaded().
    if (auto pre = browser_->take_preloaded(adapter_.preload_url())) {
        page_ = std::move(pre->page);
        join_in_place_ = pre->joins_in_place;
        spdlog::info("gateway: sess={} page pre-loaded by the spare ({}){}", id_, pre->url,
                     join_in_place_ ? ", joining in place" : "");
        watch_page();
        navigate();
        return;
    }
    auto options = meeting_page_options(
        {meeting_video_, meeting_layout_, forward_encoded_video_, forward_encoded_meeting_video_},
        adapter_);
    if (!options) {
        lost(options.error().message);
        return;
    }
    options->browser_context_id = browser_->context_id();
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    page_ = browser::Page::open(browser_->devtools(), std::move(*options),
                                [this, alive, gen](const core::Status& st) {
                                    if (alive.expired() || gen != generation_) return;
                                    if (!st) {
                                        lost("page: " + st.error().message);
                                        return;
                                    }
                                    navigate();
                                });
    watch_page();
}

void MeetingLink::watch_page() {
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    page_->on_crash([this, alive, gen](const std::string& cause) {
        if (alive.expired() || gen != generation_) return;
        lost("page: " + cause);
    });
    page_->on_binding([this, alive, gen](const std::string& name, const std::string& payload,
                                         const browser::FrameContext& from) {
        if (alive.expired() || gen != generation_) return;
        if (name == "__smgwSignal") on_signal(payload, from);
        if (name == "sipmediagwEvent") on_page_event(payload, from);
    });
    page_->on_context_destroyed([this, alive, gen](const browser::FrameContext& c) {
        if (alive.expired() || gen != generation_) return;
        on_context_gone(c);
    });
    // Granted as soon as the document commits, before its scripts can ask for media.
    page_->on_navigated([this, alive, gen](const std::string& url) {
        if (alive.expired() || gen != generation_) return;
        grant_origin(http_origin(url), [] {});
    });
    page_->on_load([this, alive, gen](const std::string& url) {
        if (alive.expired() || gen != generation_ || !awaiting_next_document_ || ended_) return;
        awaiting_next_document_ = false;
        spdlog::info("gateway: sess={} join continues in {}", id_, url);
        grant_origin(http_origin(url), [this] { join(); });
    });
}

void MeetingLink::navigate() {
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    stage_ = "asking the service (prepare)";
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
    if (join_in_place_) {
        // The pre-loaded page is at its pre-join step: the adapter's join() takes the room
        // from its options. Same step for bench/meeting as a load.
        stage_ = "join() in the pre-loaded page";
        if (events_.on_progress) events_.on_progress("page_loaded");
        join();
        return;
    }
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    stage_ = "loading " + http_origin(*url);
    const auto started = std::chrono::steady_clock::now();
    page_->navigate(*url, [this, alive, gen, started, u = *url](const core::Status& st) {
        if (alive.expired() || gen != generation_) return;
        if (!st) {
            lost("navigation to " + u + ": " + st.error().message);
            return;
        }
        // One step of the join's time (bench/meeting reads it): the rest is the adapter's.
        spdlog::info("gateway: sess={} page loaded in {} ms", id_,
                     std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count());
        if (events_.on_progress) events_.on_progress("page_loaded");
        join();
    });
}

std::string MeetingLink::join_options() const {
    auto options = nlohmann::json::parse(adapter_.join_options(request_), nullptr, false);
    if (!options.is_object()) options = nlohmann::json::object();
    // Every adapter gets these; one that computed its own (a per-room password) keeps it.
    if (!options.contains("password")) options["password"] = settings_.password;
    if (!options.contains("language")) options["language"] = settings_.language;
    return options.dump();
}

void MeetingLink::join() {
    if (ended_ || !page_) return;
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    join_load_ = page_->loads();
    if (!held_) stage_ = "join() pending in " + http_origin(page_->url());
    page_->evaluate(
        "window.sipmediagwAdapter.join(" + join_options() + ")",
        [this, alive, gen](const core::Result<browser::Json>& r) {
            if (alive.expired() || gen != generation_ || ended_) return;
            if (!r) {
                // The document went away under a pending join(): a redirect the
                // adapter did not announce; the next document gets join() again.
                const std::string& m = r.error().message;
                if (m.find("context was destroyed") != std::string::npos ||
                    m.find("navigated") != std::string::npos) {
                    join_redirected("its document was replaced");
                    return;
                }
                lost("join: " + m);
                return;
            }
            if (flag_field(*r, "joined")) {
                joined_meeting();
            } else if (flag_field(*r, "redirected")) {
                join_redirected("the adapter said redirected");
            } else {
                lost("join: the adapter answered " + r->dump() + ", neither joined nor redirected");
            }
        });
}

void MeetingLink::join_redirected(const std::string& why) {
    spdlog::info("gateway: sess={} join redirected ({}), waiting for the next page", id_, why);
    stage_ = "the next page of the join after " + http_origin(page_->url());
    // The next document may have loaded before join()'s answer came back.
    if (page_->loads() > join_load_) {
        grant_origin(http_origin(page_->url()), [this] { join(); });
        return;
    }
    awaiting_next_document_ = true;
}

void MeetingLink::joined_meeting() {
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    deadline_timer_.cancel();
    joined_ = true;
    was_joined_ = true;
    rejoining_ = false;
    held_ = false;
    spdlog::info("gateway: sess={} joined room=\"{}\" service={} attempt={}", id_, request_.room,
                 adapter_.name(), attempts_);
    slate_to_page(false);
    if (events_.on_joined) events_.on_joined();
    if (alive.expired() || gen != generation_) return;
    if (events_.on_participants) poll_participants();
}

void MeetingLink::poll_participants() {
    if (!page_ || !joined_ || ended_) return;
    const uint32_t gen = generation_;
    std::weak_ptr<bool> alive = alive_;
    page_->evaluate("window.sipmediagwAdapter.participantCount()",
                    [this, alive, gen](const core::Result<browser::Json>& r) {
                        if (alive.expired() || gen != generation_ || ended_) return;
                        // A page busy elsewhere (or between documents, or re-entering the
                        // meeting) answers nothing useful: ask again later instead of taking
                        // it for an empty room.
                        if (r && r->is_number_integer() && !reconnecting_) {
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

void MeetingLink::on_signal(const std::string& payload, const browser::FrameContext& from) {
    const auto msg = nlohmann::json::parse(payload, nullptr, false);
    if (!msg.is_object() || !page_) return;
    const std::string type = text_field(msg, "type");
    if (type == "hello") {
        if (bridge_frame_ && bridge_frame_->same_context(from)) return;
        if (bridge_frame_ && page_->context_alive(*bridge_frame_)) {
            // A second frame asking for media while the link serves the first: one link per
            // call, so this frame gets none.
            spdlog::warn(
                "gateway: sess={} media bridge hello from another frame refused (frame={} "
                "url={}); the link stays in frame={}",
                id_, from.frame_id, core::log_field(text_field(msg, "url")),
                bridge_frame_->frame_id);
            return;
        }
        if (const auto f = msg.find("videoFormats"); f != msg.end() && f->is_array())
            page_video_formats() = *f;
        const bool ahead = bridge_ && !link_bound_;
        if (!ahead) {
            // The frame that had the link is gone (reload, new document): a fresh link.
            if (auto st = start_link(); !st) {
                lost("media link: " + st.error().message);
                return;
            }
        }
        bridge_frame_ = from;
        link_bound_ = true;
        if (events_.on_progress) events_.on_progress("media_requested");
        spdlog::info("gateway: sess={} media bridge in frame={} ({}) url={}{}", id_, from.frame_id,
                     from.top ? "top" : "iframe", core::log_field(text_field(msg, "url")),
                     ahead ? fmt::format(" (link started ahead, {} messages ready)",
                                         held_link_messages_.size())
                           : std::string());
        flush_link_messages();
        if (!joined_) slate_to_page(true);
        return;
    }
    if (!bridge_frame_ || !bridge_frame_->same_context(from) || !bridge_) {
        spdlog::warn(
            "gateway: sess={} media bridge message type={} from frame={} dropped (not "
            "the link's frame)",
            id_, type, from.frame_id);
        return;
    }
    if (type == "capture") {
        // The "sharing this tab" bar took part of the view: give tab capture its size back.
        if (int_field(msg, "innerHeight") != kViewHeight ||
            int_field(msg, "innerWidth") != kViewWidth) {
            browser::Page* p = page_.get();
            p->fit_viewport(kViewWidth, kViewHeight,
                            [p, from, alive = std::weak_ptr<bool>(alive_)](const core::Status& st) {
                                if (st && !alive.expired())
                                    p->evaluate_in(from, "__smgwBridge.fitCapture()",
                                                   [](const core::Result<browser::Json>&) {});
                            });
        }
    } else if (type == "output") {
        spdlog::info("gateway: sess={} meeting video from the {} ({}x{}@{})", id_,
                     core::log_field(text_field(msg, "video")), int_field(msg, "width"),
                     int_field(msg, "height"), int_field(msg, "fps"));
    } else if (type == "forward" && text_field(msg, "kind") == "content") {
        log_content_forward(msg);
    } else if (type == "forward" && text_field(msg, "kind") == "audio") {
        // Muting sends the audio back through the page's encoder (silence) and unmuting forwards
        // it again: the first settled mode at info, every change after it at debug.
        const std::string mode = text_field(msg, "mode");
        const std::string reason = text_field(msg, "reason");
        if (mode + reason == forward_audio_mode_) return;
        forward_audio_mode_ = mode + reason;
        if (forward_audio_logged_ || msg.value("pending", false)) {
            spdlog::debug("gateway: sess={} audio forwarding: {}{}", id_, core::log_field(mode),
                          reason.empty() ? "" : " (" + core::log_field(reason) + ")");
        } else if (mode == "encoded") {
            forward_audio_logged_ = true;
            spdlog::info(
                "gateway: sess={} caller audio forwarded encoded into the meeting ({}, no decode "
                "or encode in the page)",
                id_, core::log_field(text_field(msg, "codec")));
        } else {
            forward_audio_logged_ = true;
            spdlog::info(
                "gateway: sess={} audio forwarding: off ({}): caller audio re-encoded "
                "by the page",
                id_, core::log_field(reason));
        }
    } else if (type == "forward") {
        // The page re-decides when the meeting renegotiates or mutes; log changes only.
        const std::string mode = text_field(msg, "mode");
        const std::string reason = text_field(msg, "reason");
        if (mode + reason == forward_mode_) return;
        forward_mode_ = mode + reason;
        if (mode == "encoded") {
            spdlog::info(
                "gateway: sess={} caller video forwarded encoded into the meeting ({}, no decode "
                "or encode in the page)",
                id_, core::log_field(text_field(msg, "codec")));
        } else if (forward_off_logged_ || msg.value("pending", false)) {
            // Before the meeting negotiated, and every later change: not news for the operator.
            spdlog::debug(
                "gateway: sess={} forwarding: off ({}): caller video re-encoded by the "
                "page",
                id_, core::log_field(reason));
        } else {
            forward_off_logged_ = true;
            spdlog::info(
                "gateway: sess={} forwarding: off ({}): caller video re-encoded by the "
                "page",
                id_, core::log_field(reason));
        }
    } else if (type == "meeting_connection") {
        // Steps of the join that bound when the meeting's participants see the caller
        // (docs/browser.md, "Where a join's time goes"; meeting_bench reads these lines).
        spdlog::info("gateway: sess={} meeting connection {} ({})", id_,
                     core::log_field(text_field(msg, "state")),
                     msg.value("publishing", false) ? "publishing the caller" : "receiving");
    } else if (type == "forward_keyframe") {
        spdlog::info(
            "gateway: sess={} meeting asked for a keyframe; the caller's was forwarded {} ms later",
            id_, int_field(msg, "waitedMs"));
        // A participant has the caller's picture: the join is done with the CPU it needed.
        if (browser_) browser_->release_refill_hold("its call's picture reached the meeting");
    } else if (type == "meeting_forward") {
        log_meeting_forward(msg);
    } else if (type == "meeting_forward_stats") {
        spdlog::debug(
            "gateway: sess={} meeting video forwarded frames={} write_errors={} switches={}", id_,
            int_field(msg, "frames"), int_field(msg, "writeErrors"), int_field(msg, "switches"));
    } else if (type == "rtp_stats") {
        // Per-stream RTP figures of the page (media_bridge.js rtpStats): jitter buffers, pacer
        // queues; meeting_bench reads this line (bench/meeting/README.md).
        spdlog::debug("gateway: sess={} page rtp stats {}", id_, msg.dump());
    } else if (type == "forward_stats" && text_field(msg, "kind") == "content") {
        spdlog::debug(
            "gateway: sess={} room content forwarded frames={} write_errors={} "
            "keyframe_relays={}",
            id_, int_field(msg, "frames"), int_field(msg, "writeErrors"),
            int_field(msg, "keyframeRelays"));
    } else if (type == "forward_stats") {
        spdlog::debug(
            "gateway: sess={} caller video forwarded frames={} keyframe_requests={} "
            "write_errors={} encoder_frames={}",
            id_, int_field(msg, "frames"), int_field(msg, "keyframeRequests"),
            int_field(msg, "writeErrors"), int_field(msg, "encoderFrames"));
        if (const auto a = msg.find("audio");
            a != msg.end() && a->is_object() && text_field(*a, "mode") == "encoded") {
            spdlog::debug(
                "gateway: sess={} caller audio forwarded frames={} mutes={} write_errors={}", id_,
                int_field(*a, "frames"), int_field(*a, "mutes"), int_field(*a, "writeErrors"));
        }
    } else if (type == "slate") {
        // What the caller sees during the join (docs/browser.md, "Where a join's time goes").
        if (text_field(msg, "state") == "shown")
            spdlog::info("gateway: sess={} joining slate shown to the caller", id_);
        else
            spdlog::info("gateway: sess={} joining slate replaced by the meeting", id_);
    } else if (type == "error") {
        const std::string message = text_field(msg, "message");
        spdlog::warn("gateway: sess={} media bridge error: {}", id_, core::log_field(message));
        // The page could not take the link's new offer: the link it has lacks the content
        // track, so it is rebuilt the old way.
        if (renegotiating_ && message.starts_with("offer:")) {
            renegotiating_ = false;
            link_content_ = false;
            relink(renegotiation_why_);
        }
    } else if (type == "state") {
        spdlog::info("gateway: sess={} media link {}", id_,
                     core::log_field(text_field(msg, "state")));
    } else {
        if (type == "answer") {
            spdlog::debug("gateway: sess={} media link answered by the page", id_);
            if (renegotiating_) {
                renegotiating_ = false;
                spdlog::info(
                    "gateway: sess={} meeting link answered: the page has the content track", id_);
            }
        }
        bridge_->link().receive(msg);
    }
}

void MeetingLink::log_content_forward(const nlohmann::json& msg) {
    // Each share of the room's content decides again: a change is news, unless it only says
    // that no share is going on yet.
    const std::string mode = text_field(msg, "mode");
    const std::string reason = text_field(msg, "reason");
    if (mode + reason == forward_content_mode_) return;
    forward_content_mode_ = mode + reason;
    if (mode == "encoded") {
        spdlog::info(
            "gateway: sess={} room content forwarded encoded into the meeting ({}, no decode or "
            "encode in the page)",
            id_, core::log_field(text_field(msg, "codec")));
    } else if (msg.value("pending", false)) {
        spdlog::debug("gateway: sess={} content forwarding: off ({})", id_,
                      core::log_field(reason));
    } else {
        spdlog::info(
            "gateway: sess={} content forwarding: off ({}): room content re-encoded by "
            "the page",
            id_, core::log_field(reason));
    }
}

void MeetingLink::log_meeting_forward(const nlohmann::json& msg) {
    const std::string mode = text_field(msg, "mode");
    const std::string reason = text_field(msg, "reason");
    if (const auto pt = msg.find("meetingPayloadType");
        mode != "encoded" && pt != msg.end() && pt->is_number_unsigned() && bridge_)
        list_meeting_payload_type(pt->get<unsigned>(), text_field(msg, "meetingCodec"),
                                  text_field(msg, "meetingFmtp"));
    if (mode == "encoded") {
        meeting_forward_mode_ = mode;
        spdlog::info(
            "gateway: sess={} meeting video forwarded encoded to the caller ({} {}x{}, no decode "
            "or encode in the page)",
            id_, core::log_field(text_field(msg, "codec")), int_field(msg, "width"),
            int_field(msg, "height"));
        return;
    }
    // A switch back, and the first reason once the compositor feeds the caller, are news; the
    // reasons changing while composited (participants coming and going) are not.
    if (meeting_forward_mode_ == mode || msg.value("pending", false)) {
        spdlog::debug("gateway: sess={} meeting video composited for the caller ({})", id_,
                      core::log_field(reason));
        return;
    }
    meeting_forward_mode_ = mode;
    spdlog::info("gateway: sess={} meeting video composited for the caller ({})", id_,
                 core::log_field(reason));
}

void MeetingLink::list_meeting_payload_type(unsigned pt, const std::string& codec,
                                            const std::string& fmtp) {
    // The page composites the meeting's video only because the meeting numbers the caller's
    // codec otherwise than the link (a forwarded frame keeps its number): the link lists the
    // codec under the meeting's number too and is offered again; the page forwards once it
    // answered (docs/browser.md, "Payload types").
    if (pt > 127 || codec.size() > 32 || fmtp.size() > 512) return;
    const bool bound =
        link_bound_ && page_ && bridge_frame_ && page_->context_alive(*bridge_frame_);
    if (!bound || renegotiating_) return;
    if (auto st = bridge_->add_meeting_payload_type(pt, codec, fmtp); !st) {
        spdlog::info("gateway: sess={} meeting link keeps its video numbers ({} {}: {})", id_,
                     core::log_field(codec), pt, core::log_field(st.error().message));
        return;
    }
    spdlog::info(
        "gateway: sess={} meeting link renegotiated: the meeting's video number {} ({}) listed "
        "on the link too, so that its frames can be forwarded to the caller",
        id_, pt, core::log_field(codec));
}

void MeetingLink::on_context_gone(const browser::FrameContext& context) {
    if (!bridge_frame_ || !bridge_frame_->same_context(context)) return;
    // Nothing more goes into that frame; the link ends with it, and the next document's bridge
    // (a reload, a room move) says hello again and gets a new one.
    spdlog::info("gateway: sess={} media bridge frame={} gone, link closed until the next hello",
                 id_, context.frame_id);
    bridge_frame_.reset();
    bridge_.reset();
}

void MeetingLink::hold_join(const std::string& what) {
    stage_ = what;
    if (held_ || joined_) return;
    held_ = true;
    spdlog::info("gateway: sess={} join held by the service ({}), deadline wait_timeout_s={}", id_,
                 what, settings_.wait_timeout_s);
    arm_deadline(settings_.wait_timeout_s, MeetingEnd::WaitTimedOut);
}

void MeetingLink::on_page_event(const std::string& payload, const browser::FrameContext& from) {
    // Adapters run in the top frame; the link's frame may speak for a meeting in an iframe.
    // Anything else (an ad, an embedded widget) must not end or hold our call.
    if (!from.top && !(bridge_frame_ && bridge_frame_->same_frame(from))) {
        spdlog::warn(
            "gateway: sess={} meeting event from frame={} dropped (neither the top "
            "frame nor the media link's)",
            id_, from.frame_id);
        return;
    }
    const auto ev = nlohmann::json::parse(payload, nullptr, false);
    if (!ev.is_object()) {
        spdlog::warn("gateway: sess={} meeting event dropped: not a JSON object", id_);
        return;
    }
    const std::string type = text_field(ev, "type");
    const nlohmann::json detail = ev.contains("detail") ? ev["detail"] : nlohmann::json();
    spdlog::info("gateway: sess={} meeting event={} detail={}", id_, core::log_field(type),
                 detail.dump());
    if (ended_) return;
    auto text = [&detail](const char* key) { return text_field(detail, key); };
    if (type == "waiting" || type == "lobby") {  // "lobby": adapters before "waiting"
        const std::string reason = type == "lobby" ? "lobby" : text("reason");
        if (joined_) return;
        hold_join("waiting: " + reason);
        if (events_.on_waiting) events_.on_waiting(reason);
    } else if (type == "password_required") {
        if (joined_) return;
        const bool retry = flag_field(detail, "retry");
        hold_join(retry ? "password refused, asking again" : "password asked");
        if (events_.on_password_required) events_.on_password_required(retry);
    } else if (type == "reconnecting") {
        if (!joined_) return;  // still joining: the join deadline covers it
        const std::string reason = text("reason");
        // The page cannot get back by itself (a Janus restart took our session with it): no
        // grace period, the same rejoin with a fresh browser at once.
        if (flag_field(detail, "rejoin")) {
            lost("the service lost our session: " + reason);
            return;
        }
        if (!reconnecting_) {
            reconnecting_ = true;
            std::weak_ptr<bool> alive = alive_;
            const uint32_t gen = generation_;
            reconnect_timer_.start(
                uint64_t{settings_.reconnect_grace_s} * 1000, [this, alive, gen, reason] {
                    if (alive.expired() || gen != generation_ || !reconnecting_) return;
                    lost(fmt::format("not back within {} s after reconnecting ({})",
                                     settings_.reconnect_grace_s, reason));
                });
        }
        if (events_.on_reconnecting) events_.on_reconnecting(reason);
    } else if (type == "joined") {
        if (!reconnecting_) return;  // the first join counts when join() resolves
        reconnecting_ = false;
        reconnect_timer_.cancel();
        spdlog::info("gateway: sess={} back in the meeting", id_);
        if (events_.on_joined) events_.on_joined();
    } else if (type == "share") {
        if (events_.on_share)
            events_.on_share(flag_field(detail, "active"), text("id"), text("name"));
    } else if (type == "ended" || type == "kicked") {
        std::string why = text("reason");
        if (why.empty()) why = detail.dump();
        finish(type == "kicked" ? MeetingEnd::Kicked : MeetingEnd::Ended,
               "meeting " + type + ": " + why);
    }
}

void MeetingLink::lost(const std::string& cause) {
    if (ended_) return;
    // Rejoin only a call that was in the meeting (a join that never worked would fail the same
    // way again), at most kMaxRejoins times per call. A rejoin that fails (the restarted
    // service not answering yet) is tried again after a pause until join_timeout_s, armed when
    // the meeting was lost, has passed.
    const bool retrying = rejoining_;
    if ((joined_ && rejoins_ < kMaxRejoins) || retrying) {
        if (!retrying) {
            ++rejoins_;
            rejoining_ = true;
            arm_deadline(settings_.join_timeout_s, MeetingEnd::JoinTimedOut);
        }
        spdlog::warn("gateway: sess={} meeting lost ({}), {}", id_, cause,
                     retrying ? "rejoin failed, trying again" : "rejoining");
        std::weak_ptr<bool> alive = alive_;
        ++generation_;
        reconnect_timer_.cancel();
        const auto again = [this, alive] {
            if (alive.expired() || ended_) return;
            teardown();
            attempt();
        };
        // Not from inside the failing object's own callback: tear down from the loop.
        if (retrying)
            rejoin_timer_.start(kRejoinRetryMs, again);
        else
            loop_.post(again);
        return;
    }
    // A first join that failed gets one more try in a fresh browser: a browser that died or a
    // page that broke while loading is often a passing fault. A second failure is not.
    if (!was_joined_ && !join_retried_ && settings_.retry_failed_join) {
        join_retried_ = true;
        spdlog::warn("gateway: join retry sess={} cause=\"{}\"", id_, core::log_field(cause));
        retry();
        return;
    }
    finish(was_joined_ ? MeetingEnd::Lost : MeetingEnd::JoinFailed, cause);
}

void MeetingLink::retry() {
    std::weak_ptr<bool> alive = alive_;
    ++generation_;
    reconnect_timer_.cancel();
    arm_deadline(settings_.join_timeout_s, MeetingEnd::JoinTimedOut);
    // Not from inside the failing object's own callback: tear down from the loop.
    loop_.post([this, alive] {
        if (alive.expired() || ended_) return;
        teardown();
        attempt();
    });
}

void MeetingLink::finish(MeetingEnd end, const std::string& cause) {
    if (ended_) return;
    ended_ = true;
    deadline_timer_.cancel();
    reconnect_timer_.cancel();
    rejoin_timer_.cancel();
    participants_timer_.cancel();
    spdlog::warn("gateway: sess={} meeting end={}: {}", id_, meeting_end_name(end), cause);
    // A join that failed frees its browser now, whatever the call does next; a meeting that
    // ended keeps its page until the call's end destroys this link.
    if (!was_joined_) {
        std::weak_ptr<bool> alive = alive_;
        ++generation_;
        loop_.post([this, alive] {
            if (!alive.expired()) teardown();
        });
    }
    if (events_.on_ended) events_.on_ended(end, cause);
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

void MeetingLink::layout(const std::string& name,
                         std::function<void(core::Result<std::string>)> done) {
    if (!page_ || !joined_ || !bridge_frame_ || !page_->context_alive(*bridge_frame_)) {
        done(core::fail("not in the meeting"));
        return;
    }
    page_->evaluate_in(*bridge_frame_,
                       "__smgwBridge.compositorLayout(" + nlohmann::json(name).dump() + ")",
                       [done = std::move(done)](core::Result<browser::Json> r) {
                           if (!r) {
                               done(r.error());
                           } else if (!r->is_string()) {
                               done(core::fail("the meeting video has no layouts (tab capture)"));
                           } else {
                               done(r->get<std::string>());
                           }
                       });
}

void MeetingLink::content_share(bool start, std::function<void(core::Result<std::string>)> done) {
    if (!page_ || !joined_ || !bridge_frame_ || !page_->context_alive(*bridge_frame_)) {
        done(core::fail("not in the meeting"));
        return;
    }
    const std::string name = start ? "share_start" : "share_stop";
    spdlog::info("gateway: sess={} action={}", id_, name);
    // Armed in the link's frame first (where the service's getDisplayMedia runs), then the
    // adapter's action in the main frame, where the adapter lives.
    std::weak_ptr<bool> alive = alive_;
    page_->evaluate_in(
        *bridge_frame_, fmt::format("__smgwBridge.armContent({})", start ? "true" : "false"),
        [this, alive, name,
         done = std::move(done)](const core::Result<browser::Json>& armed) mutable {
            if (alive.expired()) return;
            if (!armed) {
                done(armed.error());
                return;
            }
            if (!page_) {
                done(core::fail("not in the meeting"));
                return;
            }
            page_->evaluate("window.sipmediagwAdapter.action(" + nlohmann::json(name).dump() + ")",
                            [done = std::move(done)](core::Result<browser::Json> r) {
                                if (!r) {
                                    done(r.error());
                                    return;
                                }
                                done(r->dump());
                            });
        });
}

void MeetingLink::send_content(bool on) {
    if (!page_ || !bridge_frame_ || !page_->context_alive(*bridge_frame_)) return;
    page_->evaluate_in(*bridge_frame_,
                       fmt::format("__smgwBridge.sendContent({})", on ? "true" : "false"),
                       [](const core::Result<browser::Json>&) {});
}

void MeetingLink::submit_password(const std::string& password) {
    if (!page_) return;
    spdlog::info("gateway: sess={} room password submitted ({} characters)", id_, password.size());
    page_->evaluate(
        "window.sipmediagwAdapter.submitPassword(" + nlohmann::json(password).dump() + ")",
        [](const core::Result<browser::Json>&) {});
}

void MeetingLink::add_content_track(const std::string& why) {
    if (ended_ || relinking_ || !bridge_ || link_content_) return;
    // Only a link the page answered can be offered again; one still on its first offer, or
    // not bound to a page yet, is rebuilt (that happens only during the join).
    const bool bound =
        link_bound_ && page_ && bridge_frame_ && page_->context_alive(*bridge_frame_);
    const auto passthrough =
        events_.content_passthrough ? events_.content_passthrough() : std::nullopt;
    const nlohmann::json formats = numbers_like_page() && page_video_formats()
                                       ? *page_video_formats()
                                       : nlohmann::json(nullptr);
    auto st = bound ? bridge_->add_content(passthrough, formats)
                    : core::Status(core::fail("no page holds the link yet"));
    if (!st) {
        spdlog::info("gateway: sess={} meeting link cannot be renegotiated ({}): rebuilt instead",
                     id_, core::log_field(st.error().message));
        relink(why);
        return;
    }
    link_content_ = true;
    renegotiating_ = true;
    renegotiation_why_ = why;
    spdlog::info(
        "gateway: sess={} meeting link renegotiated ({}): content track added, the meeting "
        "stays joined",
        id_, core::log_field(why));
}

void MeetingLink::relink(const std::string& why) {
    if (ended_ || relinking_ || !bridge_) return;
    spdlog::info("gateway: sess={} meeting link rebuilt ({}): leaving and joining again", id_,
                 core::log_field(why));
    relinking_ = true;
    // What the old page says from here (its leave's events, the link closing) is not news.
    ++generation_;
    participants_timer_.cancel();
    reconnect_timer_.cancel();
    std::weak_ptr<bool> alive = alive_;
    auto again = [this, alive] {
        if (alive.expired() || ended_ || !relinking_) return;
        relinking_ = false;
        leave_timer_.cancel();
        // A join that fails from here is retried like a rejoin's, until the join deadline.
        rejoining_ = true;
        arm_deadline(settings_.join_timeout_s, MeetingEnd::JoinTimedOut);
        teardown();
        attempt();
    };
    // The old participant leaves first, so that the meeting does not show it twice; a page
    // that does not answer is discarded all the same. Never torn down from inside the page's
    // own callback.
    if (!page_ || !joined_) {
        loop_.post(again);
        return;
    }
    page_->evaluate("window.sipmediagwAdapter.leave()",
                    [this, alive, again](const core::Result<browser::Json>&) {
                        if (alive.expired()) return;
                        loop_.post(again);
                    });
    leave_timer_.start(kLeaveTimeoutMs, again);
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
                    [this, alive, finish](const core::Result<browser::Json>& r) {
                        if (alive.expired()) return;
                        leave_timer_.cancel();
                        // Adapters that wait for the meeting's word say whether it came.
                        if (r && r->is_object() && !r->value("confirmed", true))
                            spdlog::info(
                                "gateway: sess={} meeting did not confirm our leave; closing "
                                "its page anyway",
                                id_);
                        finish();
                    });
    leave_timer_.start(kLeaveTimeoutMs, [this, finish] {
        spdlog::info(
            "gateway: sess={} meeting page did not answer leave() within {} ms; closing it", id_,
            kLeaveTimeoutMs);
        finish();
    });
}

}  // namespace gateway
