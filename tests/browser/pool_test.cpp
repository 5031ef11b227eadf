// The pool: warm spares, hand-out and refill, and every way a browser dies being noticed.
#include "browser/pool.hpp"
#include "browser_fixture.hpp"
#include "process_probe.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace {

using browser::Json;

class PoolTest : public browser_test::BrowserFixture {
protected:
    browser::PoolOptions pool_options(uint32_t spares) {
        browser::PoolOptions o;
        o.launch = launch_options();
        o.spares = spares;
        o.calls_per_browser = 1;  // a browser per call (shared ones: pool_contexts_test.cpp)
        return o;
    }
    void track_pool(const browser::Pool& pool) {
        for (const pid_t pid : pool.pids()) track(pid);
    }
    // One spare whose replacement is held `ms` after the hand-out at most.
    browser::PoolOptions holding(uint32_t ms) {
        auto o = pool_options(1);
        o.refill_hold_ms = ms;
        return o;
    }
    // Starts the pool, waits for its one spare and takes it.
    std::unique_ptr<browser::Browser> take_warm(browser::Pool& pool) {
        pool.start();
        track_pool(pool);
        if (!run_until([&] { return pool.ready_count() == 1; })) return nullptr;
        return pool.take();
    }
    bool refilled(const browser::Pool& pool) {
        return run_until([&] {
            track_pool(pool);
            return pool.ready_count() == 1;
        });
    }
};

// Renderer processes of a browser: its process group members started with --type=renderer.
std::vector<pid_t> renderers_of(pid_t browser_pid) {
    std::vector<pid_t> out;
    for (const pid_t pid : browser_test::process_group_members(browser_pid)) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
        std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmd.find("--type=renderer") != std::string::npos) out.push_back(pid);
    }
    return out;
}

TEST_F(PoolTest, WarmSparesAreHandedOutOnceAndRefilled) {
    browser::Pool pool(pool_options(2));
    pool.start();
    track_pool(pool);
    ASSERT_TRUE(run_until([&] { return pool.ready_count() == 2; }));
    const auto before = pool.pids();

    auto b = pool.take();
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->ready());
    EXPECT_EQ(pool.ready_count(), 1U);
    // Handed out means gone from the pool: it is never given to a second call.
    const auto after_take = pool.pids();
    EXPECT_EQ(std::count(after_take.begin(), after_take.end(), b->pid()), 0);

    ASSERT_TRUE(run_until([&] { return pool.ready_count() == 2; }));
    track_pool(pool);
    const auto refilled = pool.pids();
    EXPECT_EQ(std::count(refilled.begin(), refilled.end(), b->pid()), 0);

    // The handed-out browser works.
    auto page = open_page(*b);
    ASSERT_TRUE(page);
    auto r = evaluate(*page, "1+1");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, 2);
}

TEST_F(PoolTest, TakenSpareIsReplacedOnlyOnceItsCallSettled) {
    browser::Pool pool(holding(60000));
    auto b = take_warm(pool);
    ASSERT_TRUE(b);
    EXPECT_EQ(pool.held_count(), 1U);
    // The join has the CPU: no replacement starts while it runs.
    bool window = false;
    core::Timer end;
    end.start(300, [&] { window = true; });
    ASSERT_TRUE(run_until([&] { return window; }));
    EXPECT_EQ(pool.starting_count() + pool.ready_count(), 0U);

    // A call that arrives meanwhile is not made to wait for the hold: it gets a browser started
    // for it, and still no spare is started besides.
    std::optional<core::Result<std::unique_ptr<browser::Browser>>> got;
    pool.acquire([&](core::Result<std::unique_ptr<browser::Browser>> r) { got = std::move(r); });
    EXPECT_EQ(pool.starting_count(), 0U);  // started off the caller's stack
    ASSERT_TRUE(run_until([&] {
        track_pool(pool);
        return got.has_value();
    }));
    ASSERT_TRUE(got->ok()) << got->error().message;
    EXPECT_EQ(pool.held_count(), 1U);  // a cold start took no spare
    EXPECT_EQ(pool.starting_count() + pool.ready_count(), 0U);

    b->release_refill_hold("test: settled");
    EXPECT_EQ(pool.held_count(), 0U);
    ASSERT_TRUE(refilled(pool));
    b->release_refill_hold("test: twice");  // released once only
    EXPECT_EQ(pool.held_count(), 0U);
}

TEST_F(PoolTest, RefillHoldEndsWithTheBrowserOrAfterItsTime) {
    {
        browser::Pool pool(holding(60000));
        auto b = take_warm(pool);
        ASSERT_TRUE(b);
        EXPECT_EQ(pool.held_count(), 1U);
        b.reset();  // the call ended before it settled
        EXPECT_EQ(pool.held_count(), 0U);
        ASSERT_TRUE(refilled(pool));
    }
    browser::Pool pool(holding(500));
    auto b = take_warm(pool);
    ASSERT_TRUE(b);
    ASSERT_TRUE(refilled(pool));
    EXPECT_EQ(pool.held_count(), 0U);
    b->release_refill_hold("test: after its time");  // nothing left to release
    EXPECT_EQ(pool.starting_count() + pool.ready_count(), 1U);
}

TEST_F(PoolTest, WithoutSparesAcquireStartsOne) {
    browser::Pool pool(pool_options(0));
    pool.start();
    EXPECT_EQ(pool.starting_count(), 0U);
    EXPECT_EQ(pool.take(), nullptr);
    std::optional<core::Result<std::unique_ptr<browser::Browser>>> got;
    pool.acquire([&](core::Result<std::unique_ptr<browser::Browser>> b) { got = std::move(b); });
    ASSERT_TRUE(run_until([&] {
        track_pool(pool);
        return got.has_value();
    }));
    ASSERT_TRUE(got->ok()) << got->error().message;
    EXPECT_TRUE((**got)->ready());
    EXPECT_EQ(pool.ready_count() + pool.starting_count(), 0U);
}

TEST_F(PoolTest, KilledRendererIsReportedToTheOwner) {
    browser::Pool pool(pool_options(1));
    pool.start();
    track_pool(pool);
    ASSERT_TRUE(run_until([&] { return pool.ready_count() == 1; }));
    auto b = pool.take();
    ASSERT_TRUE(b);
    std::optional<std::string> cause;
    b->on_failure([&](const std::string& c) { cause = c; });
    auto page = open_page(*b);
    ASSERT_TRUE(page);
    std::optional<std::string> page_cause;
    page->on_crash([&](const std::string& c) { page_cause = c; });
    ASSERT_TRUE(evaluate(*page, "1").ok());
    const auto renderers = renderers_of(b->pid());
    ASSERT_FALSE(renderers.empty());
    for (const pid_t r : renderers) ::kill(r, SIGKILL);
    run_until([&] { return cause.has_value() && page_cause.has_value(); }, std::chrono::seconds(5));
    ASSERT_TRUE(cause.has_value() && page_cause.has_value())
        << cause.value_or("-") << " / " << page_cause.value_or("-")
        << " renderers=" << renderers.size();
    EXPECT_NE(cause->find("crashed"), std::string::npos) << *cause;
    EXPECT_TRUE(b->failed());
    page.reset();
    b.reset();
    track_pool(pool);
}

TEST_F(PoolTest, KilledSpareIsReportedAndReplaced) {
    browser::Pool pool(pool_options(1));
    std::vector<std::pair<pid_t, std::string>> failures;
    pool.on_spare_failure([&](pid_t pid, const std::string& c) { failures.emplace_back(pid, c); });
    pool.start();
    track_pool(pool);
    ASSERT_TRUE(run_until([&] { return pool.ready_count() == 1; }));
    const pid_t victim = pool.pids().at(0);
    ::kill(victim, SIGKILL);
    ASSERT_TRUE(run_until([&] { return !failures.empty(); }));
    EXPECT_EQ(failures[0].first, victim);
    // Whichever was seen first: the pipe's EOF or the process exit.
    EXPECT_TRUE(failures[0].second.find("signal 9") != std::string::npos ||
                failures[0].second.find("pipe") != std::string::npos)
        << failures[0].second;
    ASSERT_TRUE(run_until([&] {
        track_pool(pool);
        return pool.ready_count() == 1;
    }));
    EXPECT_NE(pool.pids().at(0), victim);
    // The dead browser's helpers went with it.
    ASSERT_TRUE(run_until([&] { return browser_test::process_group_members(victim).empty(); }));
}

TEST_F(PoolTest, HungBrowserIsDetectedByTheHeartbeat) {
    auto options = pool_options(1);
    options.health.heartbeat_interval_ms = 200;
    options.health.heartbeat_timeout_ms = 1000;
    browser::Pool pool(options);
    pool.start();
    track_pool(pool);
    ASSERT_TRUE(run_until([&] { return pool.ready_count() == 1; }));
    auto b = pool.take();
    ASSERT_TRUE(b);
    std::optional<std::string> cause;
    b->on_failure([&](const std::string& c) { cause = c; });
    // A stopped process keeps its pipe open and never exits: only the heartbeat can tell.
    ::kill(b->pid(), SIGSTOP);
    ASSERT_TRUE(run_until([&] { return cause.has_value(); }));
    EXPECT_NE(cause->find("heartbeat"), std::string::npos) << *cause;
    b.reset();
    track_pool(pool);
}

// A page stuck in script: its browser still answers its heartbeat, the page's own does not.
TEST_F(PoolTest, PageStuckInScriptIsReported) {
    browser::Pool pool(pool_options(1));
    pool.start();
    track_pool(pool);
    ASSERT_TRUE(run_until([&] { return pool.ready_count() == 1; }));
    auto b = pool.take();
    ASSERT_TRUE(b);
    browser::PageOptions options;
    options.heartbeat_interval_ms = 200;
    options.heartbeat_timeout_ms = 1000;
    auto page = open_page(*b, options);
    ASSERT_TRUE(page);
    std::optional<std::string> cause;
    page->on_crash([&](const std::string& c) { cause = c; });
    // Still healthy after several heartbeats.
    const auto healthy_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    run_until(
        [&] { return cause.has_value() || std::chrono::steady_clock::now() > healthy_until; });
    ASSERT_FALSE(cause.has_value()) << *cause;
    page->evaluate("setTimeout(() => { for (;;) {} }, 0); 1", [](const core::Result<Json>&) {});
    ASSERT_TRUE(run_until([&] { return cause.has_value(); }));
    EXPECT_NE(cause->find("not responding"), std::string::npos) << *cause;
    EXPECT_FALSE(b->failed());  // the browser itself is fine
    page.reset();
    b.reset();
}

// A "browser" that starts but never answers: the start timeout catches it, the pool retries,
// and after give_up_after failures in a row a waiting caller gets the reason.
TEST_F(PoolTest, BrowserThatNeverAnswersFailsTheStartAndTheWaiter) {
    auto bin = browser::TempDir::create("", "sipmediagw-fake-browser-");
    ASSERT_TRUE(bin.ok());
    const std::string script = bin->path() + "/silent-browser";
    {
        std::ofstream out(script);
        out << "#!/bin/sh\nexec sleep 600\n";
    }
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    auto options = pool_options(0);
    options.launch.executable = script;
    options.health.start_timeout_ms = 1000;
    options.retry_delay_ms = 50;
    options.give_up_after = 2;
    browser::Pool pool(options);
    std::vector<std::string> causes;
    pool.on_spare_failure([&](pid_t, const std::string& c) { causes.push_back(c); });
    pool.start();
    std::optional<core::Result<std::unique_ptr<browser::Browser>>> got;
    pool.acquire([&](core::Result<std::unique_ptr<browser::Browser>> b) { got = std::move(b); });
    ASSERT_TRUE(run_until([&] {
        track_pool(pool);
        return got.has_value();
    }));
    ASSERT_FALSE(got->ok());
    EXPECT_NE(got->error().message.find("no DevTools answer within 1000 ms"), std::string::npos)
        << got->error().message;
    ASSERT_GE(causes.size(), 2U);
    EXPECT_NE(causes[0].find("no DevTools answer"), std::string::npos) << causes[0];
}

}  // namespace
