// Pages: injection before page scripts in every frame (cross-origin iframes too), bindings,
// evaluation, navigation errors and permissions, against real Chromium and a local HTTP server.
#include "browser_fixture.hpp"
#include "http_server.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <cctype>
#include <map>

namespace {

using browser::Json;

class PageTest : public browser_test::BrowserFixture {};

// What a page script sees at parse time is reported through the binding.
const char* kReport = R"(<script>
smgwReport(JSON.stringify({frame: FRAME, marker: window.__smgwMarker || null,
                           origin: location.origin}));
</script>)";

std::string report_page(const std::string& frame, const std::string& extra = {}) {
    std::string s = kReport;
    s.replace(s.find("FRAME"), 5, "'" + frame + "'");
    return "<!doctype html><html><body>" + s + extra + "</body></html>";
}

TEST_F(PageTest, ScriptInjectedBeforePageScriptsInMainFrameAndCrossOriginIframe) {
    browser_test::HttpServer http;
    http.add("/frame.html", report_page("child"));
    http.add("/index.html",
             report_page("main",
                         "<iframe src=\"" + http.url("localhost", "/frame.html") + "\"></iframe>"));
    auto b = launch_ready();
    ASSERT_TRUE(b);
    browser::PageOptions options;
    options.scripts = {"window.__smgwMarker = 'injected:' + location.host;"};
    options.bindings = {"smgwReport"};
    auto page = open_page(*b, options);
    ASSERT_TRUE(page);
    std::map<std::string, Json> reports;
    std::map<std::string, std::string> sessions;
    page->on_binding([&](const std::string& name, const std::string& payload,
                         const browser::FrameContext& from) {
        if (name != "smgwReport") return;
        Json r = Json::parse(payload);
        const std::string frame = r["frame"];
        sessions[frame] = from.session_id;
        reports[frame] = std::move(r);
    });
    ASSERT_TRUE(navigate(*page, http.url("127.0.0.1", "/index.html")).ok());
    ASSERT_TRUE(run_until([&] { return reports.size() == 2; }));
    const std::string port = std::to_string(http.port());
    EXPECT_EQ(reports["main"]["marker"], "injected:127.0.0.1:" + port);
    EXPECT_EQ(reports["child"]["marker"], "injected:localhost:" + port);
    // The iframe is another site, so it ran in its own renderer, reached through auto-attach.
    EXPECT_EQ(sessions["main"], page->session_id());
    EXPECT_NE(sessions["child"], page->session_id());
    EXPECT_GE(page->frame_sessions(), 1U);
}

TEST_F(PageTest, BindingRoundTripPageToGatewayAndBack) {
    auto b = launch_ready();
    ASSERT_TRUE(b);
    browser::PageOptions options;
    options.bindings = {"smgwSignal"};
    auto page = open_page(*b, options);
    ASSERT_TRUE(page);
    browser::Page* p = page.get();
    page->on_binding(
        [p](const std::string&, const std::string& payload, const browser::FrameContext& from) {
            p->evaluate_in(from, "window.__answer(" + Json(payload + "-back").dump() + ")",
                           [](core::Result<Json>) {});
        });
    auto r = evaluate(*page, "new Promise(r => { window.__answer = r; smgwSignal('ping'); })");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, "ping-back");
}

TEST_F(PageTest, ExceptionIsAnErrorValue) {
    auto b = launch_ready();
    ASSERT_TRUE(b);
    auto page = open_page(*b);
    ASSERT_TRUE(page);
    auto r = evaluate(*page, "(() => { throw new Error('boom'); })()");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("boom"), std::string::npos) << r.error().message;
    auto rejected = evaluate(*page, "Promise.reject(new Error('nope'))");
    ASSERT_FALSE(rejected.ok());
    EXPECT_NE(rejected.error().message.find("nope"), std::string::npos);
}

TEST_F(PageTest, NavigationToAClosedPortIsAnError) {
    // A port that was just free: bound, read back, closed.
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(s);
    auto b = launch_ready();
    ASSERT_TRUE(b);
    auto page = open_page(*b);
    ASSERT_TRUE(page);
    auto st = navigate(*page, "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/");
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("ERR_CONNECTION_REFUSED"), std::string::npos)
        << st.error().message;
}

TEST_F(PageTest, GrantedPermissionsAreSeenByThePage) {
    browser_test::HttpServer http;
    http.add("/", "<!doctype html><title>p</title>");
    auto b = launch_ready();
    ASSERT_TRUE(b);
    auto page = open_page(*b);
    ASSERT_TRUE(page);
    ASSERT_TRUE(navigate(*page, http.url("127.0.0.1", "/")).ok());
    const std::string query =
        "Promise.all(['camera', 'microphone'].map(n => navigator.permissions.query({name: n})"
        ".then(s => s.state)))";
    auto before = evaluate(*page, query);
    ASSERT_TRUE(before.ok()) << before.error().message;
    EXPECT_EQ((*before)[0], "prompt");
    std::optional<core::Status> granted;
    b->grant_permissions("http://127.0.0.1:" + std::to_string(http.port()),
                         [&](core::Status st) { granted = std::move(st); });
    ASSERT_TRUE(run_until([&] { return granted.has_value(); }));
    ASSERT_TRUE(granted->ok()) << granted->error().message;
    auto after = evaluate(*page, query);
    ASSERT_TRUE(after.ok()) << after.error().message;
    EXPECT_EQ(*after, Json::array({"granted", "granted"}));
}

// [ivr] language reaches the browser: the page's navigator.language and the Accept-Language a
// service sees (Greenlight picks its texts from it) are French, as the adapters then expect.
TEST_F(PageTest, ConfiguredLanguageIsThePagesLanguageAndAcceptLanguage) {
    language_ = "fr";
    browser_test::HttpServer http;
    http.add("/index.html", "<!doctype html><title>x</title>");
    auto b = launch_ready();
    ASSERT_TRUE(b);
    auto page = open_page(*b);
    ASSERT_TRUE(page);
    ASSERT_TRUE(navigate(*page, http.url("127.0.0.1", "/index.html")).ok());
    auto lang = evaluate(*page, "navigator.language");
    ASSERT_TRUE(lang.ok()) << lang.error().message;
    EXPECT_EQ(lang->get<std::string>().substr(0, 2), "fr") << lang->dump();
    std::string head = http.last_request("/index.html");
    for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const auto at = head.find("accept-language: ");
    ASSERT_NE(at, std::string::npos) << head;
    EXPECT_EQ(head.substr(at + 17, 2), "fr") << head;
}

}  // namespace
