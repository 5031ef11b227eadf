// Issue 10, trust: an https peer is verified against the configured CA file or the system
// store. A local TLS server (openssl s_server) with a certificate from a CA this test makes:
// answered with that CA file, refused with the system store, answered again with the explicit
// opt-out (sip.tls_verify = false).
#include "core/tls_trust.hpp"
#include "core/control_loop.hpp"
#include "core/http_fetch.hpp"
#include "support/ports.hpp"
#include "support/program.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <optional>

namespace testsupport {
namespace {

using namespace std::chrono_literals;

class TlsTrust : public ::testing::Test {
protected:
    TlsTrust() : dir_(::testing::UnitTest::GetInstance()->current_test_info()->name()) {}

    void SetUp() override {
        ASSERT_TRUE(libre_.ok());
        ASSERT_TRUE(loop_.ok());
        const auto d = dir_.path();
        std::ofstream(d / "ext.cnf") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
        const std::vector<std::vector<std::string>> steps{
            {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
             (d / "ca.key").string(), "-out", (d / "ca.pem").string(), "-days", "1", "-subj",
             "/CN=sipmediagw test CA"},
            {"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", (d / "srv.key").string(),
             "-out", (d / "srv.csr").string(), "-subj", "/CN=localhost"},
            {"openssl", "x509", "-req", "-in", (d / "srv.csr").string(), "-CA",
             (d / "ca.pem").string(), "-CAkey", (d / "ca.key").string(), "-CAcreateserial", "-out",
             (d / "srv.pem").string(), "-days", "1", "-extfile", (d / "ext.cnf").string()}};
        for (const auto& argv : steps) {
            auto r = run_command(argv, d, 60s);
            ASSERT_TRUE(r.ok()) << r.error().message;
            ASSERT_EQ(r->exit_code, 0) << r->output;
        }
        port_ = free_port();
        auto server = Program::start(
            "s_server",
            {"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port_), "-cert",
             (d / "srv.pem").string(), "-key", (d / "srv.key").string(), "-www", "-naccept", "8"},
            d);
        ASSERT_TRUE(server.ok()) << server.error().message;
        server_.emplace(std::move(server.value()));
        ASSERT_TRUE(server_->wait_for_log(std::regex("ACCEPT"), 20s)) << server_->tail();
    }

    void TearDown() override { core::set_tls_trust({}); }

    // One GET through core::HttpFetch with `trust`, on the real control loop.
    core::HttpAnswer fetch(const core::TlsTrust& trust) {
        core::set_tls_trust(trust);
        core::HttpFetch http;
        std::optional<core::HttpAnswer> answer;
        http.get("https://127.0.0.1:" + std::to_string(port_) + "/", 20000,
                 [&](const core::HttpAnswer& a) { answer = a; });
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        core::Timer poll;
        std::function<void()> check = [&] {
            if (answer || std::chrono::steady_clock::now() >= deadline) {
                loop_.stop();
                return;
            }
            poll.start(10, check);
        };
        poll.start(0, check);
        loop_.run();
        EXPECT_TRUE(answer.has_value()) << "no answer in time";
        return answer.value_or(core::HttpAnswer{0, {}, "none"});
    }

    TempDir dir_;
    core::LibreRuntime libre_;  // this binary does not run libre otherwise
    core::ControlLoop loop_;
    uint16_t port_ = 0;
    std::optional<Program> server_;
};

TEST_F(TlsTrust, VerifiedWithTheConfiguredCaFile) {
    const auto a = fetch({(dir_.path() / "ca.pem").string(), true});
    EXPECT_TRUE(a.answered()) << a.error;
    EXPECT_EQ(a.status, 200);
}

TEST_F(TlsTrust, RefusedWithoutTheCa) {
    const auto a = fetch({});  // the system store does not know the test's CA
    EXPECT_FALSE(a.answered());
    EXPECT_NE(a.error.find("not verified"), std::string::npos) << a.error;
}

TEST_F(TlsTrust, AnsweredWhenVerificationIsOff) {
    const auto a = fetch({"", false});
    EXPECT_TRUE(a.answered()) << a.error;
    EXPECT_EQ(a.status, 200);
}

}  // namespace
}  // namespace testsupport
