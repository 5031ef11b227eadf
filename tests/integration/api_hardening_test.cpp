// Issue 10, the HTTP API against hostile clients over real sockets: slow and oversized
// requests, connection floods, log forging, non-UTF-8 URLs, DNS rebinding.
#include "gateway_fixture.hpp"
#include "support/http_client.hpp"

#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace testsupport {
namespace {

using namespace std::chrono_literals;

// A raw TCP client: sends exactly what the test says, reads what the server answers.
class RawClient {
public:
    explicit RawClient(uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~RawClient() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    [[nodiscard]] bool connected() const { return connected_; }
    bool send(const std::string& bytes) {
        for (size_t off = 0; off < bytes.size();) {
            const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return false;
            off += static_cast<size_t>(n);
        }
        return true;
    }
    // Reads until the server closes (or resets) the connection or the deadline passes;
    // true when it closed.
    bool read_until_closed(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        char buf[4096];
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
            if (n > 0) received_.append(buf, static_cast<size_t>(n));
        }
        return false;
    }
    [[nodiscard]] const std::string& received() const { return received_; }

private:
    int fd_ = -1;
    bool connected_ = false;
    std::string received_;
};

class ApiHardeningTest : public GatewayTest {
protected:
    HttpReply get(const std::string& target, const std::string& headers = {}) {
        auto r = http_request(gateway_->api_port(), "GET", target, {}, headers);
        if (!r) {
            ADD_FAILURE() << target << ": " << r.error().message;
            return {};
        }
        return *r;
    }
};

TEST_F(ApiHardeningTest, SlowAndOversizedRequestsAreCutOff) {
    auto& gw = start_gateway();
    // The slow and the idle connection wait out the server's request (10 s) and idle (15 s)
    // timeouts: both start now, so that the waits overlap with each other and the checks below.
    // Slowloris: half a request, then silence. Answered 408 and closed, not kept for minutes.
    RawClient slow(gw.api_port());
    ASSERT_TRUE(slow.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    // A connection that never sends a byte is closed too.
    RawClient idle(gw.api_port());
    ASSERT_TRUE(idle.connected());

    // A head that never ends: answered 431 once it passes the limit, then closed.
    RawClient big(gw.api_port());
    ASSERT_TRUE(big.connected());
    std::string head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    while (head.size() < 64 * 1024) head += "X-Filler: " + std::string(100, 'a') + "\r\n";
    (void)big.send(head);
    EXPECT_TRUE(big.read_until_closed(60s));
    EXPECT_NE(big.received().find("HTTP/1.1 431"), std::string::npos) << big.received();

    RawClient body(gw.api_port());
    ASSERT_TRUE(
        body.send("POST /api/v1/gateways HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"));
    EXPECT_TRUE(body.read_until_closed(60s));
    EXPECT_NE(body.received().find("HTTP/1.1 413"), std::string::npos) << body.received();

    EXPECT_TRUE(slow.read_until_closed(60s));
    EXPECT_NE(slow.received().find("HTTP/1.1 408"), std::string::npos) << slow.received();
    EXPECT_TRUE(idle.read_until_closed(60s));
    EXPECT_EQ(get("/healthz").status, 200);
}

TEST_F(ApiHardeningTest, ConnectionFloodIsCappedAndServiceComesBack) {
    auto& gw = start_gateway();
    std::vector<std::unique_ptr<RawClient>> flood;
    for (int i = 0; i < 200; ++i) flood.push_back(std::make_unique<RawClient>(gw.api_port()));
    // The kernel completes every handshake; the gateway resets those above its cap at once.
    size_t refused = 0;
    for (auto& c : flood) {
        if (!c->connected() || c->read_until_closed(200ms)) ++refused;
    }
    EXPECT_GE(refused, 150u);  // at most 16 from one address are kept (docs/api.md)
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("api: refused a connection peer=127"), 10s));
    flood.clear();
    // Freed connections give the capacity back.
    EXPECT_TRUE(wait_until(
        [&] {
            auto r = http_request(gw.api_port(), "GET", "/healthz");
            return r && r->status == 200;
        },
        30s));
}

TEST_F(ApiHardeningTest, RequestTextCannotForgeLogLinesOrCause500) {
    GatewayOptions o;
    o.api_token = "tok";
    auto& gw = start_gateway(o);
    const std::string auth = "Authorization: Bearer tok\r\n";
    // %0A decodes to a newline: the log line must stay one line.
    const auto forged = get("/x%0Ainfo%20gateway:%20sess=forged%20ended", auth);
    EXPECT_EQ(forged.status, 400);
    const auto unauth = get("/y%0Dwarn%20forged-too");  // refused before the token is looked at
    EXPECT_EQ(unauth.status, 400);
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("refused a URL .*x\\\\ninfo gateway"), 10s));
    EXPECT_FALSE(gw.program().log_contains(std::regex("(^|\\n)info gateway: sess=forged")));
    EXPECT_FALSE(gw.program().log_contains(std::regex("(^|\\n|\\r)warn forged-too")));
    // Non-UTF-8 paths and query values: a clear 400, never 500, and nothing stored.
    EXPECT_EQ(get("/%FF", auth).status, 400);
    EXPECT_EQ(get("/api/v1/gateways/%C0%AF", auth).status, 400);
    EXPECT_EQ(get("/sipmediagw?room=r1&from=%FF", auth).status, 400);
    const auto list = get("/api/v1/gateways", auth);
    EXPECT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(nlohmann::json::parse(list.body, nullptr, false)["gateways"].size(), 0u);
    EXPECT_FALSE(gw.program().log_contains(std::regex("handler failed")));
}

TEST_F(ApiHardeningTest, WebPagesCannotDriveTheApi) {
    auto& gw = start_gateway();
    // DNS rebinding: the page's origin name, resolved to 127.0.0.1, arrives as the Host.
    auto rebound =
        http_request(gw.api_port(), "GET", "/api/v1/gateways", {},
                     "Host: rebind.attacker.example:" + std::to_string(gw.api_port()) + "\r\n");
    ASSERT_TRUE(rebound);
    // http_request sends its own Host first: two Host headers are refused (RFC 9112 §3.2).
    EXPECT_EQ(rebound->status, 400) << rebound->body;
    RawClient raw(gw.api_port());
    ASSERT_TRUE(
        raw.send("GET /metrics HTTP/1.1\r\nHost: rebind.attacker.example\r\n"
                 "Connection: close\r\n\r\n"));
    EXPECT_TRUE(raw.read_until_closed(30s));
    EXPECT_NE(raw.received().find("HTTP/1.1 403"), std::string::npos) << raw.received();
    // A cross-site form POST (text/plain needs no preflight) places no call.
    auto form = http_request(gw.api_port(), "POST", "/api/v1/gateways",
                             R"({"room":"r","dial":"sip:premium@127.0.0.1"})",
                             "Content-Type: text/plain\r\nOrigin: https://evil.example\r\n");
    ASSERT_TRUE(form);
    EXPECT_EQ(form->status, 403);
    // Without a token the launcher GET changes nothing.
    const auto launcher = get("/sipmediagw?room=r1");
    EXPECT_EQ(launcher.status, 403);
    EXPECT_EQ(nlohmann::json::parse(launcher.body, nullptr, false)["type"], "token required");
    EXPECT_EQ(
        nlohmann::json::parse(get("/api/v1/gateways").body, nullptr, false)["gateways"].size(), 0u);
}

}  // namespace
}  // namespace testsupport
