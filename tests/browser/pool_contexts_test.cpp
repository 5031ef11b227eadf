// The pool with calls_per_browser > 1: calls share a Chromium, each in a browser context of its
// own. What a call must still have alone: its storage and permissions, its renderers (a crash
// there ends that call only), and a context that goes when the call does.
#include "browser/pool.hpp"
#include "browser_fixture.hpp"
#include "http_server.hpp"
#include "process_probe.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>

namespace {

using browser::Json;

class PoolContextsTest : public browser_test::BrowserFixture {
protected:
    browser::PoolOptions shared_options(uint32_t calls_per_browser) {
        browser::PoolOptions o;
        o.launch = launch_options();
        o.spares = 1;
        o.calls_per_browser = calls_per_browser;
        return o;
    }
    void track_pool(const browser::Pool& pool) {
        for (const pid_t pid : pool.pids()) track(pid);
    }
    // A call's browser, as the gateway gets it: a warm spare.
    std::unique_ptr<browser::Browser> take_warm(browser::Pool& pool) {
        EXPECT_TRUE(run_until([&] {
            track_pool(pool);
            return pool.ready_count() >= 1;
        }));
        auto b = pool.take();
        EXPECT_TRUE(b);
        if (b) track(b->pid());
        return b;
    }
    std::unique_ptr<browser::Page> open_in(browser::Browser& b) {
        browser::PageOptions o;
        o.browser_context_id = b.context_id();
        return open_page(b, std::move(o));
    }
    // The value, or null when the evaluation failed.
    Json value_of(browser::Page& page, const std::string& expression) {
        auto r = evaluate(page, expression);
        return r.ok() ? *r : Json();
    }
    std::vector<std::string> contexts_of(browser::Browser& b) {
        std::optional<core::Result<Json>> got;
        b.devtools().send("Target.getBrowserContexts", Json::object(),
                          [&](core::Result<Json> r) { got = std::move(r); });
        EXPECT_TRUE(run_until([&] { return got.has_value(); }));
        if (!got || !got->ok()) return {};
        return (**got)["browserContextIds"].get<std::vector<std::string>>();
    }

    browser_test::HttpServer http_;
    std::string url() { return "http://127.0.0.1:" + std::to_string(http_.port()) + "/"; }
};

TEST_F(PoolContextsTest, TwoCallsShareABrowserInSeparateContexts) {
    http_.add("/", "<html><body>call</body></html>");
    browser::Pool pool(shared_options(2));
    pool.start();
    auto a = take_warm(pool);
    auto b = take_warm(pool);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->pid(), b->pid());
    EXPECT_FALSE(a->context_id().empty());
    EXPECT_FALSE(b->context_id().empty());
    EXPECT_NE(a->context_id(), b->context_id());

    auto pa = open_in(*a);
    auto pb = open_in(*b);
    ASSERT_TRUE(pa && pb);
    ASSERT_TRUE(navigate(*pa, url()).ok());
    ASSERT_TRUE(navigate(*pb, url()).ok());
    // Same origin, two calls: neither sees the other's storage or cookies.
    ASSERT_TRUE(
        evaluate(*pa, "localStorage.setItem('who', 'a'); document.cookie = 'who=a'; 1").ok());
    auto seen = evaluate(*pb, "String(localStorage.getItem('who')) + '|' + document.cookie");
    ASSERT_TRUE(seen.ok()) << seen.error().message;
    EXPECT_EQ(*seen, "null|");
    // Permissions are per context too: granted to a, not to b.
    std::optional<core::Status> granted;
    a->grant_permissions(url().substr(0, url().size() - 1),
                         [&](core::Status st) { granted = std::move(st); });
    ASSERT_TRUE(run_until([&] { return granted.has_value(); }));
    ASSERT_TRUE(granted->ok()) << granted->error().message;
    const std::string query = "navigator.permissions.query({name: 'camera'}).then((p) => p.state)";
    EXPECT_EQ(value_of(*pa, query), "granted");
    EXPECT_NE(value_of(*pb, query), "granted");

    // The browser has served its two calls: the next call gets another one.
    auto c = take_warm(pool);
    ASSERT_TRUE(c);
    EXPECT_NE(c->pid(), a->pid());
}

TEST_F(PoolContextsTest, ACrashedRendererEndsOnlyItsCall) {
    http_.add("/", "<html><body>call</body></html>");
    browser::Pool pool(shared_options(2));
    pool.start();
    auto a = take_warm(pool);
    auto b = take_warm(pool);
    ASSERT_TRUE(a && b);
    ASSERT_EQ(a->pid(), b->pid());
    std::optional<std::string> a_lost;
    std::optional<std::string> b_lost;
    a->on_failure([&](const std::string& c) { a_lost = c; });
    b->on_failure([&](const std::string& c) { b_lost = c; });
    auto pa = open_in(*a);
    auto pb = open_in(*b);
    ASSERT_TRUE(pa && pb);
    ASSERT_TRUE(navigate(*pa, url()).ok());
    ASSERT_TRUE(navigate(*pb, url()).ok());
    std::optional<std::string> pa_crash;
    pa->on_crash([&](const std::string& c) { pa_crash = c; });

    // A real renderer crash (the process dies), in a's context only.
    pa->command("Page.crash", Json::object(), [](const core::Result<Json>&) {});
    ASSERT_TRUE(run_until([&] { return a_lost.has_value() && pa_crash.has_value(); }))
        << a_lost.value_or("-") << " / " << pa_crash.value_or("-");
    EXPECT_NE(a_lost->find("crashed"), std::string::npos) << *a_lost;
    EXPECT_TRUE(a->failed());
    // b goes on in the same browser.
    auto r = evaluate(*pb, "document.body.textContent");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, "call");
    EXPECT_FALSE(b_lost.has_value()) << *b_lost;
    EXPECT_FALSE(b->failed());
    pa.reset();
    a.reset();
}

TEST_F(PoolContextsTest, AKilledBrowserEndsEveryCallInItAndIsReplaced) {
    browser::Pool pool(shared_options(3));
    pool.start();
    auto a = take_warm(pool);
    auto b = take_warm(pool);
    ASSERT_TRUE(a && b);
    ASSERT_EQ(a->pid(), b->pid());
    const pid_t victim = a->pid();
    std::optional<std::string> a_lost;
    std::optional<std::string> b_lost;
    a->on_failure([&](const std::string& c) { a_lost = c; });
    b->on_failure([&](const std::string& c) { b_lost = c; });
    // The third context of that browser waits as the pool's spare.
    ASSERT_TRUE(run_until([&] { return pool.ready_count() == 1; }));
    ::kill(victim, SIGKILL);
    ASSERT_TRUE(run_until([&] { return a_lost.has_value() && b_lost.has_value(); }));
    EXPECT_TRUE(a->failed() && b->failed());
    // The spare died with it; the pool starts another browser.
    ASSERT_TRUE(run_until([&] {
        track_pool(pool);
        const auto pids = pool.pids();
        return pool.ready_count() == 1 && !pids.empty() && pids.front() != victim;
    }));
    auto c = pool.take();
    ASSERT_TRUE(c);
    EXPECT_NE(c->pid(), victim);
    auto pc = open_in(*c);
    ASSERT_TRUE(pc);
    EXPECT_EQ(value_of(*pc, "1+1"), 2);
    a.reset();
    b.reset();
    ASSERT_TRUE(run_until([&] { return browser_test::process_group_members(victim).empty(); }));
}

TEST_F(PoolContextsTest, ACallsContextIsDisposedWhenItEnds) {
    http_.add("/", "<html><body>call</body></html>");
    browser::Pool pool(shared_options(3));
    pool.start();
    auto a = take_warm(pool);
    auto b = take_warm(pool);
    ASSERT_TRUE(a && b);
    ASSERT_EQ(a->pid(), b->pid());
    auto pa = open_in(*a);
    ASSERT_TRUE(pa);
    ASSERT_TRUE(navigate(*pa, url()).ok());
    const std::string gone = a->context_id();
    auto before = contexts_of(*b);
    EXPECT_EQ(std::count(before.begin(), before.end(), gone), 1);
    pa.reset();
    a.reset();
    // Disposed, pages and all; the browser keeps serving b.
    bool disposed = false;
    for (int i = 0; i < 300 && !disposed; ++i) {
        const auto now = contexts_of(*b);
        disposed = !now.empty() && std::count(now.begin(), now.end(), gone) == 0;
        if (!disposed) run_until([] { return false; }, std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(disposed);
    auto pb = open_in(*b);
    ASSERT_TRUE(pb);
    EXPECT_EQ(value_of(*pb, "1+1"), 2);
}

}  // namespace
