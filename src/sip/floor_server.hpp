// One call's BFCP floor control server (RFC 8855) on the wire: UDP through libre's bfcp_conn
// (which keeps the last response for a retransmitted request and retransmits our
// notifications until acknowledged, RFC 8855 §6.2), TCP through our own framing of libre's
// message codec (libre 1.1.0 has no BFCP over TCP). Both sockets are open from the start so
// that any answer, and any re-INVITE, can name their ports; messages count only once
// apply() gave the negotiated line. Lives on the control thread.
#pragma once

#include "core/re_handle.hpp"
#include "core/result.hpp"
#include "sip/floor_control.hpp"
#include "sip/negotiated_media.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sip {

struct FloorServerEvents {
    // The room gained (true) or lost (false) the content floor.
    std::function<void(bool room_holds)> on_floor;
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
    // Ports and ids for LocalMediaPorts (the SDP answer names them).
    void describe(LocalMediaPorts& ports) const;
    // What the latest offer/answer settled; nullopt (no BFCP, port 0) ends a grant and
    // ignores the client from then on.
    void apply(const std::optional<NegotiatedBfcp>& negotiated);
    // The call ends: a held floor is revoked (the room's display stops sharing).
    void close();

    [[nodiscard]] bool room_holds_floor() const { return floor_ && floor_->room_holds(); }
    [[nodiscard]] bool active() const { return negotiated_.has_value(); }

private:
    static void on_udp(const struct bfcp_msg* msg, void* arg);
    static void on_tcp_connect(const struct sa* peer, void* arg);
    static void on_tcp_recv(struct mbuf* mb, void* arg);
    static void on_tcp_close(int err, void* arg);

    void handle(const struct bfcp_msg& msg, bool tcp);
    void on_floor_request(const struct bfcp_msg& msg, bool tcp);
    void on_floor_release(const struct bfcp_msg& msg, bool tcp);
    void on_floor_query(const struct bfcp_msg& msg, bool tcp);
    void send_error(const struct bfcp_msg& msg, bool tcp, FloorError code, const char* why);
    // The statuses after the first, as FloorRequestStatus notifications; FloorStatus to a
    // client that queried the floor (§13.5).
    void notify_states(const FloorAnswer& answer, size_t from);
    void notify_floor_status();
    void report_floor(bool before);

    template <class... Attrs>
    int reply(const struct bfcp_msg& req, bool tcp, int prim, unsigned attrc, Attrs... attrs);
    template <class... Attrs>
    int notify(int prim, unsigned attrc, Attrs... attrs);

    std::string log_id_;
    FloorServerEvents events_;
    core::ReHandle<struct bfcp_conn> udp_;
    core::ReHandle<struct tcp_sock> tcp_listener_;
    core::ReHandle<struct tcp_conn> tcp_;
    std::vector<uint8_t> tcp_buffer_;  // bytes of an incomplete TCP message
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
};

}  // namespace sip
