// The floor control server on the wire (issue 14): a BFCP client made from libre's bfcp
// (tests/support/bfcp_client) says Hello, requests and releases the floor over UDP, TCP and
// TCP/TLS on loopback; the server answers Pending then Granted, Released, FloorStatus,
// Goodbye, errors, and retransmits its notifications over UDP until acknowledged; the
// gateway takes the floor for a meeting share (the latest sharer wins).
#include "core/control_loop.hpp"
#include "media/dtls_identity.hpp"
#include "sip/floor_server.hpp"
#include "support/bfcp_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <tuple>

namespace {

using testsupport::BfcpClient;

class BfcpFloorServer : public ::testing::TestWithParam<BfcpClient::Transport> {
protected:
    void SetUp() override {
        ASSERT_TRUE(loop_.ok());
        auto s = sip::FloorServer::open(
            "127.0.0.1", "t1",
            sip::FloorServerEvents{[this](bool holds) { floor_.push_back(holds); },
                                   [this](bool holds) { gateway_floor_.push_back(holds); }});
        ASSERT_TRUE(s.ok()) << s.error().message;
        server_ = std::move(*s);
        if (GetParam() == BfcpClient::Transport::Tls) {
            auto identity = media::make_dtls_identity();
            ASSERT_TRUE(identity.ok()) << identity.error().message;
            auto tls = server_->enable_tls(identity->pem);
            ASSERT_TRUE(tls.ok()) << tls.error().message;
            server_fingerprint_ = identity->fingerprint;
            // The room's own certificate, self-signed like every room system's.
            auto room = media::make_dtls_identity();
            ASSERT_TRUE(room.ok()) << room.error().message;
            client_pem_ = room->pem;
        }
        server_->describe(ports_);
        ASSERT_NE(ports_.bfcp_udp, 0);
        ASSERT_NE(ports_.bfcp_tcp, 0);
        negotiated_.transport = GetParam() == BfcpClient::Transport::Tls ? sip::BfcpTransport::Tls
                                : tcp()                                  ? sip::BfcpTransport::Tcp
                                                                         : sip::BfcpTransport::Udp;
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

    // A stream transport: TCP, or TLS over TCP.
    [[nodiscard]] bool tcp() const { return GetParam() != BfcpClient::Transport::Udp; }
    [[nodiscard]] bool tls() const { return GetParam() == BfcpClient::Transport::Tls; }

    void connect(uint8_t version = 2) {
        server_->apply(negotiated_);
        client_ = std::make_unique<BfcpClient>(GetParam(), "127.0.0.1", negotiated_.local_port,
                                               ports_.bfcp_conference_id, ports_.bfcp_user_id,
                                               version, client_pem_);
        ASSERT_TRUE(client_->ok());
        if (tls()) {
            // The room's offer names its certificate; the loop has not run, so the server
            // knows it before the connection is accepted.
            negotiated_.remote_fingerprint =
                sip::DtlsFingerprint{sip::FingerprintHash::Sha256, client_->certificate_sha256()};
            server_->apply(negotiated_);
        }
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
    std::vector<bool> gateway_floor_;
    std::string server_fingerprint_;  // TLS: a=fingerprint of the server's certificate
    std::string client_pem_;          // TLS: the room's certificate and key
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

// Meeting → room: the gateway takes the floor for a meeting share; the room hears it in a
// FloorStatus naming the gateway's user, without having queried the floor.
TEST_P(BfcpFloorServer, GatewayHoldsTheFloorAndTheRoomIsTold) {
    connect();
    client_->hello();
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_HELLO_ACK, true) == 1; }));
    server_->hold_for_gateway();
    EXPECT_TRUE(server_->gateway_holds_floor());
    EXPECT_EQ(gateway_floor_, std::vector<bool>{true});
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_FLOOR_STATUS, false) >= 1; }));
    auto st = client_->last_floor_status();
    ASSERT_TRUE(st);
    EXPECT_EQ(st->floor_id, 3);
    EXPECT_EQ(st->state, BFCP_GRANTED);
    EXPECT_EQ(st->beneficiary, server_->gateway_user_id());
    EXPECT_NE(st->beneficiary, ports_.bfcp_user_id);

    server_->release_for_gateway();
    EXPECT_FALSE(server_->gateway_holds_floor());
    EXPECT_EQ(gateway_floor_, (std::vector<bool>{true, false}));
    // A free floor: no request information.
    ASSERT_TRUE(run_until([&] {
        auto last = client_->last_floor_status();
        return last && last->request_id == 0;
    }));
    EXPECT_TRUE(floor_.empty());
}

// The meeting shares while the room does: the room's grant ends Revoked (latest sharer wins).
TEST_P(BfcpFloorServer, MeetingShareRevokesTheRoom) {
    connect();
    client_->request_floor(3);
    ASSERT_TRUE(run_until([&] { return client_->state_of(1) == BFCP_GRANTED; }));
    server_->hold_for_gateway();
    EXPECT_EQ(floor_, (std::vector<bool>{true, false}));
    EXPECT_EQ(gateway_floor_, std::vector<bool>{true});
    ASSERT_TRUE(run_until([&] { return client_->state_of(1) == BFCP_REVOKED; }));
    ASSERT_TRUE(run_until([&] {
        auto st = client_->last_floor_status();
        return st && st->beneficiary == server_->gateway_user_id();
    }));
    // The revoked request is gone for the room.
    client_->release_floor(1);
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_ERROR, true) == 1; }));
    EXPECT_EQ(client_->seen().back().error, BFCP_FLOOR_REQ_ID_NOT_EXIST);
}

// The room shares while the meeting does: the room wins, and the meeting's share, still
// running, gets the content line back when the room stops.
TEST_P(BfcpFloorServer, RoomShareTakesTheFloorFromTheGatewayAndGivesItBack) {
    connect();
    client_->query_floor(3);
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_FLOOR_STATUS, true) == 1; }));
    server_->hold_for_gateway();
    client_->request_floor(3);
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_FLOOR_REQUEST_STATUS, true) == 1; }));
    const uint16_t rid = last_request_id();
    ASSERT_TRUE(run_until([&] { return client_->state_of(rid) == BFCP_GRANTED; }));
    EXPECT_FALSE(server_->gateway_holds_floor());
    EXPECT_EQ(gateway_floor_, (std::vector<bool>{true, false}));
    EXPECT_EQ(floor_, std::vector<bool>{true});
    client_->release_floor(rid);
    ASSERT_TRUE(run_until([&] { return server_->gateway_holds_floor(); }));
    EXPECT_EQ(gateway_floor_, (std::vector<bool>{true, false, true}));
    EXPECT_EQ(floor_, (std::vector<bool>{true, false}));
    ASSERT_TRUE(run_until([&] {
        auto st = client_->last_floor_status();
        return st && st->beneficiary == server_->gateway_user_id() && st->state == BFCP_GRANTED;
    }));
}

std::string transport_name(const ::testing::TestParamInfo<BfcpClient::Transport>& info) {
    switch (info.param) {
        case BfcpClient::Transport::Udp:
            return "Udp";
        case BfcpClient::Transport::Tcp:
            return "Tcp";
        case BfcpClient::Transport::Tls:
            return "Tls";
    }
    return "Unknown";
}

// Our notifications never reuse a transaction id (RFC 8855 §8: the server numbers its own).
// Over UDP the room's requests and our notifications alternate closely here, with ids that
// collide (both sides count from 1): each request is still answered.
TEST_P(BfcpFloorServer, OurTransactionIdsAreUnique) {
    connect(tcp() ? 1 : 2);
    client_->query_floor(3);
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_FLOOR_STATUS, true) == 1; }));
    for (size_t i = 0; i < 5; ++i) {
        server_->hold_for_gateway();
        client_->request_floor(3);
        // One response per request and per release.
        ASSERT_TRUE(run_until(
            [&] { return client_->count(BFCP_FLOOR_REQUEST_STATUS, true) == 2 * i + 1; }));
        client_->release_floor(last_request_id());
        ASSERT_TRUE(run_until([&] { return server_->gateway_holds_floor(); }));
        server_->release_for_gateway();
    }
    // Each round: Granted, FloorStatus (room), FloorStatus (gateway back), FloorStatus (free),
    // and one for the first hold.
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_FLOOR_STATUS, false) >= 16; }));
    // A UDP retransmission repeats a message with its id; an id never names two messages.
    std::map<uint16_t, std::tuple<int, uint16_t, int, uint16_t>> by_tid;
    for (const auto& s : client_->seen()) {
        if (s.response) continue;
        EXPECT_NE(s.tid, 0);
        const auto what = std::make_tuple(s.prim, s.request_id, s.state, s.beneficiary);
        const auto [it, fresh] = by_tid.emplace(s.tid, what);
        EXPECT_TRUE(fresh || it->second == what) << "transaction id " << s.tid << " reused";
    }
    EXPECT_GE(by_tid.size(), 16u);
}

INSTANTIATE_TEST_SUITE_P(Transports, BfcpFloorServer,
                         ::testing::Values(BfcpClient::Transport::Udp, BfcpClient::Transport::Tcp,
                                           BfcpClient::Transport::Tls),
                         transport_name);

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

// A meeting share before the room said anything: the FloorStatus goes to the port of its
// m-line; and a share from before the BFCP line was negotiated holds the new floor.
TEST_P(BfcpFloorServerUdp, ShareBeforeTheRoomSpokeReachesItsSdpPort) {
    server_->hold_for_gateway();
    EXPECT_TRUE(server_->gateway_holds_floor());  // no floor control yet: nobody contends
    EXPECT_EQ(gateway_floor_, std::vector<bool>{true});
    client_ = std::make_unique<BfcpClient>(GetParam(), "127.0.0.1", ports_.bfcp_udp,
                                           ports_.bfcp_conference_id, ports_.bfcp_user_id, 2,
                                           client_pem_);
    ASSERT_TRUE(client_->ok());
    negotiated_.remote_port = client_->local_port();
    ASSERT_NE(negotiated_.remote_port, 0);
    server_->apply(negotiated_);
    EXPECT_TRUE(server_->gateway_holds_floor());
    EXPECT_EQ(gateway_floor_, std::vector<bool>{true});
    ASSERT_TRUE(run_until([&] {
        auto st = client_->last_floor_status();
        return st && st->beneficiary == server_->gateway_user_id();
    }));
}

// The same request twice with one transaction id over UDP: the second is a retransmission to
// libre (RFC 8855 §6.2.2: same id, primitive and ids) and gets the first one's response again
// without being acted on.
TEST_P(BfcpFloorServerUdp, ReusedTransactionIdIsARetransmission) {
    connect();
    client_->request_with_tid(BFCP_FLOOR_REQUEST, 77, 3);
    ASSERT_TRUE(run_until([&] { return server_->room_holds_floor(); }));
    client_->request_with_tid(BFCP_FLOOR_REQUEST, 77, 3);
    // Had the second been taken, request 2 would hold the floor and releasing 1 would fail.
    client_->request_with_tid(BFCP_FLOOR_RELEASE, 99, 1);
    ASSERT_TRUE(run_until([&] { return !server_->room_holds_floor(); }));
    EXPECT_EQ(floor_, (std::vector<bool>{true, false}));
}

// A room request under the transaction id of our unacknowledged notification is a request all
// the same (each side numbers its own transactions, RFC 8855 §8): libre alone took it for the
// notification's acknowledgement and left it unanswered.
TEST_P(BfcpFloorServerUdp, RequestWithTheIdOfOurPendingNotificationIsAnswered) {
    connect();
    client_->hello();  // the server learns where the room is
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_HELLO_ACK, true) == 1; }));
    client_->set_acknowledge(false);
    server_->hold_for_gateway();  // FloorStatus to the room, retransmitted until acknowledged
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_FLOOR_STATUS, false) >= 1; }));
    uint16_t tid = 0;
    for (const auto& s : client_->seen())
        if (s.prim == BFCP_FLOOR_STATUS && !s.response) tid = s.tid;
    ASSERT_NE(tid, 0);
    client_->request_with_tid(BFCP_FLOOR_REQUEST, tid, 3);
    ASSERT_TRUE(run_until([&] { return server_->room_holds_floor(); }));
    EXPECT_FALSE(server_->gateway_holds_floor());
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

// Over a stream there are no retransmissions: two outstanding requests with one transaction id
// are two requests, each answered with that id.
TEST_P(BfcpFloorServerTcp, SameTransactionIdTwiceIsAnsweredTwice) {
    connect(1);
    client_->request_with_tid(BFCP_FLOOR_REQUEST, 5, 3);
    client_->request_with_tid(BFCP_FLOOR_QUERY, 5, 3);
    ASSERT_TRUE(run_until([&] {
        return client_->count(BFCP_FLOOR_REQUEST_STATUS, true) == 1 &&
               client_->count(BFCP_FLOOR_STATUS, true) == 1;
    }));
    for (const auto& s : client_->seen()) {
        if (s.response) {
            EXPECT_EQ(s.tid, 5);
        }
    }
}

// The room's connection dies while it shares: its grant ends (nobody will release it).
TEST_P(BfcpFloorServerTcp, ConnectionLostEndsTheRoomsGrant) {
    connect(1);
    client_->request_floor(3);
    ASSERT_TRUE(run_until([&] { return client_->state_of(1) == BFCP_GRANTED; }));
    server_->hold_for_gateway();
    server_->release_for_gateway();
    client_->request_floor(3);
    ASSERT_TRUE(run_until([&] { return server_->room_holds_floor(); }));
    client_.reset();
    ASSERT_TRUE(run_until([&] { return !server_->room_holds_floor(); }));
    EXPECT_EQ(floor_.back(), false);
}

// Before the offer/answer named TCP/BFCP nobody may connect.
TEST_P(BfcpFloorServerTcp, ConnectionBeforeNegotiationIsRefused) {
    client_ = std::make_unique<BfcpClient>(GetParam(), "127.0.0.1", ports_.bfcp_tcp,
                                           ports_.bfcp_conference_id, ports_.bfcp_user_id, 2,
                                           client_pem_);
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

INSTANTIATE_TEST_SUITE_P(Tcp, BfcpFloorServerTcp,
                         ::testing::Values(BfcpClient::Transport::Tcp, BfcpClient::Transport::Tls),
                         transport_name);

// TCP/TLS/BFCP: the room's certificate must be the one its offer named (RFC 8122).
class BfcpFloorServerTls : public BfcpFloorServer {};

TEST_P(BfcpFloorServerTls, TheServerShowsTheCertificateOfItsFingerprint) {
    connect();
    client_->hello();
    ASSERT_TRUE(run_until([&] { return client_->count(BFCP_HELLO_ACK, true) == 1; }));
    auto ours = sip::parse_fingerprint(server_fingerprint_);
    ASSERT_TRUE(ours.ok());
    EXPECT_EQ(client_->server_certificate_sha256(), ours->digest);
}

TEST_P(BfcpFloorServerTls, AnotherCertificateIsCutOff) {
    server_->apply(negotiated_);
    client_ = std::make_unique<BfcpClient>(GetParam(), "127.0.0.1", negotiated_.local_port,
                                           ports_.bfcp_conference_id, ports_.bfcp_user_id, 2,
                                           client_pem_);
    ASSERT_TRUE(client_->ok());
    auto other = client_->certificate_sha256();
    ASSERT_EQ(other.size(), 32u);
    other[0] ^= 0xff;
    negotiated_.remote_fingerprint = sip::DtlsFingerprint{sip::FingerprintHash::Sha256, other};
    server_->apply(negotiated_);
    client_->hello();
    ASSERT_TRUE(run_until([&] { return client_->tcp_closed(); }));
    EXPECT_EQ(client_->count(BFCP_HELLO_ACK, true), 0u);
}

// A plain TCP client on a TLS line never gets an answer: its bytes are not a TLS handshake.
TEST_P(BfcpFloorServerTls, PlainTcpIsNotAnswered) {
    server_->apply(negotiated_);
    client_ = std::make_unique<BfcpClient>(BfcpClient::Transport::Tcp, "127.0.0.1",
                                           negotiated_.local_port, ports_.bfcp_conference_id,
                                           ports_.bfcp_user_id);
    ASSERT_TRUE(client_->ok());
    ASSERT_TRUE(run_until([&] { return client_->connected(); }));
    client_->hello();
    ASSERT_TRUE(run_until([&] { return client_->tcp_closed(); }));
    EXPECT_EQ(client_->count(BFCP_HELLO_ACK, true), 0u);
}

INSTANTIATE_TEST_SUITE_P(Tls, BfcpFloorServerTls, ::testing::Values(BfcpClient::Transport::Tls),
                         transport_name);

}  // namespace
