// One call's BFCP floor control server (RFC 8855) on the wire: UDP through libre's bfcp_conn
// for our notifications (retransmitted until acknowledged, RFC 8855 §6.2) and our own answers
// to the room's requests (see on_udp_datagram()), TCP through our own framing of libre's
// message codec (libre 1.1.0 has no BFCP over TCP), TCP/TLS the same framing inside libre's
// TLS on the accepted connection (RFC 8856 §4). Both sockets are open from the start so
// that any answer, and any re-INVITE, can name their ports; messages count only once
// apply() gave the negotiated line. Lives on the control thread.
#pragma once

#include "core/control_loop.hpp"
#include "core/re_handle.hpp"
#include "core/result.hpp"
#include "sip/bfcp_framing.hpp"
#include "sip/floor_control.hpp"
#include "sip/negotiated_media.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sip {

struct FloorServerEvents {
    // The room gained (true) or lost (false) the content floor.
    std::function<void(bool room_holds)> on_floor;
    // The gateway's meeting share may go on the content line (true) or must stop (false):
    // after hold_for_gateway()/release_for_gateway(), when the room takes the floor from it
    // (the latest sharer wins), and when the room gives it back. A loss is reported before
    // the other side's gain.
    std::function<void(bool gateway_holds)> on_gateway_floor{};
};

class FloorServer {
    struct Key {
        explicit Key() = default;
    };

public:
    // Opens a UDP and a TCP port on `address` (an IP literal).
    static core::Result<std::unique_ptr<FloorServer>> open(const std::string& address,
                                                           std::string log_id,
                                                           FloorServerEvents events);
    FloorServer(Key, std::string log_id, FloorServerEvents events);
    ~FloorServer();
    FloorServer(const FloorServer&) = delete;
    FloorServer& operator=(const FloorServer&) = delete;

    void set_events(FloorServerEvents events) { events_ = std::move(events); }
    // TCP/TLS/BFCP with this certificate and key (PEM, the process's DTLS identity); the
    // room's certificate is checked against the a=fingerprint of its offer. Without it a
    // TCP/TLS/BFCP offer gets port 0.
    core::Status enable_tls(const std::string& pem);
    // Ports and ids for LocalMediaPorts (the SDP answer names them).
    void describe(LocalMediaPorts& ports) const;
    // What the latest offer/answer settled; nullopt (no BFCP, port 0) ends a grant and
    // ignores the client from then on.
    void apply(const std::optional<NegotiatedBfcp>& negotiated);
    // The call ends: a held floor is revoked (the room's display stops sharing).
    void close();

    // Meeting → room: a screen shared in the meeting goes on the content line. The gateway
    // takes the floor under its own user id (a room holding it is revoked) and tells the
    // room with FloorStatus; it keeps wanting it until release_for_gateway(), so that it
    // takes it back when a room that took it over stops. Without a BFCP line nobody
    // arbitrates: the gateway holds the floor as long as it wants it.
    void hold_for_gateway();
    void release_for_gateway();

    // Bytes the room sent over TCP or TLS: the connection's handler, and the fuzzer's entry.
    // Answers go to the connection, when there is one.
    void receive_stream(std::span<const uint8_t> bytes);

    [[nodiscard]] bool room_holds_floor() const { return floor_ && floor_->room_holds(); }
    [[nodiscard]] bool gateway_holds_floor() const {
        return floor_ ? floor_->gateway_holds() : gateway_wants_;
    }
    // The user id the gateway's own floor requests carry (BENEFICIARY-INFORMATION).
    [[nodiscard]] uint16_t gateway_user_id() const { return static_cast<uint16_t>(user_id_ + 1); }
    [[nodiscard]] bool active() const { return negotiated_.has_value(); }

private:
    static void on_udp(const struct bfcp_msg* msg, void* arg);
    // Sees every datagram before libre's bfcp_conn and takes the room's requests (R bit clear,
    // a client's primitive). libre 1.1.0 matches an incoming message to our pending
    // notification by transaction id, conference and user id alone, so a room request whose
    // id happened to equal our notification's was swallowed as its acknowledgement: the two
    // sides number their transactions independently (RFC 8855 §8), so this is routine.
    static bool on_udp_datagram(struct sa* src, struct mbuf* mb, void* arg);
    void on_udp_request(const struct bfcp_msg& msg);
    static void on_tcp_connect(const struct sa* peer, void* arg);
    static void on_tls_established(void* arg);
    static void on_tcp_recv(struct mbuf* mb, void* arg);
    static void on_tcp_close(int err, void* arg);

    void handle(const struct bfcp_msg& msg, bool tcp);
    void on_floor_request(const struct bfcp_msg& msg, bool tcp);
    void on_floor_release(const struct bfcp_msg& msg, bool tcp);
    void on_floor_query(const struct bfcp_msg& msg, bool tcp);
    // A message we do not act on, logged (the first ones, then one in kRefusalLogEvery: a room
    // that floods garbage must not flood the log).
    void refused(const std::string& why);
    void send_error(const struct bfcp_msg& msg, bool tcp, FloorError code, const char* why);
    // The statuses after the first, as FloorRequestStatus notifications; FloorStatus to a
    // client that queried the floor (§13.5).
    void notify_states(const FloorAnswer& answer, size_t from);
    void notify_floor_status();
    struct Holders {
        bool room = false;
        bool gateway = false;
        std::optional<uint16_t> room_request;
        std::optional<uint16_t> gateway_request;
    };
    [[nodiscard]] Holders holders() const;
    // Tells the owner what changed since `before`, and the room when the gateway's part in
    // the floor did (FloorStatus, whether or not the room queried it).
    void report_floor(Holders before);
    // The room left (Goodbye, its TCP connection closed): its grant ends, nothing more goes
    // to it until it speaks again.
    void room_gone(const char* why);
    // Drops the TCP (and TLS) connection and what it had buffered.
    void drop_connection();
    [[nodiscard]] bool stream_transport() const {
        return negotiated_ && negotiated_->transport != BfcpTransport::Udp;
    }

    template <class... Attrs>
    int reply(const struct bfcp_msg& req, bool tcp, int prim, unsigned attrc, Attrs... attrs);
    template <class... Attrs>
    int notify(int prim, unsigned attrc, Attrs... attrs);

    std::string log_id_;
    FloorServerEvents events_;
    core::ReHandle<struct bfcp_conn> udp_;
    core::ReHandle<struct udp_helper> udp_helper_;  // on_udp_datagram() on udp_'s socket
    // Our latest UDP response, sent again for a retransmission of its request (RFC 8855
    // §6.2.2) until kUdpAnswerKeepMs after it went out.
    struct UdpAnswer {
        unsigned prim = 0;
        uint32_t confid = 0;
        uint16_t tid = 0;
        uint16_t userid = 0;
        uint64_t sent_ms = 0;
        core::ReHandle<struct mbuf> mb;
    };
    UdpAnswer udp_answer_;
    core::ReHandle<struct tcp_sock> tcp_listener_;
    core::ReHandle<struct tcp_conn> tcp_;
    core::ReHandle<struct tls> tls_;            // set by enable_tls()
    core::ReHandle<struct tls_conn> tls_conn_;  // TLS on tcp_, for TCP/TLS/BFCP
    bool tls_verified_ = false;                 // the room's certificate matched
    core::Timer drop_timer_;                    // closes a connection outside libre's handlers
    BfcpStreamFramer framer_;                   // TCP/TLS: bytes of an incomplete message
    uint16_t udp_port_ = 0;
    uint16_t tcp_port_ = 0;
    uint32_t conference_id_ = 0;
    uint16_t user_id_ = 0;
    std::optional<NegotiatedBfcp> negotiated_;
    std::optional<FloorControl> floor_;
    // Where notifications go: the source of the client's latest valid request (UDP).
    std::optional<struct sa> udp_peer_;
    uint8_t version_ = 2;         // of the client's latest message
    uint16_t tcp_tid_ = 0;        // our transaction ids over TCP (libre numbers UDP's)
    bool floor_queried_ = false;  // the client asked for FloorStatus updates
    bool gateway_wants_ = false;  // a meeting share is running
    bool room_left_ = false;      // Goodbye, and nothing from the room since
    uint64_t refusals_ = 0;       // messages refused or ignored, for refused()
};

}  // namespace sip
