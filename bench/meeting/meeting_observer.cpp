#include "meeting_observer.hpp"

#include "browser/reaper.hpp"
#include "support/temp_dir.hpp"

#include <fstream>
#include <optional>
#include <sstream>

namespace bench {

using Clock = std::chrono::steady_clock;

bool run_until(core::ControlLoop& loop, const std::function<bool()>& pred,
               std::chrono::milliseconds timeout, std::chrono::milliseconds period) {
    // pred() runs outside loop.run(), so it may itself wait on the loop (an evaluation).
    const auto deadline = Clock::now() + timeout;
    core::Timer tick;
    for (;;) {
        if (pred()) return true;
        if (Clock::now() >= deadline) return false;
        tick.start(static_cast<uint64_t>(period.count()), [&loop] { loop.stop(); });
        loop.run();
    }
}

void run_for(core::ControlLoop& loop, std::chrono::milliseconds duration) {
    const auto until = Clock::now() + duration;
    run_until(
        loop, [&] { return Clock::now() >= until; }, duration + std::chrono::seconds(5));
}

namespace {

using testsupport::read_file;

}  // namespace

core::Result<std::unique_ptr<MeetingObserver>> MeetingObserver::join(
    core::ControlLoop& loop, const std::string& page_url, const std::string& room,
    const std::vector<std::string>& extra_scripts, const std::string& display_name) {
    auto profiles = browser::TempDir::create("", "sipmediagw-meeting-bench-");
    if (!profiles) return profiles.error();
    auto self = std::make_unique<MeetingObserver>(loop, std::move(*profiles));
    const std::string origin = page_url.substr(0, page_url.find('/', 7));
    browser::LaunchOptions lo;
    lo.profile_parent = self->profiles_.path();
    // Plain http off loopback is not a secure context (no getUserMedia) unless we say so.
    lo.extra_flags = {"--unsafely-treat-insecure-origin-as-secure=" + origin};
    std::optional<core::Status> ready;
    auto b = browser::Browser::launch(lo, {}, [&](core::Status st) { ready = std::move(st); });
    if (!b) return b.error();
    self->browser_ = std::move(*b);
    if (!run_until(
            loop, [&] { return ready.has_value(); }, std::chrono::seconds(60)))
        return core::fail("observer: browser did not start");
    if (!*ready) return ready->error();

    std::optional<core::Status> granted;
    self->browser_->grant_permissions(origin, [&](core::Status st) { granted = std::move(st); });
    if (!run_until(
            loop, [&] { return granted.has_value(); }, std::chrono::seconds(30)) ||
        !*granted)
        return core::fail("observer: permissions not granted");

    browser::PageOptions po;
    const std::string assets = SIPMEDIAGW_ASSETS_DIR;
    po.scripts = {read_file(MEETING_BENCH_OBSERVER_JS), read_file(MEETING_BENCH_FIRST_FRAME_JS),
                  read_file(assets + "/services/common.js"),
                  read_file(assets + "/services/janus.js")};
    po.scripts.insert(po.scripts.end(), extra_scripts.begin(), extra_scripts.end());
    po.bindings = {"sipmediagwEvent"};
    std::optional<core::Status> opened;
    self->page_ = browser::Page::open(self->browser_->devtools(), std::move(po),
                                      [&](core::Status st) { opened = std::move(st); });
    if (!run_until(
            loop, [&] { return opened.has_value(); }, std::chrono::seconds(30)) ||
        !*opened)
        return core::fail("observer: page did not open");
    std::optional<core::Status> loaded;
    self->page_->navigate(page_url, [&](core::Status st) { loaded = std::move(st); });
    if (!run_until(
            loop, [&] { return loaded.has_value(); }, std::chrono::seconds(60)) ||
        !*loaded)
        return core::fail("observer: demo page did not load");
    auto joined = self->evaluate("sipmediagwAdapter.join({room: '" + room + "', displayName: '" +
                                 display_name + "', timeoutMs: 60000})");
    if (!joined) return core::fail("observer: join failed: " + joined.error().message);
    return self;
}

MeetingObserver::~MeetingObserver() {
    page_.reset();
    browser_.reset();  // stopped on the reaper's thread
    browser::Reaper::instance().drain(std::chrono::seconds(30));
}

core::Result<browser::Json> MeetingObserver::evaluate(const std::string& expression) {
    std::optional<core::Result<browser::Json>> out;
    page_->evaluate(expression, [&out](core::Result<browser::Json> r) { out = std::move(r); });
    if (!run_until(
            loop_, [&] { return out.has_value(); }, std::chrono::seconds(90),
            std::chrono::milliseconds(5)))
        return core::fail("observer: evaluation timed out");
    return std::move(*out);
}

}  // namespace bench
