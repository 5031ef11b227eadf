#include "gateway/meeting_probe.hpp"

#include "core/log.hpp"
#include "gateway/version.hpp"

#include <glib.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

namespace gateway {

namespace {

// The page's stats and the link's counters are read this often while in the meeting.
constexpr uint64_t kPollMs = 1000;
// A screenshot the page does not deliver within this long is skipped (a hung renderer must not
// hold the probe).
constexpr uint64_t kScreenshotTimeoutMs = 5000;
// How long past the planned stay the polls may lag before the probe leaves anyway.
constexpr uint64_t kStayGraceMs = 30000;

nlohmann::json bridge_stats_json(const media::MeetingBridge::Stats& s) {
    return {{"video_frames_from_page", s.video_frames_from_page},
            {"audio_buffers_from_page", s.audio_buffers_from_page},
            {"video_frames_encoded", s.video_frames_encoded},
            {"video_frames_decoded", s.video_frames_decoded},
            {"audio_frames_encoded", s.audio_frames_encoded},
            {"audio_frames_decoded", s.audio_frames_decoded},
            {"passthrough", s.passthrough},
            {"audio_passthrough", s.audio_passthrough}};
}

uint64_t stat(const nlohmann::json& j, const char* dir, const char* kind, const char* field) {
    if (!j.is_object() || !j.contains(dir) || !j[dir].contains(kind)) return 0;
    return j[dir][kind].value(field, uint64_t{0});
}

}  // namespace

core::Result<core::ServiceConfig> probe_service(const core::Config& config,
                                                const std::string& name) {
    if (name.empty()) return config.service;  // the default service
    std::string known;
    for (const auto& service : config.all_services()) {
        if (service.name == name) return service;
        known += (known.empty() ? "" : ", ") + service.name;
    }
    return core::fail(fmt::format(
        "probe-meeting: no service \"{}\" in the configuration (known: {})", name, known));
}

MeetingProbe::MeetingProbe(ProbeOptions options, core::ControlLoop& loop)
    : options_(std::move(options)), loop_(loop), session_id_(fmt::format("probe-{}", getpid())) {
    for (auto name : kProbeSteps) {
        Step s;
        s.name = name;
        steps_.push_back(std::move(s));
    }
}

MeetingProbe::~MeetingProbe() {
    alive_.reset();
    link_.reset();
}

uint64_t MeetingProbe::media_wait_ms() const {
    return uint64_t(options_.media_wait_s) * 1000;
}

int64_t MeetingProbe::elapsed_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 started_at_)
        .count();
}

MeetingProbe::Step* MeetingProbe::step(std::string_view name) {
    auto it =
        std::find_if(steps_.begin(), steps_.end(), [&](const Step& s) { return s.name == name; });
    return it == steps_.end() ? nullptr : &*it;
}

void MeetingProbe::reached(std::string_view name, const std::string& detail) {
    Step* s = step(name);
    if (s == nullptr || s->t_ms >= 0) return;
    s->t_ms = elapsed_ms();
    s->detail = detail;
    spdlog::info("probe: step={} t={:.1f}s{}{}", name, double(s->t_ms) / 1000,
                 detail.empty() ? "" : " ", detail);
    if (name == "left") return;  // photographed by end_stay(), before the browser goes
    const auto index = s - steps_.data();
    screenshot(fmt::format("{:02}-{}", index + 1, name),
               [this, n = std::string(name)](std::string path) {
                   if (Step* st = step(n)) st->screenshot = std::move(path);
               });
}

void MeetingProbe::screenshot(const std::string& file, std::function<void(std::string)> then) {
    browser::Page* page = link_ ? link_->page() : nullptr;
    if (options_.out_dir.empty() || page == nullptr) {
        then({});
        return;
    }
    // Whichever comes first, the picture or the timeout, ends this screenshot.
    auto once = std::make_shared<std::function<void(std::string)>>(std::move(then));
    auto timer = std::make_shared<core::Timer>();
    timer->start(kScreenshotTimeoutMs, [once, file] {
        spdlog::warn("probe: screenshot {} not taken: the page did not answer", file);
        if (*once) std::exchange(*once, nullptr)({});
    });
    const auto path = options_.out_dir / (file + ".png");
    ++screenshots_;
    page->command("Page.captureScreenshot", {{"format", "png"}},
                  [once, timer, path](core::Result<browser::Json> r) {
                      timer->cancel();
                      if (!*once) return;
                      std::string written;
                      if (!r || !r->contains("data")) {
                          spdlog::warn("probe: screenshot {} failed: {}", path.string(),
                                       r ? "no data" : r.error().message);
                      } else {
                          gsize size = 0;
                          const std::string b64 = (*r)["data"].get<std::string>();
                          guchar* png = g_base64_decode(b64.c_str(), &size);
                          std::ofstream out(path, std::ios::binary);
                          out.write(reinterpret_cast<const char*>(png), std::streamsize(size));
                          g_free(png);
                          if (out.good()) {
                              written = path.string();
                          } else {
                              spdlog::warn("probe: cannot write {}", path.string());
                          }
                      }
                      std::exchange(*once, nullptr)(written);
                  });
}

void MeetingProbe::start(std::function<void()> done) {
    done_ = std::move(done);
    started_at_ = std::chrono::steady_clock::now();
    const auto& service = options_.config.service;
    spdlog::info("probe: service={} base_url={} room=\"{}\" seconds={} out={}", service.name,
                 service.base_url, options_.room, options_.seconds,
                 options_.out_dir.empty() ? "-" : options_.out_dir.string());
    if (!options_.out_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(options_.out_dir, ec);
        if (ec) {
            fail("cannot create " + options_.out_dir.string() + ": " + ec.message());
            return;
        }
    }
    auto adapter = services::make_adapter(service);
    if (!adapter) {
        fail(adapter.error().message);
        return;
    }
    adapter_ = std::move(*adapter);
    auto caller = media::SyntheticCaller::start(session_id_);
    if (!caller) {
        fail(caller.error().message);
        return;
    }
    caller_ = std::move(*caller);

    // A plain-http server (a test or lab install, `sipmediagw demo`) is no secure context, so
    // its page would have no getUserMedia: this throwaway browser treats that one origin as
    // secure, as the demo's browsers do.
    auto& browser_config = options_.config.browser;
    if (service.base_url.starts_with("http://")) {
        const std::string origin = service.base_url.substr(0, service.base_url.find('/', 7));
        browser_config.extra_flags.push_back("--unsafely-treat-insecure-origin-as-secure=" +
                                             origin);
        spdlog::info("probe: {} is plain http: treated as a secure origin by the probe's browser",
                     origin);
    }
    // One browser, started now: nothing to keep warm for a single join.
    auto pool_options = browser::pool_options(browser_config);
    pool_options.spares = 0;
    pool_options.launch.language = options_.config.ivr.language;  // as the gateway's browsers
    pool_ = std::make_unique<browser::Pool>(pool_options);
    pool_->start();

    std::weak_ptr<bool> alive = alive_;
    MeetingLinkEvents events;
    events.on_progress = [this](std::string_view s) {
        reached(s == "media_requested" ? "prejoin_passed" : s,
                s == "media_requested" ? "the page asked for camera and microphone" : "");
    };
    events.on_joined = [this] { on_joined(); };
    events.on_ended = [this, alive](MeetingEnd end, const std::string& cause) {
        // From the loop: the page or browser that reported it is still on the stack.
        loop_.post([this, alive, end, cause] {
            if (alive.expired() || ending_) return;
            fail(fmt::format("{}: {}", meeting_end_name(end), cause));
        });
    };
    events.on_waiting = [this](const std::string& reason) {
        spdlog::info("probe: waiting: {}", reason);
        notes_.push_back("waiting: " + reason);
    };
    events.on_reconnecting = [this](const std::string& reason) {
        spdlog::info("probe: the service reconnects: {}", reason);
        notes_.push_back("reconnecting: " + reason);
    };
    events.on_password_required = [this, alive](bool retry) {
        loop_.post([this, alive, retry] {
            if (alive.expired() || ending_) return;
            fail(retry ? "the room refused [service] password"
                       : "the room asks for a password: set [service] password");
        });
    };
    // The display name a caller's template would give, for a caller named "probe".
    std::string display = service.display_name;
    for (const auto& [key, value] : {std::pair{"{user}", "probe"}, std::pair{"{from}", "probe"},
                                     std::pair{"{room}", options_.room.c_str()}}) {
        for (size_t at; (at = display.find(key)) != std::string::npos;)
            display.replace(at, std::string_view(key).size(), value);
    }
    link_ = std::make_unique<MeetingLink>(session_id_, *adapter_,
                                          services::JoinRequest{options_.room, display, {}}, *pool_,
                                          loop_, std::move(events));
    link_->set_meeting_video(options_.config.browser.meeting_video);
    link_->set_forward_encoded_video(options_.config.browser.forward_encoded_video);
    link_->set_forward_encoded_meeting_video(options_.config.browser.forward_encoded_meeting_video);
    // The adapters wait join_timeout_s for each page milestone; a browser start comes first.
    const uint64_t join_ms = uint64_t(options_.config.browser.start_timeout_ms) +
                             uint64_t(options_.config.service.join_timeout_s) * 3000 + 10000;
    // The link's own deadline must not cut the probe's longer one short.
    MeetingJoinSettings settings{uint32_t(join_ms / 1000), service.wait_timeout_s, service.password,
                                 options_.config.ivr.language};
    // An operator's check reports the first failure as it is, not what a retry hides.
    settings.retry_failed_join = false;
    link_->set_join_settings(std::move(settings));
    join_deadline_.start(join_ms, [this, join_ms] {
        fail(fmt::format("not in the meeting after {} s", join_ms / 1000));
    });
    link_->start();
}

void MeetingProbe::on_joined() {
    if (ending_) return;
    join_deadline_.cancel();
    reached("joined");
    if (joined_ms_ < 0) joined_ms_ = elapsed_ms();
    if (!polling_) {
        polling_ = true;
        poll_timer_.start(kPollMs, [this] { poll(); });
        // Polls end the stay; a page that stops answering them must not hold the probe.
        const uint64_t stay_ms =
            std::max<uint64_t>(uint64_t(options_.seconds) * 1000, media_wait_ms()) + kStayGraceMs;
        stay_deadline_.start(stay_ms, [this] {
            spdlog::warn("probe: the page stopped answering, leaving");
            notes_.push_back("the page stopped answering stats requests");
            end_stay();
        });
    }
}

void MeetingProbe::poll() {
    if (ending_ || !link_) return;
    if (caller_) {
        if (auto st = caller_->health(); !st) {
            fail(st.error().message);
            return;
        }
    }
    if (auto* bridge = link_->bridge()) gateway_stats_ = bridge_stats_json(bridge->stats());
    browser::Page* page = link_->page();
    if (page == nullptr) {
        poll_timer_.start(kPollMs, [this] { poll(); });
        return;
    }
    std::weak_ptr<bool> alive = alive_;
    page->evaluate_in(link_->bridge_frame(),
                      "window.__smgwBridge ? __smgwBridge.meetingStats() : null",
                      [this, alive](core::Result<browser::Json> r) {
                          if (alive.expired() || ending_) return;
                          if (r && r->is_object()) {
                              page_stats_ = std::move(*r);
                          } else if (!r) {
                              spdlog::debug("probe: page stats: {}", r.error().message);
                          }
                          check_media();
                          if (ending_) return;
                          const int64_t in_meeting = elapsed_ms() - joined_ms_;
                          const bool media_done =
                              step("media_sent")->t_ms >= 0 && step("media_received")->t_ms >= 0;
                          if (in_meeting >= int64_t(options_.seconds) * 1000 &&
                              (media_done || in_meeting >= int64_t(media_wait_ms()))) {
                              end_stay();
                              return;
                          }
                          poll_timer_.start(kPollMs, [this] { poll(); });
                      });
}

void MeetingProbe::check_media() {
    const auto& p = page_stats_;
    // Sent: the caller's own tracks leave on the meeting's connections, both kinds; video must
    // be encoded frames, not just bytes (a muted sender still sends some).
    if (stat(p, "sent", "audio", "packets") > 0 && stat(p, "sent", "video", "frames") > 0) {
        reached("media_sent", fmt::format("audio {} packets, video {} frames",
                                          stat(p, "sent", "audio", "packets"),
                                          stat(p, "sent", "video", "frames")));
    }
    // Received: the meeting's audio and decoded video arrive in the page, and the page's output
    // reached the gateway over the link.
    const uint64_t link_video = gateway_stats_.value("video_frames_from_page", uint64_t{0});
    const uint64_t link_audio = gateway_stats_.value("audio_buffers_from_page", uint64_t{0});
    if (stat(p, "received", "audio", "packets") > 0 && stat(p, "received", "video", "frames") > 0 &&
        link_video > 0 && link_audio > 0) {
        reached("media_received",
                fmt::format("audio {} packets, video {} frames; gateway got {} frames, {} audio "
                            "buffers",
                            stat(p, "received", "audio", "packets"),
                            stat(p, "received", "video", "frames"), link_video, link_audio));
    }
}

void MeetingProbe::end_stay() {
    if (ending_) return;
    ending_ = true;
    poll_timer_.cancel();
    stay_deadline_.cancel();
    if (step("media_sent")->t_ms < 0) {
        cause_ = "the page sent no caller audio and video to the meeting";
    } else if (step("media_received")->t_ms < 0) {
        cause_ =
            "no meeting audio and video reached the gateway (is anyone else in the room, "
            "with camera and microphone on?)";
    }
    std::weak_ptr<bool> alive = alive_;
    // The meeting as it looks at the end of the stay, the most telling picture; the one after
    // leave() is best effort (pages often reload or navigate away when left).
    screenshot("end_of_stay", [this, alive](std::string path) {
        if (alive.expired()) return;
        end_of_stay_screenshot_ = std::move(path);
        link_->leave([this, alive] {
            if (alive.expired()) return;
            reached("left");
            screenshot(fmt::format("{:02}-left", steps_.size()), [this, alive](std::string p) {
                if (alive.expired()) return;
                step("left")->screenshot = std::move(p);
                finish();
            });
        });
    });
}

void MeetingProbe::interrupt(const std::string& cause) {
    if (ending_) return;
    if (link_ && link_->joined()) {
        cause_ = cause;
        end_stay();
        return;
    }
    fail(cause);
}

void MeetingProbe::fail(const std::string& cause) {
    if (ending_) return;
    ending_ = true;
    join_deadline_.cancel();
    poll_timer_.cancel();
    stay_deadline_.cancel();
    cause_ = cause;
    spdlog::warn("probe: failed: {}", cause);
    std::weak_ptr<bool> alive = alive_;
    screenshot("failed", [this, alive](const std::string& path) {
        if (alive.expired()) return;
        if (!path.empty()) notes_.push_back("screenshot at the failure: " + path);
        finish();
    });
}

void MeetingProbe::finish() {
    if (finished_) return;
    finished_ = true;
    // From the loop: this may run inside the page's own callback.
    std::weak_ptr<bool> alive = alive_;
    loop_.post([this, alive] {
        if (alive.expired()) return;
        link_.reset();  // the tab, the link's pipeline, then the browser process
        caller_.reset();
        pool_.reset();
        for (const auto& s : steps_) {
            if (s.t_ms < 0) {
                failed_step_ = s.name;
                break;
            }
        }
        if (cause_.empty() && !failed_step_.empty())
            cause_ = "step " + failed_step_ + " not reached";
        if (!failed_step_.empty() || !cause_.empty())
            spdlog::warn("probe: outcome=failed step={} cause=\"{}\"", failed_step_, cause_);
        else
            spdlog::info("probe: outcome=ok");
        if (!options_.out_dir.empty()) {
            std::ofstream out(options_.out_dir / "report.json");
            out << report().dump(2) << "\n";
        }
        if (done_) done_();
    });
}

bool MeetingProbe::passed() const {
    return finished_ && failed_step_.empty() && cause_.empty();
}

nlohmann::json MeetingProbe::report() const {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : steps_) {
        nlohmann::json j{{"step", s.name}, {"ok", s.t_ms >= 0}};
        if (s.t_ms >= 0) j["t_ms"] = s.t_ms;
        if (!s.detail.empty()) j["detail"] = s.detail;
        if (!s.screenshot.empty()) j["screenshot"] = s.screenshot;
        steps.push_back(std::move(j));
    }
    const auto& service = options_.config.service;
    return {{"probe", "sipmediagw probe-meeting"},
            {"version", std::string(version())},
            {"service", service.name},
            {"base_url", service.base_url},
            {"room", options_.room},
            {"seconds", options_.seconds},
            {"outcome", passed() ? "ok" : "failed"},
            {"failed_step", failed_step_.empty() ? nlohmann::json() : nlohmann::json(failed_step_)},
            {"cause", cause_.empty() ? nlohmann::json() : nlohmann::json(cause_)},
            {"steps", steps},
            {"notes", notes_},
            {"end_of_stay_screenshot", end_of_stay_screenshot_.empty()
                                           ? nlohmann::json()
                                           : nlohmann::json(end_of_stay_screenshot_)},
            {"page", page_stats_},
            {"gateway", gateway_stats_}};
}

}  // namespace gateway
