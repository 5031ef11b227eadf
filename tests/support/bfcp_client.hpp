// A BFCP floor control client (RFC 8855) standing in for a room system's content button:
// libre's bfcp_conn over UDP (its retransmissions), libre's codec over our own TCP framing,
// and that framing inside libre's TLS with a self-signed certificate (TCP/TLS/BFCP).
// Runs on the test's control loop; tests read what it saw and poll for what they expect.
#pragma once

#include "core/re_handle.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace testsupport {

class BfcpClient {
public:
    enum class Transport { Udp, Tcp, Tls };

    struct Seen {
        int prim = 0;              // enum bfcp_prim
        bool response = false;     // an answer to our request (else a notification)
        uint16_t request_id = 0;   // FLOOR-REQUEST-INFORMATION's id, when present
        int state = 0;             // its OVERALL-REQUEST-STATUS, when present
        int error = 0;             // ERROR-CODE, when present
        uint16_t floor_id = 0;     // FLOOR-ID (FloorStatus), when present
        uint16_t beneficiary = 0;  // BENEFICIARY-INFORMATION's user id, when present
        uint16_t tid = 0;          // the transaction id
    };

    // `tls_pem`: TLS only, our certificate and key (what the room's offer named in
    // a=fingerprint); required for TLS.
    BfcpClient(Transport transport, const std::string& host, uint16_t port, uint32_t conference_id,
               uint16_t user_id, uint8_t version = 2, const std::string& tls_pem = {});
    ~BfcpClient();
    BfcpClient(const BfcpClient&) = delete;
    BfcpClient& operator=(const BfcpClient&) = delete;

    [[nodiscard]] bool ok() const { return ok_; }
    // TCP: the connection is up (TLS: the TCP connection; the handshake follows).
    [[nodiscard]] bool connected() const { return connected_; }
    // TLS: the sha-256 digest of our certificate (what a room's a=fingerprint names).
    [[nodiscard]] std::vector<uint8_t> certificate_sha256() const;
    // TLS: the sha-256 digest of the server's certificate, once the handshake is done.
    [[nodiscard]] std::vector<uint8_t> server_certificate_sha256() const;
    // UDP: the port we send from and listen on (what a room's m-line would name).
    [[nodiscard]] uint16_t local_port() const;

    void hello();
    void request_floor(uint16_t floor_id);
    void release_floor(uint16_t request_id);
    void query_floor(uint16_t floor_id);
    void goodbye();
    // Sends raw bytes (hostile-input tests).
    void send_raw(const std::vector<uint8_t>& bytes);
    // A request with a transaction id of our choosing (collision tests), carrying FLOOR-ID
    // (FloorRequest, FloorQuery) or FLOOR-REQUEST-ID (FloorRelease) = `value`. Over UDP the
    // response bypasses libre's matching and is not recorded.
    void request_with_tid(int prim, uint16_t tid, uint16_t value);
    // Notifications are acknowledged unless told not to (to watch the server retransmit).
    void set_acknowledge(bool ack) { acknowledge_ = ack; }
    void set_ids(uint32_t conference_id, uint16_t user_id) {
        conference_id_ = conference_id;
        user_id_ = user_id;
    }

    [[nodiscard]] const std::vector<Seen>& seen() const { return seen_; }
    // The latest FloorStatus the server sent (response or notification).
    [[nodiscard]] std::optional<Seen> last_floor_status() const;
    // The latest request state the server told (response or notification) for `request_id`.
    [[nodiscard]] std::optional<int> state_of(uint16_t request_id) const;
    [[nodiscard]] size_t count(int prim, bool response) const;
    [[nodiscard]] bool tcp_closed() const { return tcp_closed_; }

private:
    static void on_udp(const struct bfcp_msg* msg, void* arg);
    // The server's notifications (R bit clear) are taken before libre's bfcp_conn, which
    // would take one whose transaction id equals our pending request's for its response
    // (libre 1.1.0 matches ids only; the server numbers its own, RFC 8855 §8).
    static bool on_udp_datagram(struct sa* src, struct mbuf* mb, void* arg);
    static void on_response(int err, const struct bfcp_msg* msg, void* arg);
    static void on_tcp_estab(void* arg);
    static void on_tcp_recv(struct mbuf* mb, void* arg);
    static void on_tcp_close(int err, void* arg);

    void record(const struct bfcp_msg& msg, bool response);
    void received(const struct bfcp_msg& msg);
    template <class... Attrs>
    void request(int prim, unsigned attrc, Attrs... attrs);

    Transport transport_;
    struct sa server_ {};
    uint32_t conference_id_;
    uint16_t user_id_;
    uint8_t version_;
    bool ok_ = false;
    bool connected_ = false;
    bool tcp_closed_ = false;
    bool acknowledge_ = true;
    uint16_t tcp_tid_ = 0;
    core::ReHandle<struct bfcp_conn> udp_;
    core::ReHandle<struct udp_helper> udp_helper_;
    core::ReHandle<struct tcp_conn> tcp_;
    core::ReHandle<struct tls> tls_;
    core::ReHandle<struct tls_conn> tls_conn_;
    std::vector<uint8_t> tcp_buffer_;
    std::vector<Seen> seen_;
};

}  // namespace testsupport
