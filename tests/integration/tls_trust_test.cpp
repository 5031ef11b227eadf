// Issue 10, trust: an https peer is verified against the configured CA file or the system
// store. A local TLS server (openssl s_server) with a certificate from a CA this test makes:
// answered with that CA file, refused with the system store, answered again with the explicit
// opt-out (sip.tls_verify = false). A refused peer gets no byte of the request (a server that
// prints what it receives sees none), and a certificate for another address is refused too.
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
        std::ofstream(d / "other.cnf") << "subjectAltName=IP:127.0.0.2,DNS:other.invalid\n";
        const std::vector<std::vector<std::string>> steps{
            {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
             (d / "ca.key").string(), "-out", (d / "ca.pem").string(), "-days", "1", "-subj",
             "/CN=sipmediagw test CA"},
            {"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", (d / "srv.key").string(),
             "-out", (d / "srv.csr").string(), "-subj", "/CN=localhost"},
            {"openssl", "x509", "-req", "-in", (d / "srv.csr").string(), "-CA",
             (d / "ca.pem").string(), "-CAkey", (d / "ca.key").string(), "-CAcreateserial", "-out",
             (d / "srv.pem").string(), "-days", "1", "-extfile", (d / "ext.cnf").string()},
            // Signed by the same CA, for another address only.
            {"openssl", "x509", "-req", "-in", (d / "srv.csr").string(), "-CA",
             (d / "ca.pem").string(), "-CAkey", (d / "ca.key").string(), "-CAcreateserial", "-out",
             (d / "other.pem").string(), "-days", "1", "-extfile", (d / "other.cnf").string()}};
        for (const auto& argv : steps) {
            auto r = run_command(argv, d, 60s);
            ASSERT_TRUE(r.ok()) << r.error().message;
            ASSERT_EQ(r->exit_code, 0) << r->output;
        }
        // A JSON answer with its Content-Length, served as is (-HTTP: the file holds the head).
        std::ofstream(d / "answer.http", std::ios::binary)
            << "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
            << R"({"ok":true})";
        port_ = free_port();
        // s_server serves files from its working directory.
        auto server = Program::start(
            "s_server",
            {"sh", "-c",
             "cd '" + d.string() + "' && exec openssl s_server -accept 127.0.0.1:" +
                 std::to_string(port_) + " -cert srv.pem -key srv.key -HTTP -naccept 8"},
            d);
        ASSERT_TRUE(server.ok()) << server.error().message;
        server_.emplace(std::move(server.value()));
        ASSERT_TRUE(server_->wait_for_log(std::regex("ACCEPT"), 20s)) << server_->tail();
    }

    void TearDown() override { core::set_tls_trust({}); }

    // An s_server that answers nothing and prints every byte it receives. Its input must stay
    // open or it stops at once: a FIFO opened read-write never ends and never has data.
    Program start_recording_server(uint16_t port, const std::string& cert) {
        const auto d = dir_.path();
        const auto fifo = d / ("in-" + std::to_string(port));
        auto made = run_command({"mkfifo", fifo.string()}, d, 10s);
        if (!made || made->exit_code != 0) throw std::runtime_error("mkfifo failed");
        auto server = Program::start(
            "recorder-" + std::to_string(port),
            {"sh", "-c",
             "exec openssl s_server -accept 127.0.0.1:" + std::to_string(port) + " -cert '" +
                 (d / cert).string() + "' -key '" + (d / "srv.key").string() + "' -naccept 1 <> '" +
                 fifo.string() + "'"},
            d);
        if (!server) throw std::runtime_error(server.error().message);
        EXPECT_TRUE(server->wait_for_log(std::regex("ACCEPT"), 20s)) << server->tail();
        return std::move(server.value());
    }

    // One GET through core::HttpFetch with `trust`, on the real control loop.
    core::HttpAnswer fetch(const core::TlsTrust& trust, uint16_t port = 0) {
        core::set_tls_trust(trust);
        core::HttpFetch http;
        std::optional<core::HttpAnswer> answer;
        http.get("https://127.0.0.1:" + std::to_string(port != 0 ? port : port_) +
                     (port != 0 ? "/x?number=1234" : "/answer.http"),
                 20000, [&](const core::HttpAnswer& a) { answer = a; });
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
    EXPECT_EQ(a.body, R"({"ok":true})");
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

// libre 1.1.0's client wrote the request once the handshake was done, whatever the certificate,
// and only dropped the answer: the peer had the URL (a dialled number, a checksum query).
TEST_F(TlsTrust, RefusedPeerReceivesNoRequestByte) {
    const uint16_t port = free_port();
    Program recorder = start_recording_server(port, "srv.pem");
    const auto a = fetch({}, port);  // the system store does not know the test's CA
    EXPECT_FALSE(a.answered());
    EXPECT_NE(a.error.find("not verified"), std::string::npos) << a.error;
    // The handshake failed on our side, so the server's end of it is over too.
    EXPECT_TRUE(recorder.wait_for_log(std::regex("ERROR|CONNECTION CLOSED|shutting down"), 20s))
        << recorder.tail();
    EXPECT_FALSE(recorder.log_contains(std::regex("GET|number=1234"))) << recorder.tail();
}

// A certificate from the trusted CA, but for 127.0.0.2: the address in the URL must be in it
// (it used to get the chain check only).
TEST_F(TlsTrust, RefusedWhenTheCertificateNamesAnotherAddress) {
    const uint16_t port = free_port();
    Program recorder = start_recording_server(port, "other.pem");
    const auto a = fetch({(dir_.path() / "ca.pem").string(), true}, port);
    EXPECT_FALSE(a.answered());
    EXPECT_NE(a.error.find("not verified"), std::string::npos) << a.error;
    EXPECT_FALSE(recorder.log_contains(std::regex("GET|number=1234"))) << recorder.tail();
}

}  // namespace
}  // namespace testsupport
