// A control loop plus helpers to start a real Chromium and wait for it.
#pragma once

#include "browser/browser.hpp"
#include "browser/page.hpp"
#include "browser/reaper.hpp"
#include "browser/temp_dir.hpp"
#include "loop_fixture.hpp"
#include "process_probe.hpp"

#include <filesystem>
#include <optional>
#include <set>

namespace browser_test {

// Every browser a test starts gets its profile under a directory of the test's own; after the
// test, no process we started may be left (by PID and process group) and no profile on disk.
class BrowserFixture : public LoopFixture {
protected:
    void SetUp() override {
        LoopFixture::SetUp();
        auto dir = browser::TempDir::create("", "sipmediagw-browser-test-");
        ASSERT_TRUE(dir.ok());
        profiles_ = std::move(*dir);
    }

    void TearDown() override {
        // Discarded browsers are stopped on the reaper's thread; wait for it (generously).
        EXPECT_TRUE(browser::Reaper::instance().drain(std::chrono::seconds(30)));
        for (const pid_t pid : seen_pids_) {
            EXPECT_FALSE(browser_test::process_alive(pid)) << "chromium " << pid << " left running";
            EXPECT_TRUE(browser_test::process_group_members(pid).empty())
                << "helpers of chromium " << pid << " left running";
        }
        EXPECT_TRUE(browser_test::processes_mentioning(profiles_.path()).empty());
        EXPECT_TRUE(std::filesystem::is_empty(profiles_.path())) << "a profile was left on disk";
        profiles_.remove();
        LoopFixture::TearDown();
    }

    [[nodiscard]] browser::LaunchOptions launch_options() const {
        browser::LaunchOptions o;
        o.profile_parent = profiles_.path();
        o.extra_flags = extra_flags_;
        o.language = language_;
        return o;
    }

    // Remember a browser's process for the end-of-test check.
    void track(pid_t pid) {
        if (pid > 0) seen_pids_.insert(pid);
    }

    // Starts a browser and waits until it answered; nullptr (with a test failure) otherwise.
    std::unique_ptr<browser::Browser> launch_ready(browser::HealthOptions health = {}) {
        std::optional<core::Status> ready;
        auto b = browser::Browser::launch(launch_options(), health,
                                          [&ready](core::Status st) { ready = std::move(st); });
        EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
        if (!b) return nullptr;
        track((*b)->pid());
        EXPECT_TRUE(run_until([&] { return ready.has_value(); }));
        EXPECT_TRUE(ready && ready->ok()) << (ready && !ready->ok() ? ready->error().message : "");
        if (!ready || !ready->ok()) return nullptr;
        // The ready handler referenced a local: the object outlives this frame.
        return std::move(*b);
    }

    std::unique_ptr<browser::Page> open_page(browser::Browser& b,
                                             browser::PageOptions options = {}) {
        std::optional<core::Status> ready;
        auto page = browser::Page::open(b.devtools(), std::move(options),
                                        [&ready](core::Status st) { ready = std::move(st); });
        EXPECT_TRUE(run_until([&] { return ready.has_value(); }));
        EXPECT_TRUE(ready && ready->ok()) << (ready && !ready->ok() ? ready->error().message : "");
        if (!ready || !ready->ok()) return nullptr;
        return page;
    }

    // Evaluates expression every 100 ms until accept(value) or timeout; returns the last value,
    // accepted or not (kept for the failure message): callers assert the condition again.
    browser::Json poll_evaluate(browser::Page& page, const std::string& expression,
                                const std::function<bool(const browser::Json&)>& accept,
                                std::chrono::seconds timeout = std::chrono::seconds(30),
                                const std::string& session = {}) {
        browser::FrameContext in;
        in.session_id = session;
        return poll_evaluate(page, expression, accept, timeout, in);
    }

    // The same in one execution context (a same-origin iframe shares its parent's session).
    browser::Json poll_evaluate(browser::Page& page, const std::string& expression,
                                const std::function<bool(const browser::Json&)>& accept,
                                std::chrono::seconds timeout, const browser::FrameContext& in) {
        return poll_evaluate_at(
            [&page, &in] {
                return EvalTarget{&page, in};
            },
            expression, accept, timeout);
    }

    // Where poll_evaluate_at evaluates; no page: not yet (the poll waits).
    struct EvalTarget {
        browser::Page* page = nullptr;
        browser::FrameContext in;
    };

    // poll_evaluate in the page `target` names at each poll, not in one page held throughout:
    // an object that replaces its page (a meeting link that rejoins destroys the old one) must
    // not leave the poll evaluating in a destroyed page.
    browser::Json poll_evaluate_at(const std::function<EvalTarget()>& target,
                                   const std::string& expression,
                                   const std::function<bool(const browser::Json&)>& accept,
                                   std::chrono::seconds timeout) {
        // Shared with the evaluations' callbacks: an answer that comes after the poll returned,
        // or for an evaluation given up, only finds `finished` or an older serial.
        struct State {
            browser::Json last;
            bool done = false;
            bool finished = false;
            uint64_t serial = 0;  // of the evaluation in flight, if any
            bool in_flight = false;
            browser::Page* page = nullptr;  // where it went
            std::chrono::steady_clock::time_point sent;
            std::chrono::steady_clock::time_point next_at;
        };
        auto st = std::make_shared<State>();
        st->next_at = std::chrono::steady_clock::now();
        // An evaluation whose page went away never answers (a destroyed page drops its
        // callbacks), and a new page may take the old one's address: ask again after a while.
        constexpr auto kGiveUp = std::chrono::seconds(5);
        run_until(
            [&] {
                const EvalTarget where = target();
                const auto now = std::chrono::steady_clock::now();
                if (st->in_flight && (where.page != st->page || now - st->sent >= kGiveUp))
                    st->in_flight = false;
                if (where.page != nullptr && !st->in_flight && !st->done && now >= st->next_at) {
                    st->in_flight = true;
                    st->page = where.page;
                    st->sent = now;
                    const uint64_t serial = ++st->serial;
                    where.page->evaluate_in(
                        where.in, expression, [st, serial, &accept](core::Result<browser::Json> r) {
                            if (st->finished || serial != st->serial) return;
                            st->in_flight = false;
                            st->next_at =
                                std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
                            if (r.ok()) st->last = *r;
                            if (r.ok() && accept(st->last)) st->done = true;
                        });
                }
                return st->done;
            },
            timeout);
        st->finished = true;
        return st->last;
    }

    browser::TempDir profiles_;
    std::set<pid_t> seen_pids_;
    std::vector<std::string> extra_flags_;  // for the next launches
    std::string language_;                  // LaunchOptions::language of the next launches

    core::Status navigate(browser::Page& page, const std::string& url,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        std::optional<core::Status> done;
        page.navigate(url, [&done](core::Status st) { done = std::move(st); });
        if (!run_until([&] { return done.has_value(); }, timeout))
            return core::fail("navigation timed out");
        return std::move(*done);
    }

    core::Result<browser::Json> evaluate(browser::Page& page, const std::string& expression,
                                         const std::string& session = {}) {
        browser::FrameContext in;
        in.session_id = session;
        return evaluate(page, expression, in);
    }

    core::Result<browser::Json> evaluate(browser::Page& page, const std::string& expression,
                                         const browser::FrameContext& in) {
        std::optional<core::Result<browser::Json>> out;
        page.evaluate_in(in, expression,
                         [&out](core::Result<browser::Json> r) { out = std::move(r); });
        if (!run_until([&] { return out.has_value(); })) return core::fail("evaluate timed out");
        return std::move(*out);
    }
};

}  // namespace browser_test
