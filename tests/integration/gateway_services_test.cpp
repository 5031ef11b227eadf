// Issue 9, several services per gateway with real SIP callers: a room prefix (baresip dials
// sip:bbb.1234@gw), the dialled domain (sipp sends sip:5678@jitsi.example.org), the launcher's
// prefix and service, and the IVR's service menu typed by RFC 4733. The services point at a
// loopback port that accepts and never answers: these tests prove the choice (the gateway's
// "join ... service=" line and the API view), not a meeting.
#include "file_server.hpp"
#include "gateway_fixture.hpp"
#include "support/http_client.hpp"
#include "support/ports.hpp"

#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace testsupport {
namespace {

// A TCP port on 127.0.0.1 that completes handshakes (the kernel's backlog) and never answers:
// a meeting page or API that hangs, so a joining call stays "joining" while the test looks.
class SilentPort {
public:
    SilentPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
            ::listen(fd_, 64) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("cannot open a silent port");
        port_ = ntohs(a.sin_port);
    }
    ~SilentPort() { ::close(fd_); }
    SilentPort(const SilentPort&) = delete;
    SilentPort& operator=(const SilentPort&) = delete;
    [[nodiscard]] std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }

private:
    int fd_;
    uint16_t port_ = 0;
};

class GatewayServices : public GatewayTest {
protected:
    // janus (default, IVR key 1), bbb (prefix "bbb", IVR key 2, bbb.example.org) and jitsi
    // (prefix "meet", jitsi.example.org).
    GatewayOptions three_services() {
        GatewayOptions o;
        o.extra_toml =
            "[browser]\nspares = 0\n\n"
            "[[services]]\nname = \"janus\"\nkind = \"janus\"\nbase_url = \"" +
            silent_.url("/videoroomtest.html") +
            "\"\nivr_digit = \"1\"\n\n"
            "[[services]]\nname = \"bbb\"\nkind = \"bigbluebutton\"\nbase_url = \"" +
            silent_.url("/bigbluebutton/api") +
            "\"\nsecret = \"s3cret\"\nprefix = \"bbb\"\n"
            "domains = [\"bbb.example.org\"]\nivr_digit = \"2\"\n"
            "label = \"BigBlueButton\"\n\n"
            "[[services]]\nname = \"jitsi\"\nkind = \"jitsi\"\nbase_url = \"" +
            silent_.url("") + "\"\nprefix = \"meet\"\ndomains = [\"jitsi.example.org\"]\n";
        return o;
    }

    // The API's view of the one session, once it exists.
    static nlohmann::json only_session(Gateway& gw) {
        nlohmann::json found;
        wait_until(
            [&] {
                auto r = http_request(gw.api_port(), "GET", "/api/v1/gateways");
                if (!r || r->status != 200) return false;
                const auto list = nlohmann::json::parse(r->body)["gateways"];
                if (list.size() != 1) return false;
                found = list[0];
                return true;
            },
            10s);
        return found;
    }

    // A conference mapper on 127.0.0.1 (python3's http.server): GET /<service>/<number>
    // answers the JSON file at that path, or 404.
    std::string start_mapper(const std::map<std::string, std::string>& files) {
        const uint16_t port = start_file_server(mapper_, dir_.path(), files);
        if (port == 0) return {};
        return "http://127.0.0.1:" + std::to_string(port) + "/{service}/{number}";
    }
    void TearDown() override {
        GatewayTest::TearDown();
        if (mapper_) mapper_->stop();
    }

    SilentPort silent_;
    std::optional<Program> mapper_;
};

TEST_F(GatewayServices, RoomPrefixChoosesTheService) {
    auto& gw = start_gateway(three_services());
    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial(gw.uri("bbb.1234")));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("answering room_kind=room room=\"1234\" .* service=bbb"), 10s));
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("join room=\"1234\" service=bbb kind=bigbluebutton"), 10s));
    const auto view = only_session(gw);
    EXPECT_EQ(view.value("service", ""), "bbb") << view.dump();
    EXPECT_EQ(view.value("room", ""), "1234") << view.dump();
    auto metrics = http_request(gw.api_port(), "GET", "/metrics");
    ASSERT_TRUE(metrics);
    for (const char* line : {"sipmediagw_sessions_by_service{service=\"bbb\"} 1",
                             "sipmediagw_sessions_by_service{service=\"janus\"} 0",
                             "sipmediagw_sessions_by_service{service=\"jitsi\"} 0"})
        EXPECT_NE(metrics->body.find(line), std::string::npos) << line << "\n" << metrics->body;
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));

    // An unknown prefix is part of the room name, on the default service.
    const auto mark = gw.program().log_size();
    ASSERT_TRUE(caller.dial(gw.uri("weekly.1234")));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("join room=\"weekly.1234\" service=janus kind=janus"), 10s, mark));
    // Janus rooms are numbers: the gateway may already have ended this call.
    (void)caller.ctrl().command("hangup");
    EXPECT_TRUE(caller.wait_closed(10s));
}

TEST_F(GatewayServices, DialledDomainChoosesTheService) {
    auto& gw = start_gateway(three_services());
    const auto run = sipp(scenario("answered_then_bye_domain.xml", gw.target(), "5678", "u1",
                                   {"-key", "domain", "jitsi.example.org"}));
    EXPECT_EQ(run.exit_code, 0) << run.log << run.errors;
    EXPECT_TRUE(
        gw.program().wait_for_log(std::regex("join room=\"5678\" service=jitsi kind=jitsi"), 10s));
    // The same room at the gateway's own address joins the default service.
    const auto mark = gw.program().log_size();
    const auto plain = sipp(scenario("answered_then_bye_domain.xml", gw.target(), "5678", "u1",
                                     {"-key", "domain", "127.0.0.1"}));
    EXPECT_EQ(plain.exit_code, 0) << plain.log << plain.errors;
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("join room=\"5678\" service=janus kind=janus"),
                                          10s, mark));
}

TEST_F(GatewayServices, LauncherPrefixAndApiServiceChooseTheService) {
    // The launcher's call changes state through a GET: it needs a token (docs/security.md).
    GatewayOptions options = three_services();
    options.api_token = "launcher-token";
    const std::string auth = "Authorization: Bearer launcher-token\r\n";
    auto& gw = start_gateway(options);
    // The launcher's prefix names a service: the URI to dial carries its room prefix.
    auto r = http_request(gw.api_port(), "GET", "/sipmediagw?room=4321&from=alice&prefix=meet", {},
                          auth);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const auto answer = nlohmann::json::parse(r->body);
    const std::string uri = answer.value("uri", "");
    EXPECT_EQ(uri, gw.uri("meet.4321")) << r->body;
    auto listed =
        http_request(gw.api_port(), "GET", "/api/v1/gateways/" + answer.value("id", ""), {}, auth);
    ASSERT_TRUE(listed);
    EXPECT_EQ(nlohmann::json::parse(listed->body).value("service", ""), "jitsi") << listed->body;
    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial(uri));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("fulfils reservation"), 10s));
    EXPECT_TRUE(
        gw.program().wait_for_log(std::regex("join room=\"4321\" service=jitsi kind=jitsi"), 10s));
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));

    // Another instance's prefix: 503 as before, the launcher asks elsewhere.
    auto other = http_request(gw.api_port(), "GET", "/sipmediagw?room=1&prefix=paris", {}, auth);
    ASSERT_TRUE(other);
    EXPECT_EQ(other->status, 503) << other->body;
    // A service that is not configured: 404 naming the ones that are.
    auto missing =
        http_request(gw.api_port(), "POST", "/api/v1/gateways", R"({"room":"1","service":"teams"})",
                     "Content-Type: application/json\r\n" + auth);
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404) << missing->body;
    EXPECT_NE(missing->body.find("'teams' is not configured here (janus, bbb, jitsi)"),
              std::string::npos)
        << missing->body;
    // The API's service member reserves for that service.
    auto chosen =
        http_request(gw.api_port(), "POST", "/api/v1/gateways", R"({"room":"77","service":"bbb"})",
                     "Content-Type: application/json\r\n" + auth);
    ASSERT_TRUE(chosen);
    EXPECT_EQ(chosen->status, 201) << chosen->body;
    const auto reserved = nlohmann::json::parse(chosen->body);
    EXPECT_EQ(reserved.value("service", ""), "bbb");
    EXPECT_EQ(reserved.value("uri", ""), gw.uri("bbb.77"));
}

TEST_F(GatewayServices, IvrAsksForTheServiceDigitThenTheRoom) {
    GatewayOptions options = three_services();
    // The mapper is asked with the chosen service: each service numbers its rooms its own way.
    options.extra_toml += "\n[ivr]\nmapper_url = \"" +
                          start_mapper({{"bbb/1234", R"({"room":"bbb-weekly"})"},
                                        {"janus/1234", R"({"room":"4321"})"}}) +
                          "\"\n";
    auto& gw = start_gateway(options);
    BaresipOptions o = plain_peer("caller", "alice");
    o.audio_codecs = "PCMU";  // telephone-event/8000 shares its clock
    auto& caller = start_peer(o);
    ASSERT_TRUE(caller.dial(gw.uri("0")));
    ASSERT_TRUE(caller.wait_established(20s));
    ASSERT_TRUE(gw.program().wait_for_log(std::regex("ivr prompt=service_menu "), 10s));
    // A key no service has costs a try and asks again.
    ASSERT_TRUE(caller.ctrl().command("sndcode", "7"));
    EXPECT_TRUE(
        gw.program().wait_for_log(std::regex("ivr prompt=service_invalid,service_menu "), 10s));
    ASSERT_TRUE(caller.ctrl().command("sndcode", "2"));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("ivr service=\"bbb\" key=2"), 10s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("ivr prompt=welcome "), 10s));
    for (char k : std::string("1234#"))
        ASSERT_TRUE(caller.ctrl().command("sndcode", std::string(1, k)));
    EXPECT_TRUE(
        gw.program().wait_for_log(std::regex("ivr number=\"1234\" room=\"bbb-weekly\""), 20s));
    EXPECT_TRUE(mapper_->wait_for_log(std::regex("GET /bbb/1234 HTTP/1.1\" 200"), 10s));
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("join room=\"bbb-weekly\" service=bbb kind=bigbluebutton"), 10s));
    EXPECT_EQ(only_session(gw).value("service", ""), "bbb");
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));
}

TEST_F(GatewayServices, PrefixedIvrCallSkipsTheServiceMenu) {
    auto& gw = start_gateway(three_services());
    BaresipOptions o = plain_peer("caller", "alice");
    o.audio_codecs = "PCMU";
    auto& caller = start_peer(o);
    ASSERT_TRUE(caller.dial(gw.uri("meet.0")));
    ASSERT_TRUE(caller.wait_established(20s));
    ASSERT_TRUE(gw.program().wait_for_log(std::regex("ivr prompt=welcome "), 10s));
    EXPECT_FALSE(gw.program().log_contains(std::regex("ivr prompt=service_menu")));
    for (char k : std::string("42#"))
        ASSERT_TRUE(caller.ctrl().command("sndcode", std::string(1, k)));
    EXPECT_TRUE(
        gw.program().wait_for_log(std::regex("join room=\"42\" service=jitsi kind=jitsi"), 20s));
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));
}

}  // namespace
}  // namespace testsupport
