// One TURN allocation (RFC 5766) standing in for one of our media sockets, for peers that can
// only reach a relay (NAT). libre's TURN client owns the allocation and keeps it and its
// permissions refreshed; GStreamer keeps doing the media. The two meet over a second local
// UDP socket: the pipeline's socket sends to `local_port()`, we wrap that into a Send indication to
// the peer; what the relay delivers from the peer we hand back to the pipeline's socket, so the
// pipeline sees one steady sender and needs no TURN knowledge. Control thread only (libre).
#pragma once

#include "core/config.hpp"
#include "core/re_handle.hpp"
#include "core/result.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace media {

// Where the TURN server is and who we are there; derived once per call from [turn].
struct TurnAccount {
    struct sa server {};
    std::string username;
    std::string password;
};

// Parses `server` ("turn:host:port", host resolved once) and picks static or secret-derived
// (coturn use-auth-secret) credentials valid for `ttl` seconds from now.
core::Result<TurnAccount> make_turn_account(const core::TurnConfig& config);

class TurnRelay {
public:
    // Called once: Ok when the relay address is known, or why the allocation failed.
    using Done = std::function<void(core::Status)>;

    // Binds two UDP sockets on `address` (one towards the TURN server, one facing the
    // pipeline socket at address:media_port) and sends the Allocate request.
    // `stream` names the socket in log lines ("audio-rtp", ...).
    static core::Result<std::unique_ptr<TurnRelay>> create(const TurnAccount& account,
                                                           const std::string& address,
                                                           uint16_t media_port,
                                                           std::string log_prefix,
                                                           std::string stream, Done done);
    ~TurnRelay();  // frees the allocation (Refresh with lifetime 0)
    TurnRelay(const TurnRelay&) = delete;
    TurnRelay& operator=(const TurnRelay&) = delete;

    [[nodiscard]] bool allocated() const { return allocated_; }
    [[nodiscard]] std::string relay_host() const;
    [[nodiscard]] uint16_t relay_port() const;
    [[nodiscard]] std::string local_host() const;
    [[nodiscard]] uint16_t local_port() const;  // the pipeline sends here
    [[nodiscard]] uint64_t packets_out() const { return packets_out_; }
    [[nodiscard]] uint64_t packets_in() const { return packets_in_; }

    // The peer's address from SDP: installs a permission and sends there from now on.
    void set_peer(const std::string& host, uint16_t port);
    // The local socket this relay stands in for, when it was not known at create() (port 0
    // there): the floor control server's, bound after the relays were allocated.
    void set_media_port(uint16_t port) { sa_set_port(&media_addr_, port); }

    struct Key {  // only create() makes one
        explicit Key() = default;
    };
    TurnRelay(Key, std::string log_prefix, std::string stream, Done done);

private:
    static void on_allocated(int err, uint16_t scode, const char* reason, const struct sa* relay,
                             const struct sa* mapped, const struct stun_msg* msg, void* arg);
    static void on_relay_recv(const struct sa* src, struct mbuf* mb, void* arg);
    static void on_local_recv(const struct sa* src, struct mbuf* mb, void* arg);
    void finish(core::Status status);
    void permit(const struct sa& peer);

    std::string log_prefix_;
    std::string stream_;
    Done done_;
    struct sa media_addr_ {};  // the pipeline's socket
    struct sa relay_addr_ {};
    struct sa peer_ {};
    bool have_peer_ = false;
    bool allocated_ = false;
    bool failed_ = false;
    uint64_t packets_out_ = 0, packets_in_ = 0;
    // Declared before turnc_ so they outlive it: the client sends its last Refresh through
    // relay_sock_ while it is being destroyed.
    core::ReHandle<struct udp_sock> relay_sock_;
    core::ReHandle<struct udp_sock> local_sock_;
    core::ReHandle<struct turnc> turnc_;
};

}  // namespace media
