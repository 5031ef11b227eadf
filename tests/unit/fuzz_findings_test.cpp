// What the fuzz targets (tests/fuzz/, docs/security.md "Fuzzing") found, one test per finding,
// so each stays fixed without a fuzzer.
#include "api/gateway_api.hpp"
#include "api/http_request_reader.hpp"
#include "api/request_guard.hpp"
#include "browser/devtools_pipe.hpp"
#include "browser/page.hpp"
#include "core/config.hpp"
#include "sip/offer_answer.hpp"
#include "sip/sdp.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

namespace {

using namespace std::string_literals;

// fuzz_sdp: inet_pton stops at a NUL, so "10.0.0.5\0<junk>" passed as an IP literal; the junk
// then reached the answer, logs and udpsink, and our own SDP written back did not parse.
TEST(FuzzFindings, SdpConnectionAddressWithANulIsRefused) {
    EXPECT_TRUE(sip::is_ip_literal("10.0.0.5", "IP4"));
    EXPECT_FALSE(sip::is_ip_literal("10.0.0.5\0AS:2000"s, "IP4"));
    EXPECT_FALSE(sip::is_ip_literal("::1\0x"s, "IP6"));
    const std::string offer =
        "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\0\0\x02\x1e"
        "AS:2000\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"s;
    auto parsed = sip::parse_sdp(offer);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, sip::kSdpHostName);
    const auto n = sip::answer_offer(offer, {}, {"127.0.0.1", 20000, 20001, 20002, 20003},
                                     sip::SdpOrigin{1, 1});
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);
}

// The same inet_pton trap in the configuration (a TOML string may hold "\u0000") and in the
// API's Host check ("127.0.0.1\0.evil.example" counted as a local literal).
TEST(FuzzFindings, ConfigAndHostAddressesWithANulAreRefused) {
    EXPECT_FALSE(core::is_ip_address("127.0.0.1\0x"s));
    auto cfg =
        core::load_config_string("[sip]\nlisten = [\"udp:127.0.0.1\\u0000x:5060\"]\n", "nul.toml");
    EXPECT_FALSE(cfg.ok());
    EXPECT_FALSE(api::host_is_local_literal("127.0.0.1\0.evil.example"s));
    EXPECT_FALSE(api::host_is_local_literal("[::1\0]"s));
    EXPECT_TRUE(api::host_is_local_literal("127.0.0.1:8080"));
}

// A browser played by the test: what the gateway writes goes to /dev/null, answers are fed.
struct ScriptedBrowser {
    browser::DevToolsPipe pipe{browser::OwnedFd{}, browser::OwnedFd{::open("/dev/null", O_WRONLY)}};
    void feed(const browser::Json& msg) {
        std::string text = msg.dump();
        text.push_back('\0');
        (void)pipe.receive(text);
    }
    void answer(uint64_t id, const browser::Json& result) {
        feed({{"id", id}, {"result", result}});
    }
};

// fuzz_devtools: an "id" that is a float (1.8e19) was converted to uint64_t, which is undefined
// behaviour; a float id now answers nothing, an integer one still does.
TEST(FuzzFindings, DevToolsReplyWithAFloatIdAnswersNoCommand) {
    ScriptedBrowser b;
    int replies = 0;
    const uint64_t id = b.pipe.send("Browser.getVersion", browser::Json::object(),
                                    [&replies](const core::Result<browser::Json>&) { ++replies; });
    b.feed({{"id", 1.8446744073709552e19}, {"result", browser::Json::object()}});
    b.feed({{"id", static_cast<double>(id)}, {"result", browser::Json::object()}});
    EXPECT_EQ(replies, 0);
    EXPECT_EQ(b.pipe.pending(), 1U);
    b.answer(id, browser::Json::object());
    EXPECT_EQ(replies, 1);
}

// fuzz_devtools: the page measures its window for fit_viewport, and the page's scripts can
// redefine outerWidth; 1e300 was converted to int (undefined behaviour) and the window sized
// from it. Execution context ids that are not ints count as none.
TEST(FuzzFindings, PageNumbersFromTheBrowserOutsideIntAreRefused) {
    ScriptedBrowser b;
    bool ready = false;
    auto page =
        browser::Page::open(b.pipe, {}, [&ready](const core::Status& st) { ready = st.ok(); });
    b.answer(1, {{"targetId", "T1"}});
    b.answer(2, {{"sessionId", "S1"}});
    for (uint64_t id = 3; id <= 6; ++id) b.answer(id, browser::Json::object());
    ASSERT_TRUE(ready);

    std::optional<core::Status> fitted;
    page->fit_viewport(1280, 720, [&fitted](const core::Status& st) { fitted = st; });
    b.answer(7, {{"result", {{"type", "object"}, {"value", {1e300, 143}}}}});
    ASSERT_TRUE(fitted.has_value());
    EXPECT_FALSE(fitted->ok());
    EXPECT_EQ(b.pipe.pending(), 0U);  // no window sized from it

    b.feed({{"method", "Runtime.executionContextCreated"},
            {"params", {{"context", {{"id", 1e300}, {"auxData", {{"frameId", "T1"}}}}}}},
            {"sessionId", "S1"}});
    std::optional<browser::FrameContext> from;
    page->on_binding([&from](const std::string&, const std::string&,
                             const browser::FrameContext& c) { from = c; });
    b.feed({{"method", "Runtime.bindingCalled"},
            {"params", {{"name", "b"}, {"payload", "p"}, {"executionContextId", -1.5e300}}},
            {"sessionId", "S1"}});
    ASSERT_TRUE(from.has_value());
    EXPECT_EQ(from->context_id, 0);
    EXPECT_FALSE(page->context_alive(*from));
}

}  // namespace
