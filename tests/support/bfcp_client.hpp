// A BFCP floor control client (RFC 8855) standing in for a room system's content button:
// libre's bfcp_conn over UDP (its retransmissions), libre's codec over our own TCP framing.
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
    enum class Transport { Udp, Tcp };

    struct Seen {
        int prim = 0;             // enum bfcp_prim
        bool response = false;    // an answer to our request (else a notification)
        uint16_t request_id = 0;  // FLOOR-REQUEST-INFORMATION's id, when present
        int state = 0;            // its OVERALL-REQUEST-STATUS, when present
        int error = 0;            // ERROR-CODE, when present
        uint16_t floor_id = 0;    // FLOOR-ID (FloorStatus), when present
    };

    BfcpClient(Transport transport, const std::string& host, uint16_t port, uint32_t conference_id,
               uint16_t user_id, uint8_t version = 2);
    ~BfcpClient();
    BfcpClient(const BfcpClient&) = delete;
    BfcpClient& operator=(const BfcpClient&) = delete;

    [[nodiscard]] bool ok() const { return ok_; }
    // TCP: the connection is up.
    [[nodiscard]] bool connected() const { return connected_; }

    void hello();
    void request_floor(uint16_t floor_id);
    void release_floor(uint16_t request_id);
    void query_floor(uint16_t floor_id);
    void goodbye();
    // Sends raw bytes (hostile-input tests).
    void send_raw(const std::vector<uint8_t>& bytes);
    // Notifications are acknowledged unless told not to (to watch the server retransmit).
    void set_acknowledge(bool ack) { acknowledge_ = ack; }
    void set_ids(uint32_t conference_id, uint16_t user_id) {
        conference_id_ = conference_id;
        user_id_ = user_id;
    }

    [[nodiscard]] const std::vector<Seen>& seen() const { return seen_; }
    // The latest request state the server told (response or notification) for `request_id`.
    [[nodiscard]] std::optional<int> state_of(uint16_t request_id) const;
    [[nodiscard]] size_t count(int prim, bool response) const;
    [[nodiscard]] bool tcp_closed() const { return tcp_closed_; }

private:
    static void on_udp(const struct bfcp_msg* msg, void* arg);
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
    core::ReHandle<struct tcp_conn> tcp_;
    std::vector<uint8_t> tcp_buffer_;
    std::vector<Seen> seen_;
};

}  // namespace testsupport
