// Pre-loaded spares ([browser] preload, issue 13): a warm spare opens the default service's page
// before any call, brought to its pre-join step by the adapter's prejoin(), and the call joins
// there without loading the page again; a spare pre-loaded for another service, or whose
// pre-load failed, still serves a call, which then opens its own page. Real Chromium, the pool
// and gateway::MeetingLink, the pre-load made by gateway::spare_preload as the gateway makes it,
// and local pages that play the adapter contract (docs/services.md).
#include "gateway/meeting_page.hpp"
#include "meeting_link_fixture.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

namespace {

using browser::Json;

// Opens whatever page the test serves and pre-loads the given page (empty: nothing); the page
// defines its own window.sipmediagwAdapter after the injected one.
class PageAdapter final : public services::Adapter {
public:
    PageAdapter(std::string url, std::string origin, std::string preload)
        : url_(std::move(url)), origin_(std::move(origin)), preload_(std::move(preload)) {}
    [[nodiscard]] std::string_view name() const override { return "janus"; }
    [[nodiscard]] core::Result<std::string> join_url(
        const services::JoinRequest& /*request*/) const override {
        return url_;
    }
    [[nodiscard]] std::string preload_url() const override { return preload_; }
    [[nodiscard]] std::string permission_origin() const override { return origin_; }
    [[nodiscard]] std::set<services::Action> actions() const override { return {}; }
    [[nodiscard]] std::string join_options(const services::JoinRequest& r) const override {
        return Json{{"displayName", r.display_name}, {"room", r.room}}.dump();
    }

private:
    std::string url_;
    std::string origin_;
    std::string preload_;
};

// A meeting page: `prejoin` and `join` are the bodies of its async prejoin(o) and join(o).
// join() asks for media, so a joined call also proves the link works in that page.
std::string meeting_page(const std::string& prejoin, const std::string& join) {
    return R"HTML(<!doctype html><html><body><script>
window.__frames = 0;
async function media() {
  const s = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
  const v = document.createElement('video');
  v.muted = true; v.autoplay = true; v.srcObject = s; document.body.appendChild(v);
  const count = () => { window.__frames++; v.requestVideoFrameCallback(count); };
  v.requestVideoFrameCallback(count);
}
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
              {.join_timeout_s = 60, .wait_timeout_s = 300, .password = "", .language = "en"});
    }

    // Which load of its page the call's document is.
    int call_page_serial() {
        if (!link_ || link_->page() == nullptr) return -1;
        const Json n = poll_evaluate(*link_->page(), "window.__serial",
                                     [](const Json& v) { return v.is_number_integer(); });
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

std::string origin(const browser_test::HttpServer& http, const std::string& host) {
    return "http://" + host + ":" + std::to_string(http.port());
}

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
    http_.handle(
        "/m.html", [&](const std::string&) { return numbered(page, ++loads); }, "text/html");
    const std::string url = http_.url("127.0.0.1", "/m.html");
    PageAdapter adapter(url, origin(http_, "127.0.0.1"), url);
    pool_preloading_for(adapter);
    ASSERT_TRUE(spare_settled());
    EXPECT_EQ(loads.load(), 1);
    start_call(adapter);
    EXPECT_TRUE(joined_with_media()) << seen_.cause;
    EXPECT_EQ(seen_.joined, 1);
    EXPECT_EQ(call_page_serial(), 1) << "the call did not join in the spare's document";
    ASSERT_NE(link_->page(), nullptr);
    EXPECT_EQ(link_->page()->url(), url);
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
    http_.handle(
        "/a.html", [&](const std::string&) { return numbered(a_page, ++a_loads); }, "text/html");
    http_.handle(
        "/b.html", [&](const std::string&) { return numbered(b_page, ++b_loads); }, "text/html");
    const std::string a_url = http_.url("127.0.0.1", "/a.html");
    const std::string b_url = http_.url("localhost", "/b.html");
    PageAdapter service_a(a_url, origin(http_, "127.0.0.1"), a_url);
    PageAdapter service_b(b_url, origin(http_, "localhost"), b_url);
    pool_preloading_for(service_a);
    ASSERT_TRUE(spare_settled());
    EXPECT_EQ(a_loads.load(), 1);
    start_call(service_b);
    EXPECT_TRUE(joined_with_media()) << seen_.cause;
    EXPECT_EQ(seen_.joined, 1);
    EXPECT_EQ(b_loads.load(), 1);  // B is loaded by the call only (spares pre-load A)
    ASSERT_NE(link_->page(), nullptr);
    EXPECT_EQ(link_->page()->url(), b_url);
}

// A pre-load whose pre-join step fails leaves a spare that is still handed out: the call opens
// its own page (a second load) and joins there.
TEST_F(PreloadedSpareTest, SpareWhosePreloadFailedStillJoins) {
    std::atomic<int> loads{0};
    const std::string page = meeting_page("throw new Error('the service is not ready');",
                                          "await media(); return {joined: true};");
    http_.handle(
        "/m.html", [&](const std::string&) { return numbered(page, ++loads); }, "text/html");
    const std::string url = http_.url("127.0.0.1", "/m.html");
    PageAdapter adapter(url, origin(http_, "127.0.0.1"), url);
    pool_preloading_for(adapter);
    ASSERT_TRUE(spare_settled());
    start_call(adapter);
    EXPECT_TRUE(joined_with_media()) << seen_.cause;
    EXPECT_EQ(seen_.joined, 1);
    EXPECT_GT(call_page_serial(), 1) << "the call joined in the failed pre-load's document";
}

}  // namespace
