#include "media/turn_relay.hpp"

#include "sip/ephemeral_credentials.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <cstring>
#include <ctime>

namespace media {

namespace {

// Room in front of each packet for the Send indication header libre's TURN client writes there
// (STUN header + XOR-PEER-ADDRESS + DATA attribute headers: 36 bytes for IPv4, 48 for IPv6).
constexpr size_t kTurnHeadroom = 64;

std::string host_of(const struct sa& addr) {
    std::array<char, 64> buf{};
    if (sa_ntop(&addr, buf.data(), static_cast<int>(buf.size())) != 0) return "?";
    return buf.data();
}

std::string endpoint_of(const struct sa& addr) {
    return host_of(addr) + ":" + std::to_string(sa_port(&addr));
}

}  // namespace

core::Result<TurnAccount> make_turn_account(const core::TurnConfig& config) {
    // check-config refuses the same servers (core::parse_turn_server): a bad one never gets
    // this far in the daemon, and a name is never resolved here on the control thread.
    auto server = core::parse_turn_server(config.server);
    if (!server)
        return core::fail("turn: bad server " + config.server + ": " + server.error().message);
    struct sa addr {};
    if (sa_set_str(&addr, server->host.c_str(), server->port) != 0)
        return core::fail("turn: bad address in " + config.server);
    TurnAccount account;
    account.server = addr;
    if (!config.secret.empty()) {
        const auto expiry = static_cast<uint64_t>(std::time(nullptr)) + config.ttl;
        auto creds = sip::make_ephemeral_credentials(
            config.secret, config.username.empty() ? "sipmediagw" : config.username, expiry);
        account.username = creds.username;
        account.password = creds.password;
    } else {
        account.username = config.username;
        account.password = config.password;
    }
    return account;
}

TurnRelay::TurnRelay(Key, std::string log_prefix, std::string stream, Done done)
    : log_prefix_(std::move(log_prefix)), stream_(std::move(stream)), done_(std::move(done)) {}

TurnRelay::~TurnRelay() {
    if (allocated_) {
        spdlog::info("{} turn released relay={} stream={} sent={} received={}", log_prefix_,
                     endpoint_of(relay_addr_), stream_, packets_out_, packets_in_);
    }
}

core::Result<std::unique_ptr<TurnRelay>> TurnRelay::create(const TurnAccount& account,
                                                           const std::string& address,
                                                           uint16_t media_port,
                                                           std::string log_prefix,
                                                           std::string stream, Done done) {
    auto r = std::make_unique<TurnRelay>(Key{}, std::move(log_prefix), std::move(stream),
                                         std::move(done));
    struct sa local {};
    if (sa_set_str(&local, address.c_str(), 0) != 0)
        return core::fail("turn: not an IP address: " + address);
    r->media_addr_ = local;
    // A pipeline socket on the wildcard address talks to us from loopback.
    if (sa_is_any(&local)) (void)sa_set_str(&r->media_addr_, "127.0.0.1", 0);
    sa_set_port(&r->media_addr_, media_port);

    struct udp_sock* sock = nullptr;
    if (int err = udp_listen(&sock, &local, &TurnRelay::on_relay_recv, r.get()); err != 0)
        return core::fail("turn: cannot bind a UDP socket on " + address);
    r->relay_sock_.reset(sock);
    // Data indications arrive with the peer's payload at an offset; replies to the pipeline
    // reuse that buffer, and outgoing packets need the same room for the Send header.
    udp_rxbuf_presz_set(r->relay_sock_.get(), kTurnHeadroom);
    sock = nullptr;
    if (int err = udp_listen(&sock, &local, &TurnRelay::on_local_recv, r.get()); err != 0)
        return core::fail("turn: cannot bind a UDP socket on " + address);
    r->local_sock_.reset(sock);
    udp_rxbuf_presz_set(r->local_sock_.get(), kTurnHeadroom);

    struct turnc* client = nullptr;
    const int err = turnc_alloc(&client, nullptr, IPPROTO_UDP, r->relay_sock_.get(), 0,
                                &account.server, account.username.c_str(), account.password.c_str(),
                                TURN_DEFAULT_LIFETIME, &TurnRelay::on_allocated, r.get());
    if (err != 0)
        return core::fail("turn: cannot send the Allocate request to " +
                          endpoint_of(account.server) + ": " + std::strerror(err));
    r->turnc_.reset(client);
    return r;
}

std::string TurnRelay::relay_host() const {
    return host_of(relay_addr_);
}
uint16_t TurnRelay::relay_port() const {
    return sa_port(&relay_addr_);
}
std::string TurnRelay::local_host() const {
    return host_of(media_addr_);
}
uint16_t TurnRelay::local_port() const {
    struct sa a {};
    if (!local_sock_ || udp_local_get(local_sock_.get(), &a) != 0) return 0;
    return sa_port(&a);
}

void TurnRelay::finish(core::Status status) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(status));  // may destroy this relay: touch nothing after
}

void TurnRelay::on_allocated(int err, uint16_t scode, const char* reason, const struct sa* relay,
                             const struct sa*, const struct stun_msg*, void* arg) {
    auto* self = static_cast<TurnRelay*>(arg);
    if (err == 0 && scode == 0 && relay != nullptr && !self->allocated_) {
        self->allocated_ = true;
        self->relay_addr_ = *relay;
        spdlog::info("{} turn allocated relay={} stream={}", self->log_prefix_, endpoint_of(*relay),
                     self->stream_);
        self->finish(core::Ok{});
        return;
    }
    if (err == 0 && scode == 0) return;  // a refresh went through
    std::string why = err != 0 ? std::string(std::strerror(err))
                               : std::to_string(scode) + " " + (reason ? reason : "");
    if (scode == 401) why += " (check [turn] secret, or username/password)";
    spdlog::warn("{} turn failed stream={} server said: {}", self->log_prefix_, self->stream_, why);
    // A failed refresh means the relay is gone; the call keeps going until its media timeout.
    self->allocated_ = false;
    self->failed_ = true;
    self->finish(core::fail("turn failed: " + why));
}

void TurnRelay::permit(const struct sa& peer) {
    // libre refreshes permissions it created before they expire (RFC 5766 §8: 5 minutes).
    if (turnc_add_perm(turnc_.get(), &peer, nullptr, nullptr) != 0)
        spdlog::warn("{} turn cannot create a permission for {} stream={}", log_prefix_,
                     host_of(peer), stream_);
}

void TurnRelay::set_peer(const std::string& host, uint16_t port) {
    struct sa peer {};
    if (sa_set_str(&peer, host.c_str(), port) != 0) {
        spdlog::warn("{} turn peer address not usable: {} stream={}", log_prefix_, host, stream_);
        return;
    }
    if (have_peer_ && sa_cmp(&peer, &peer_, SA_ALL)) return;
    const bool new_ip = !have_peer_ || !sa_cmp(&peer, &peer_, SA_ADDR);
    peer_ = peer;
    have_peer_ = true;
    if (new_ip && allocated_) permit(peer);
}

void TurnRelay::on_relay_recv(const struct sa* src, struct mbuf* mb, void* arg) {
    // libre's TURN layer already took the Data indication apart: src is the peer.
    auto* self = static_cast<TurnRelay*>(arg);
    // The relay only forwards from addresses we permitted, i.e. the peer's IP; anything else
    // was sent to this socket directly, bypassing the relay.
    if (!self->have_peer_ || !sa_cmp(src, &self->peer_, SA_ADDR)) return;
    if (!sa_cmp(src, &self->peer_, SA_PORT)) {
        // Symmetric RTP: the peer sends from where it wants replies (a NAT may pick the port).
        spdlog::info("{} turn peer latched {} stream={}", self->log_prefix_, endpoint_of(*src),
                     self->stream_);
        self->peer_ = *src;
    }
    ++self->packets_in_;
    (void)udp_send(self->local_sock_.get(), &self->media_addr_, mb);
}

void TurnRelay::on_local_recv(const struct sa* src, struct mbuf* mb, void* arg) {
    auto* self = static_cast<TurnRelay*>(arg);
    // Only the pipeline's own socket may use the relay.
    if (!sa_cmp(src, &self->media_addr_, SA_ALL) || !self->allocated_ || !self->have_peer_) return;
    if (mb->pos < kTurnHeadroom) return;  // presz guarantees it; never write before the buffer
    ++self->packets_out_;
    (void)udp_send(self->relay_sock_.get(), &self->peer_, mb);
}

}  // namespace media
