// Pre-loaded spares ([browser] preload, issue 13): a warm spare opens the default service's page
// before any call, brought to its pre-join step by the adapter's prejoin(), and the call joins
// there without loading the page again; a spare pre-loaded for another service, or whose
// pre-load failed, still serves a call, which then opens its own page. Real Chromium, the pool
// and gateway::MeetingLink, the pre-load made by gateway::spare_preload as the gateway makes it,
// and local pages that play the adapter contract (docs/services.md).
#include "gateway/meeting_page.hpp"
#include "meeting_link_fixture.hpp"
#include "page_adapter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

namespace {

using browser::Json;
using browser_test::PageAdapter;

// A meeting page: `prejoin` and `join` are the bodies of its async prejoin(o) and join(o).
// join() asks for media, so a joined call also proves the link works in that page.
std::string meeting_page(const std::string& prejoin, const std::string& join) {
    return std::string("<!doctype html><html><body><script>") + browser_test::kPageMediaScript +
           R"HTML(
window.sipmediagwAdapter = {
  prejoin: async (o) => { )HTML" +
           prejoin + R"HTML( },
  join: async (o) => { )HTML" +
           join + R"HTML( },
  leave: async () => true,
  action: async () => ({}),
  participantCount: () => 1,
};
</script></body></html>)HTML";
}

// The page with the number of its load (the pool's replacement spare loads it too, so a count
// alone does not tell whose document the call joined in).
std::string numbered(const std::string& page, int n) {
    std::string out = page;
    out.insert(out.find("<body>") + 6,
               "<script>window.__serial = " + std::to_string(n) + ";</script>");
    return out;
}

class PreloadedSpareTest : public browser_test::MeetingLinkFixture {
protected:
    // Replaces the fixture's pool by one with a spare pre-loaded for `preload_for`.
    void pool_preloading_for(const services::Adapter& preload_for) {
        pool_.reset();
        core::Config config;
        config.service.join_timeout_s = 60;
        auto preload = gateway::spare_preload(config, preload_for);
        ASSERT_TRUE(preload.has_value()) << "no pre-load for " << preload_for.preload_url();
        browser::PoolOptions o;
        o.launch = launch_options();
        o.spares = 1;
        o.preload = std::move(*preload);
        pool_ = std::make_unique<browser::Pool>(o);
        pool_->start();
        for (const pid_t pid : pool_->pids()) track(pid);
    }

    // The spare is ready and its pre-load over (done or failed).
    bool spare_settled() {
        return wait_for([&] {
            for (const pid_t pid : pool_->pids()) track(pid);
            return pool_->ready_count() == 1 && pool_->preloading_count() == 0;
        });
    }

    void start_call(const services::Adapter& adapter) {
        start(adapter, services::JoinRequest{"1234", "Caller (SIP)", {}},
              browser_test::test_join_settings());
    }

    // Serves `page` at `path`, each load numbered (numbered()) and counted in `loads`.
    void serve_numbered(const std::string& path, const std::string& page, std::atomic<int>& loads) {
        http_.handle(
            path, [&loads, page](const std::string&) { return numbered(page, ++loads); },
            "text/html");
    }

    // A service whose page, also the one its spares pre-load, is `path` on `host`.
    PageAdapter service_at(const std::string& host, const std::string& path) {
        const std::string url = http_.url(host, path);
        return {url, browser_test::page_origin(http_, host), Json::object(), url};
    }

    // Which load of its page the call's document is.
    int call_page_serial() {
        if (!link_ || link_->page() == nullptr) return -1;
        // In the link's page as it is at each poll (a rejoin destroys the old one).
        const Json n = poll_evaluate_at(
            [this] {
                return EvalTarget{link_ ? link_->page() : nullptr, {}};
            },
            "window.__serial", [](const Json& v) { return v.is_number_integer(); },
            std::chrono::seconds(30));
        return n.is_number_integer() ? n.get<int>() : -1;
    }

    bool joined_with_media() {
        return wait_for([&] { return seen_.joined > 0 || seen_.end; }) && !seen_.end &&
               wait_for([&] {
                   return link_->bridge() != nullptr &&
                          link_->bridge()->stats().video_frames_from_page >= 10;
               });
    }
};

// The call joins in the page the spare loaded and brought to its pre-join step: its document
// is the spare's (the first load of the page), join() runs where prejoin() ran and gets the
// room, and the link's media flows there.
TEST_F(PreloadedSpareTest, PreloadedSpareJoinsInPlaceWithoutLoadingThePageAgain) {
    std::atomic<int> loads{0};
    const std::string page =
        meeting_page("window.__prejoined = true; return {joinsInPlace: true};",
                     "if (!window.__prejoined) throw new Error('join() in a page not pre-joined');"
                     "if (o.room !== '1234') throw new Error('room ' + o.room);"
                     "await media(); return {joined: true};");
    serve_numbered("/m.html", page, loads);
    const PageAdapter adapter = service_at("127.0.0.1", "/m.html");
    pool_preloading_for(adapter);
    ASSERT_TRUE(spare_settled());
    EXPECT_EQ(loads.load(), 1);
    start_call(adapter);
    EXPECT_TRUE(joined_with_media()) << seen_.cause;
    EXPECT_EQ(seen_.joined, 1);
    EXPECT_EQ(call_page_serial(), 1) << "the call did not join in the spare's document";
    ASSERT_NE(link_->page(), nullptr);
    EXPECT_EQ(link_->page()->url(), http_.url("127.0.0.1", "/m.html"));
}

// A spare pre-loaded for service A serves a call for service B: A's page is closed unused
// (its join() would refuse) and B's page opens and joins as without a pre-load.
TEST_F(PreloadedSpareTest, SparePreloadedForAnotherServiceStillJoins) {
    std::atomic<int> a_loads{0};
    std::atomic<int> b_loads{0};
    const std::string a_page = meeting_page("return {joinsInPlace: true};",
                                            "throw new Error('the call joined in service A');");
    const std::string b_page = meeting_page(
        "throw new Error('B was never to be pre-loaded');",
        "if (location.pathname !== '/b.html') throw new Error('join() in ' + location.href);"
        "await media(); return {joined: true};");
    serve_numbered("/a.html", a_page, a_loads);
    serve_numbered("/b.html", b_page, b_loads);
    const PageAdapter service_a = service_at("127.0.0.1", "/a.html");
    const PageAdapter service_b = service_at("localhost", "/b.html");
    pool_preloading_for(service_a);
    ASSERT_TRUE(spare_settled());
    EXPECT_EQ(a_loads.load(), 1);
    start_call(service_b);
    EXPECT_TRUE(joined_with_media()) << seen_.cause;
    EXPECT_EQ(seen_.joined, 1);
    EXPECT_EQ(b_loads.load(), 1);  // B is loaded by the call only (spares pre-load A)
    ASSERT_NE(link_->page(), nullptr);
    EXPECT_EQ(link_->page()->url(), http_.url("localhost", "/b.html"));
}

// A pre-load whose pre-join step fails leaves a spare that is still handed out: the call opens
// its own page (a second load) and joins there.
TEST_F(PreloadedSpareTest, SpareWhosePreloadFailedStillJoins) {
    std::atomic<int> loads{0};
    const std::string page = meeting_page("throw new Error('the service is not ready');",
                                          "await media(); return {joined: true};");
    serve_numbered("/m.html", page, loads);
    const PageAdapter adapter = service_at("127.0.0.1", "/m.html");
    pool_preloading_for(adapter);
    ASSERT_TRUE(spare_settled());
    start_call(adapter);
    EXPECT_TRUE(joined_with_media()) << seen_.cause;
    EXPECT_EQ(seen_.joined, 1);
    EXPECT_GT(call_page_serial(), 1) << "the call joined in the failed pre-load's document";
}

}  // namespace
