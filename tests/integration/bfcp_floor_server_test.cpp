// The floor control server on the wire (issue 14): a BFCP client made from libre's bfcp
// (tests/support/bfcp_client) says Hello, requests and releases the floor over UDP and TCP on
// loopback; the server answers Pending then Granted, Released, FloorStatus, Goodbye, errors,
// and retransmits its notifications over UDP until acknowledged.
#include "core/control_loop.hpp"
#include "sip/floor_server.hpp"
#include "support/bfcp_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>

namespace {

using testsupport::BfcpClient;

class BfcpFloorServer : public ::testing::TestWithParam<BfcpClient::Transport> {
protected:
    void SetUp() override {
        ASSERT_TRUE(loop_.ok());
        auto s = sip::FloorServer::open(
            "127.0.0.1", "t1",
            sip::FloorServerEvents{[this](bool holds) { floor_.push_back(holds); }});
        ASSERT_TRUE(s.ok()) << s.error().message;
        server_ = std::move(*s);
        server_->describe(ports_);
        ASSERT_NE(ports_.bfcp_udp, 0);
        ASSERT_NE(ports_.bfcp_tcp, 0);
        negotiated_.transport = tcp() ? sip::BfcpTransport::Tcp : sip::BfcpTransport::Udp;
        negotiated_.remote_address = "127.0.0.1";
        negotiated_.local_port = tcp() ? ports_.bfcp_tcp : ports_.bfcp_udp;
        negotiated_.conference_id = ports_.bfcp_conference_id;
        negotiated_.user_id = ports_.bfcp_user_id;
        negotiated_.floor_id = 3;
        negotiated_.content_label = "3";
    }
    void TearDown() override {
        client_.reset();
        server_.reset();
    }

    [[nodiscard]] bool tcp() const { return GetParam() == BfcpClient::Transport::Tcp; }

    void connect(uint8_t version = 2) {
        server_->apply(negotiated_);
        client_ =
            std::make_unique<BfcpClient>(GetParam(), "127.0.0.1", negotiated_.local_port,
                                         ports_.bfcp_conference_id, ports_.bfcp_user_id, version);
        ASSERT_TRUE(client_->ok());
        ASSERT_TRUE(run_until([&] { return client_->connected(); }));
    }

    // Runs the loop until pred() holds or a generous deadline passes.
    bool run_until(const std::function<bool()>& pred,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        if (pred()) return true;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        core::Timer poll;
        std::function<void()> check = [&] {
            if (pred() || std::chrono::steady_clock::now() >= deadline) {
                loop_.stop();
                return;
            }
            poll.start(10, check);
        };
        poll.start(0, check);
        loop_.run();
        return pred();
    }

    // The request id of the latest FloorRequestStatus response.
    uint16_t last_request_id() const {
        for (auto it = client_->seen().rbegin(); it != client_->seen().rend(); ++it)
            if (it->prim == BFCP_FLOOR_REQUEST_STATUS && it->request_id != 0) return it->request_id;
        return 0;
    }

    core::LibreRuntime libre_;
    core::ControlLoop loop_;
    std::unique_ptr<sip::FloorServer> server_;
    std::unique_ptr<BfcpClient> client_;
    sip::LocalMediaPorts ports_;
    sip::NegotiatedBfcp negotiated_;
    std::vector<bool> floor_;
};

TEST_P(BfcpFloorServer, HelloRequestGrantReleaseGoodbye) {
    connect(tcp() ? 1 : 2);
    client_->hello();
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_HELLO_ACK, true) == 1; }));

    client_->request_floor(3);
    ASSERT_TRUE(run_until([&] { return client_->state_of(1) == BFCP_GRANTED; }));
    // Pending in the response, Granted in a notification (RFC 8855 §13.1.1).
    const auto& seen = client_->seen();
    auto response = std::find_if(seen.begin(), seen.end(), [](const auto& s) {
        return s.prim == BFCP_FLOOR_REQUEST_STATUS && s.response;
    });
    ASSERT_NE(response, seen.end());
    EXPECT_EQ(response->state, BFCP_PENDING);
    EXPECT_EQ(client_->count(BFCP_FLOOR_REQUEST_STATUS, false), 1u);
    EXPECT_TRUE(server_->room_holds_floor());
    EXPECT_EQ(floor_, std::vector<bool>{true});

    client_->release_floor(last_request_id());
    ASSERT_TRUE(run_until([&] { return client_->state_of(1) == BFCP_RELEASED; }));
    EXPECT_FALSE(server_->room_holds_floor());
    EXPECT_EQ(floor_, (std::vector<bool>{true, false}));

    client_->goodbye();
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_GOODBYE_ACK, true) == 1; }));
}

TEST_P(BfcpFloorServer, FloorQueryReportsTheHolderAndLaterChanges) {
    connect();
    client_->query_floor(3);
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_FLOOR_STATUS, true) == 1; }));
    client_->request_floor(3);
    // The query subscribed the client: the grant comes as FloorStatus too (§13.5).
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_FLOOR_STATUS, false) >= 1; }));
    EXPECT_EQ(client_->state_of(1), BFCP_GRANTED);
}

TEST_P(BfcpFloorServer, ErrorsForWrongFloorRequestConferenceAndUser) {
    connect();
    client_->request_floor(9);
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_ERROR, true) == 1; }));
    EXPECT_EQ(client_->seen().back().error, BFCP_INVALID_FLOOR_ID);
    client_->release_floor(77);
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_ERROR, true) == 2; }));
    EXPECT_EQ(client_->seen().back().error, BFCP_FLOOR_REQ_ID_NOT_EXIST);
    client_->set_ids(ports_.bfcp_conference_id + 2, ports_.bfcp_user_id);
    client_->request_floor(3);
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_ERROR, true) == 3; }));
    EXPECT_EQ(client_->seen().back().error, BFCP_CONF_NOT_EXIST);
    client_->set_ids(ports_.bfcp_conference_id, static_cast<uint16_t>(ports_.bfcp_user_id + 1));
    client_->request_floor(3);
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_ERROR, true) == 4; }));
    EXPECT_EQ(client_->seen().back().error, BFCP_USER_NOT_EXIST);
    EXPECT_FALSE(server_->room_holds_floor());
    EXPECT_TRUE(floor_.empty());
}

TEST_P(BfcpFloorServer, LineRemovedRevokesTheGrant) {
    connect();
    client_->request_floor(3);
    ASSERT_TRUE(run_until([&] { return client_->state_of(1) == BFCP_GRANTED; }));
    server_->apply(std::nullopt);  // a re-INVITE put the BFCP line to port 0
    EXPECT_FALSE(server_->room_holds_floor());
    EXPECT_EQ(floor_, (std::vector<bool>{true, false}));
    if (!tcp()) {
        // The revocation is sent before the line goes (the TCP connection is closed at once).
        ASSERT_TRUE(run_until([&] { return client_->state_of(1) == BFCP_REVOKED; }));
    } else {
        ASSERT_TRUE(run_until([&] { return client_->tcp_closed(); }));
    }
}

INSTANTIATE_TEST_SUITE_P(Transports, BfcpFloorServer,
                         ::testing::Values(BfcpClient::Transport::Udp, BfcpClient::Transport::Tcp),
                         [](const auto& info) {
                             return info.param == BfcpClient::Transport::Udp ? "Udp" : "Tcp";
                         });

// Over UDP the server's notifications are retransmitted until acknowledged (RFC 8855 §6.2.2).
class BfcpFloorServerUdp : public BfcpFloorServer {};

TEST_P(BfcpFloorServerUdp, GrantRetransmittedUntilAcknowledged) {
    connect();
    client_->set_acknowledge(false);
    client_->request_floor(3);
    // The same Granted again: libre resends it (500 ms, then doubling) while no ack comes.
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_FLOOR_REQUEST_STATUS, false) >= 2; }));
    for (const auto& s : client_->seen()) {
        if (s.prim == BFCP_FLOOR_REQUEST_STATUS && !s.response) {
            EXPECT_EQ(s.state, BFCP_GRANTED);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Udp, BfcpFloorServerUdp, ::testing::Values(BfcpClient::Transport::Udp));

// A TCP client sending a frame past any BFCP message's size is cut off, not buffered.
class BfcpFloorServerTcp : public BfcpFloorServer {};

TEST_P(BfcpFloorServerTcp, OversizedFrameClosesTheConnection) {
    connect();
    // Version 1, FloorRequest, payload length 0xffff words: 256 KiB announced.
    client_->send_raw({0x20, 0x01, 0xff, 0xff, 0, 0, 0, 1, 0, 1, 0, 1});
    ASSERT_TRUE(run_until([&] { return client_->tcp_closed(); }));
}

// Before the offer/answer named TCP/BFCP nobody may connect.
TEST_P(BfcpFloorServerTcp, ConnectionBeforeNegotiationIsRefused) {
    client_ = std::make_unique<BfcpClient>(GetParam(), "127.0.0.1", ports_.bfcp_tcp,
                                           ports_.bfcp_conference_id, ports_.bfcp_user_id);
    ASSERT_TRUE(client_->ok());
    ASSERT_TRUE(run_until([&] { return client_->tcp_closed(); }));
}

TEST_P(BfcpFloorServerTcp, HelloSplitInTwoWritesIsAnswered) {
    connect(1);
    const uint32_t c = ports_.bfcp_conference_id;
    const uint16_t u = ports_.bfcp_user_id;
    const std::vector<uint8_t> hello{0x20,
                                     BFCP_HELLO,
                                     0,
                                     0,
                                     static_cast<uint8_t>(c >> 24),
                                     static_cast<uint8_t>(c >> 16),
                                     static_cast<uint8_t>(c >> 8),
                                     static_cast<uint8_t>(c),
                                     0,
                                     9,
                                     static_cast<uint8_t>(u >> 8),
                                     static_cast<uint8_t>(u)};
    client_->send_raw({hello.begin(), hello.begin() + 5});
    client_->send_raw({hello.begin() + 5, hello.end()});
    // Then a whole request right behind it.
    client_->request_floor(3);
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_HELLO_ACK, true) == 1; }));
    ASSERT_TRUE(run_until([&] { return client_->state_of(1) == BFCP_GRANTED; }));
}

INSTANTIATE_TEST_SUITE_P(Tcp, BfcpFloorServerTcp, ::testing::Values(BfcpClient::Transport::Tcp));

}  // namespace
