#include "sip/floor_server.hpp"

#include "core/log.hpp"
#include "core/text.hpp"

#include <array>
#include <cstring>
#include <string>
#include <type_traits>

namespace sip {

namespace {

// refused(): every one of the first ones is logged, then one in kRefusalLogEvery.
constexpr uint64_t kRefusalLogFirst = 20;
constexpr uint64_t kRefusalLogEvery = 100;
// RFC 8855 §6.2.2 (T2): how long a response is kept for a retransmitted request.
constexpr uint64_t kUdpAnswerKeepMs = 10000;

std::string peer_text(const struct sa& a) {
    char buf[64];
    (void)re_snprintf(buf, sizeof buf, "%J", &a);
    return buf;
}

// libre keeps the wire's primitive byte in an enum; a value no enumerator covers may not even
// be loaded as that enum in C++ (UBSan: invalid enum load), so it is read as the integer it is.
unsigned primitive_of(const struct bfcp_msg& msg) {
    std::underlying_type_t<enum bfcp_prim> raw{};
    static_assert(sizeof raw == sizeof msg.prim);
    std::memcpy(&raw, &msg.prim, sizeof raw);
    return static_cast<unsigned>(raw);
}

bool known_primitive(unsigned prim) {
    return prim >= BFCP_FLOOR_REQUEST && prim <= BFCP_GOODBYE_ACK;  // RFC 8855 §5.1: 1-17
}

// What a client sends to open a transaction (RFC 8855 §5.1, client to server), or a primitive
// nobody knows (answered with an Error). Version 1 has no R bit, so acknowledgements are told
// apart by primitive, not by the bit alone.
bool client_request(const struct bfcp_msg& msg) {
    if (msg.r) return false;
    switch (primitive_of(msg)) {
        case BFCP_FLOOR_REQUEST:
        case BFCP_FLOOR_RELEASE:
        case BFCP_FLOOR_REQUEST_QUERY:
        case BFCP_USER_QUERY:
        case BFCP_FLOOR_QUERY:
        case BFCP_CHAIR_ACTION:
        case BFCP_HELLO:
        case BFCP_GOODBYE:
            return true;
        default:
            return !known_primitive(primitive_of(msg));
    }
}

std::string primitive_name(unsigned prim) {
    if (known_primitive(prim)) return bfcp_prim_name(static_cast<enum bfcp_prim>(prim));
    return "primitive " + std::to_string(prim);
}

bool collect_floor_id(const struct bfcp_attr* attr, void* arg) {
    if (attr->type == BFCP_FLOOR_ID)
        static_cast<std::vector<uint16_t>*>(arg)->push_back(attr->v.floorid);
    return false;
}

}  // namespace

core::Result<std::unique_ptr<FloorServer>> FloorServer::open(const std::string& address,
                                                             std::string log_id,
                                                             FloorServerEvents events) {
    auto s = std::make_unique<FloorServer>(Key{}, std::move(log_id), std::move(events));
    struct sa laddr;
    if (sa_set_str(&laddr, address.c_str(), 0) != 0)
        return core::fail("bfcp: bad local address " + address);
    struct bfcp_conn* conn = nullptr;
    if (int err = bfcp_listen(&conn, BFCP_UDP, &laddr, nullptr, &FloorServer::on_udp, s.get());
        err != 0)
        return core::fail(std::string("bfcp: UDP listen: ") + std::strerror(err));
    s->udp_.reset(conn);
    s->udp_port_ = sa_port(&laddr);
    struct udp_helper* uh = nullptr;
    if (int err = udp_register_helper(&uh, static_cast<struct udp_sock*>(bfcp_sock(conn)), 0,
                                      nullptr, &FloorServer::on_udp_datagram, s.get());
        err != 0)
        return core::fail(std::string("bfcp: UDP helper: ") + std::strerror(err));
    s->udp_helper_.reset(uh);
    (void)sa_set_str(&laddr, address.c_str(), 0);
    struct tcp_sock* ts = nullptr;
    if (int err = tcp_listen(&ts, &laddr, &FloorServer::on_tcp_connect, s.get()); err != 0)
        return core::fail(std::string("bfcp: TCP listen: ") + std::strerror(err));
    s->tcp_listener_.reset(ts);
    if (int err = tcp_local_get(ts, &laddr); err != 0)
        return core::fail(std::string("bfcp: TCP port: ") + std::strerror(err));
    s->tcp_port_ = sa_port(&laddr);
    // Ids the client must echo: random, so that a stray datagram to the port is refused.
    s->conference_id_ = rand_u32() | 1u;
    s->user_id_ = static_cast<uint16_t>((rand_u16() % 0xfffe) + 1);
    return s;
}

FloorServer::FloorServer(Key, std::string log_id, FloorServerEvents events)
    : log_id_(std::move(log_id)), events_(std::move(events)) {}

FloorServer::~FloorServer() {
    tls_conn_.reset();
    tcp_.reset();
    tcp_listener_.reset();
    udp_helper_.reset();  // first: a socket frees the helpers still registered on it
    udp_.reset();
}

core::Status FloorServer::enable_tls(const std::string& pem) {
    struct tls* t = nullptr;
    if (int err = tls_alloc(&t, TLS_METHOD_SSLV23, nullptr, nullptr); err != 0)
        return core::fail(std::string("bfcp: TLS context: ") + std::strerror(err));
    core::ReHandle<struct tls> owned(t);
    if (int err = tls_set_certificate(t, pem.data(), pem.size()); err != 0)
        return core::fail(std::string("bfcp: TLS certificate: ") + std::strerror(err));
    // The room's certificate is self-signed like ours (RFC 8856 §4 after RFC 4572): asked
    // for, taken whatever signed it, and judged by its fingerprint once the handshake ends.
    tls_set_verify_client(t);
    tls_ = std::move(owned);
    return core::Ok{};
}

void FloorServer::describe(LocalMediaPorts& ports) const {
    ports.bfcp_udp = udp_port_;
    ports.bfcp_tcp = tcp_port_;
    ports.bfcp_tls = tls_ != nullptr;
    ports.bfcp_conference_id = conference_id_;
    ports.bfcp_user_id = user_id_;
}

void FloorServer::apply(const std::optional<NegotiatedBfcp>& negotiated) {
    const Holders before = holders();
    if (!negotiated) {
        if (negotiated_)
            spdlog::info("bfcp: sess={} floor control off (no BFCP line in the offer)", log_id_);
        close();
        return;
    }
    if (negotiated_ && negotiated_->transport != negotiated->transport) close();
    // A BFCP line that moved: notifications go to the new port until the room speaks from it.
    if (negotiated_ && (negotiated_->remote_address != negotiated->remote_address ||
                        negotiated_->remote_port != negotiated->remote_port))
        udp_peer_.reset();
    if (!floor_) {
        floor_.emplace(negotiated->floor_id);
        // A meeting share that started before the BFCP line (or a re-INVITE that brought it
        // back) holds the new floor.
        if (gateway_wants_) (void)floor_->gateway_take();
    }
    if (auto ended = floor_->set_floor_id(negotiated->floor_id)) notify_states(*ended, 0);
    if (!negotiated_ || !(*negotiated_ == *negotiated))
        spdlog::info(
            "bfcp: sess={} floor control on {} port={} floor={} confid={} userid={} label={}",
            log_id_, bfcp_transport_name(negotiated->transport), negotiated->local_port,
            negotiated->floor_id, negotiated->conference_id, negotiated->user_id,
            core::log_field(negotiated->content_label));
    negotiated_ = negotiated;
    if (negotiated_->transport != BfcpTransport::Udp) version_ = 1;
    report_floor(before);
}

void FloorServer::close() {
    const Holders before = holders();
    if (floor_) {
        if (auto ended = floor_->revoke()) notify_states(*ended, 0);
        if (floor_queried_) notify_floor_status();
    }
    floor_.reset();
    negotiated_.reset();
    drop_connection();
    udp_peer_.reset();
    floor_queried_ = false;
    report_floor(before);
}

void FloorServer::hold_for_gateway() {
    const Holders before = holders();
    gateway_wants_ = true;
    if (floor_) {
        if (auto ended = floor_->gateway_take()) {
            spdlog::info("bfcp: sess={} floor={} the meeting shares: the room's grant ends",
                         log_id_, floor_->floor_id());
            notify_states(*ended, 0);
        }
    }
    report_floor(before);
}

void FloorServer::release_for_gateway() {
    const Holders before = holders();
    gateway_wants_ = false;
    if (floor_) floor_->gateway_release();
    report_floor(before);
}

void FloorServer::report_floor(Holders before) {
    const Holders now = holders();
    if (!floor_ && now.gateway != before.gateway)
        spdlog::info("bfcp: sess={} the gateway {} the content line (no floor control)", log_id_,
                     now.gateway ? "shares on" : "stops sharing on");
    if (floor_ && now.gateway_request && now.gateway_request != before.gateway_request)
        spdlog::info("bfcp: sess={} floor={} request={} state=granted holder=gateway userid={}",
                     log_id_, floor_->floor_id(), *now.gateway_request, gateway_user_id());
    if (floor_ && before.gateway_request && !now.gateway_request)
        spdlog::info("bfcp: sess={} floor={} request={} state={} holder=gateway{}", log_id_,
                     floor_->floor_id(), *before.gateway_request, now.room ? "revoked" : "released",
                     now.room ? " (the room shares: the latest sharer wins)" : "");
    // Rooms show the far end's content on the grant they are told of: unlike the room's own
    // changes (its FloorRequestStatus says them), the gateway's go to the room whether or not
    // it queried the floor.
    const bool room_changed = now.room_request != before.room_request;
    const bool gateway_changed = now.gateway_request != before.gateway_request;
    if (floor_ && (gateway_changed || (floor_queried_ && room_changed))) notify_floor_status();
    // Losses first, so that the content line has one sender at a time.
    if (before.room && !now.room && events_.on_floor) events_.on_floor(false);
    if (before.gateway && !now.gateway && events_.on_gateway_floor) events_.on_gateway_floor(false);
    if (!before.room && now.room && events_.on_floor) events_.on_floor(true);
    if (!before.gateway && now.gateway && events_.on_gateway_floor) events_.on_gateway_floor(true);
}

FloorServer::Holders FloorServer::holders() const {
    Holders h;
    h.room = room_holds_floor();
    h.gateway = gateway_holds_floor();
    if (floor_) {
        h.room_request = floor_->holder();
        h.gateway_request = floor_->gateway_request();
    }
    return h;
}

template <class... Attrs>
int FloorServer::reply(const struct bfcp_msg& req, bool tcp, int prim, unsigned attrc,
                       Attrs... attrs) {
    if (tcp && !tcp_) return ENOTCONN;
    core::ReHandle<struct mbuf> mb(mbuf_alloc(128));
    if (!mb) return ENOMEM;
    int err = bfcp_msg_encode(mb.get(), req.ver, true, static_cast<enum bfcp_prim>(prim),
                              req.confid, req.tid, req.userid, attrc, attrs...);
    if (err != 0) return err;
    mb->pos = 0;
    if (tcp) return tcp_send(tcp_.get(), mb.get());
    err = udp_send(static_cast<struct udp_sock*>(bfcp_sock(udp_.get())), &req.src, mb.get());
    if (err != 0) return err;
    udp_answer_ =
        UdpAnswer{primitive_of(req), req.confid, req.tid, req.userid, tmr_jiffies(), std::move(mb)};
    return 0;
}

template <class... Attrs>
int FloorServer::notify(int prim, unsigned attrc, Attrs... attrs) {
    if (!negotiated_ || room_left_) return ENOTCONN;
    if (negotiated_->transport == BfcpTransport::Udp) {
        // Before the client spoke, the port its m-line named: a meeting share may start
        // before the room ever sends a BFCP message.
        struct sa dst {};
        if (udp_peer_)
            dst = *udp_peer_;
        else if (negotiated_->remote_port == 0 ||
                 sa_set_str(&dst, negotiated_->remote_address.c_str(), negotiated_->remote_port) !=
                     0)
            return ENOTCONN;
        // libre retransmits until the client's acknowledgement (T1 = 500 ms, doubling).
        return bfcp_notify(udp_.get(), &dst, version_, static_cast<enum bfcp_prim>(prim),
                           conference_id_, user_id_, attrc, attrs...);
    }
    if (!tcp_) return ENOTCONN;
    core::ReHandle<struct mbuf> mb(mbuf_alloc(128));
    if (!mb) return ENOMEM;
    if (++tcp_tid_ == 0) tcp_tid_ = 1;
    int err = bfcp_msg_encode(mb.get(), version_, false, static_cast<enum bfcp_prim>(prim),
                              conference_id_, tcp_tid_, user_id_, attrc, attrs...);
    if (err != 0) return err;
    mb->pos = 0;
    return tcp_send(tcp_.get(), mb.get());
}

bool FloorServer::on_udp_datagram(struct sa* src, struct mbuf* mb, void* arg) {
    auto* self = static_cast<FloorServer*>(arg);
    const size_t start = mb->pos;
    struct bfcp_msg* decoded = nullptr;
    const int err = bfcp_msg_decode(&decoded, mb);
    mb->pos = start;
    if (err != 0) return false;  // libre drops it as well
    core::ReHandle<struct bfcp_msg> msg(decoded);
    // Acknowledgements of our notifications are libre's transactions.
    if (!client_request(*msg)) return false;
    msg->src = *src;
    self->on_udp_request(*msg);
    return true;
}

void FloorServer::on_udp_request(const struct bfcp_msg& msg) {
    if (!negotiated_ || negotiated_->transport != BfcpTransport::Udp) return;
    const UdpAnswer& last = udp_answer_;
    if (last.mb && tmr_jiffies() - last.sent_ms < kUdpAnswerKeepMs && last.tid == msg.tid &&
        last.prim == primitive_of(msg) && last.confid == msg.confid && last.userid == msg.userid) {
        // A retransmission: its answer again, without acting on it twice.
        last.mb->pos = 0;
        (void)udp_send(static_cast<struct udp_sock*>(bfcp_sock(udp_.get())), &msg.src,
                       last.mb.get());
        return;
    }
    handle(msg, false);
}

void FloorServer::on_udp(const struct bfcp_msg* msg, void* arg) {
    auto* self = static_cast<FloorServer*>(arg);
    if (!self->negotiated_ || self->negotiated_->transport != BfcpTransport::Udp) return;
    self->handle(*msg, false);
}

void FloorServer::drop_connection() {
    // The TLS layer holds a reference to the TCP connection: it goes first.
    drop_timer_.cancel();
    tls_conn_.reset();
    tcp_.reset();
    framer_.clear();
    tls_verified_ = false;
}

void FloorServer::on_tcp_connect(const struct sa* peer, void* arg) {
    auto* self = static_cast<FloorServer*>(arg);
    const bool tls = self->negotiated_ && self->negotiated_->transport == BfcpTransport::Tls;
    if (!self->stream_transport() || (tls && !self->tls_)) {
        tcp_reject(self->tcp_listener_.get());
        return;
    }
    // a=connection:new: a client that connects again replaces its old connection.
    self->drop_connection();
    struct tcp_conn* tc = nullptr;
    if (tcp_accept(&tc, self->tcp_listener_.get(), tls ? &FloorServer::on_tls_established : nullptr,
                   &FloorServer::on_tcp_recv, &FloorServer::on_tcp_close, self) != 0) {
        tcp_reject(self->tcp_listener_.get());
        return;
    }
    self->tcp_.reset(tc);
    if (tls) {
        struct tls_conn* sc = nullptr;
        if (int err = tls_start_tcp(&sc, self->tls_.get(), tc, 0); err != 0) {
            spdlog::warn("bfcp: sess={} TLS on the connection from {} failed: {}", self->log_id_,
                         peer_text(*peer), std::strerror(err));
            self->drop_connection();
            return;
        }
        self->tls_conn_.reset(sc);
    }
    self->room_left_ = false;
    spdlog::info("bfcp: sess={} {} client connected from {}", self->log_id_, tls ? "TLS" : "TCP",
                 peer_text(*peer));
    // Over TLS the room hears of a meeting share once its certificate is checked.
    if (!tls && self->floor_ && self->floor_->gateway_holds()) self->notify_floor_status();
}

void FloorServer::on_tls_established(void* arg) {
    auto* self = static_cast<FloorServer*>(arg);
    if (!self->tls_conn_ || !self->negotiated_ || !self->negotiated_->remote_fingerprint) return;
    const DtlsFingerprint& want = *self->negotiated_->remote_fingerprint;
    const bool sha1 = want.hash == FingerprintHash::Sha1;
    std::vector<uint8_t> md(sha1 ? 20 : 32);
    const int err = tls_peer_fingerprint(self->tls_conn_.get(),
                                         sha1 ? TLS_FINGERPRINT_SHA1 : TLS_FINGERPRINT_SHA256,
                                         md.data(), md.size());
    if (err != 0 || md != want.digest) {
        // RFC 8122 §5: the certificate is the one the signalling named, or the peer is not
        // the room that sent the offer.
        spdlog::warn("bfcp: sess={} TLS client certificate {}: connection closed", self->log_id_,
                     err != 0 ? "missing" : "does not match the a=fingerprint of the offer");
        // Not from inside libre's TLS handler, which still uses the connection.
        self->drop_timer_.start(0, [self] { self->drop_connection(); });
        return;
    }
    self->tls_verified_ = true;
    spdlog::info("bfcp: sess={} TLS client certificate matches the offer's fingerprint ({})",
                 self->log_id_, tls_cipher_name(self->tls_conn_.get()));
    if (self->floor_ && self->floor_->gateway_holds()) self->notify_floor_status();
}

void FloorServer::on_tcp_close(int err, void* arg) {
    auto* self = static_cast<FloorServer*>(arg);
    spdlog::info("bfcp: sess={} {} client gone ({})", self->log_id_,
                 self->tls_conn_ ? "TLS" : "TCP", err != 0 ? std::strerror(err) : "closed");
    self->drop_connection();
    // A room whose connection died cannot release what it holds: its share is over.
    self->room_gone("connection lost");
}

void FloorServer::room_gone(const char* why) {
    if (!floor_) return;
    const Holders before = holders();
    if (auto ended = floor_->revoke())
        spdlog::info("bfcp: sess={} floor={} request={} state=revoked ({})", log_id_,
                     floor_->floor_id(), ended->request_id, why);
    floor_queried_ = false;
    room_left_ = true;
    report_floor(before);
}

void FloorServer::on_tcp_recv(struct mbuf* mb, void* arg) {
    auto* self = static_cast<FloorServer*>(arg);
    // Over TLS nothing counts before the room's certificate matched its fingerprint.
    if (self->tls_conn_ && !self->tls_verified_) return;
    self->receive_stream({mbuf_buf(mb), mbuf_get_left(mb)});
}

void FloorServer::receive_stream(std::span<const uint8_t> bytes) {
    framer_.append(bytes);
    std::vector<uint8_t> frame;
    for (;;) {
        switch (framer_.next(frame)) {
            case BfcpStreamFramer::Status::NeedMore:
                return;
            case BfcpStreamFramer::Status::Invalid:
                spdlog::warn("bfcp: sess={} {} message refused ({}): connection closed", log_id_,
                             tls_conn_ ? "TLS" : "TCP", framer_.why());
                drop_connection();
                return;
            case BfcpStreamFramer::Status::Frame:
                break;
        }
        core::ReHandle<struct mbuf> one(mbuf_alloc(frame.size()));
        if (!one) return;
        (void)mbuf_write_mem(one.get(), frame.data(), frame.size());
        one->pos = 0;
        struct bfcp_msg* raw = nullptr;
        if (bfcp_msg_decode(&raw, one.get()) != 0) {
            refused("malformed stream message (" + std::to_string(frame.size()) +
                    " bytes) ignored");
            continue;
        }
        core::ReHandle<struct bfcp_msg> msg(raw);
        handle(*msg, true);
    }
}

void FloorServer::refused(const std::string& why) {
    ++refusals_;
    if (refusals_ <= kRefusalLogFirst)
        spdlog::warn("bfcp: sess={} {}", log_id_, why);
    else if (refusals_ % kRefusalLogEvery == 0)
        spdlog::warn("bfcp: sess={} {} ({} refused or ignored so far)", log_id_, why, refusals_);
}

void FloorServer::send_error(const struct bfcp_msg& msg, bool tcp, FloorError code,
                             const char* why) {
    refused(primitive_name(primitive_of(msg)) + " refused: " + why);
    struct bfcp_errcode ec {};
    ec.code = static_cast<enum bfcp_err>(code);
    (void)reply(msg, tcp, BFCP_ERROR, 1u, BFCP_ERROR_CODE, 0u, &ec);
}

void FloorServer::handle(const struct bfcp_msg& msg, bool tcp) {
    if (msg.r) return;  // an acknowledgement libre did not match, or one over TCP
    if (msg.confid != conference_id_) {
        send_error(msg, tcp, FloorError::ConferenceDoesNotExist, "unknown conference id");
        return;
    }
    if (msg.userid != user_id_) {
        send_error(msg, tcp, FloorError::UserDoesNotExist, "unknown user id");
        return;
    }
    if (msg.uma.typec > 0) {
        struct bfcp_errcode ec {};
        ec.code = BFCP_UNKNOWN_MAND_ATTR;
        refused(primitive_name(primitive_of(msg)) + " refused: unknown mandatory attribute");
        (void)reply(msg, tcp, BFCP_ERROR, 1u, BFCP_ERROR_CODE, 0u, &ec);
        return;
    }
    const unsigned prim = primitive_of(msg);
    if (!known_primitive(prim)) {
        send_error(msg, tcp, FloorError::UnknownPrimitive, "unknown primitive");
        return;
    }
    version_ = msg.ver;
    room_left_ = false;
    if (!tcp) udp_peer_ = msg.src;
    switch (static_cast<enum bfcp_prim>(prim)) {
        case BFCP_HELLO: {
            static std::array<enum bfcp_prim, 13> prims{BFCP_ERROR,
                                                        BFCP_GOODBYE_ACK,
                                                        BFCP_FLOOR_REQ_STATUS_ACK,
                                                        BFCP_FLOOR_STATUS_ACK,
                                                        BFCP_FLOOR_REQUEST,
                                                        BFCP_FLOOR_RELEASE,
                                                        BFCP_FLOOR_REQUEST_QUERY,
                                                        BFCP_FLOOR_REQUEST_STATUS,
                                                        BFCP_FLOOR_QUERY,
                                                        BFCP_FLOOR_STATUS,
                                                        BFCP_HELLO,
                                                        BFCP_HELLO_ACK,
                                                        BFCP_GOODBYE};
            static std::array<enum bfcp_attrib, 7> attrs{
                BFCP_FLOOR_ID,       BFCP_FLOOR_REQUEST_ID, BFCP_REQUEST_STATUS,    BFCP_ERROR_CODE,
                BFCP_FLOOR_REQ_INFO, BFCP_FLOOR_REQ_STATUS, BFCP_OVERALL_REQ_STATUS};
            bfcp_supprim supprim{prims.data(), prims.size()};
            bfcp_supattr supattr{attrs.data(), attrs.size()};
            (void)reply(msg, tcp, BFCP_HELLO_ACK, 2u, BFCP_SUPPORTED_PRIMS, 0u, &supprim,
                        BFCP_SUPPORTED_ATTRS, 0u, &supattr);
            spdlog::info("bfcp: sess={} hello from the room (version {})", log_id_, msg.ver);
            // A room that (re)connects while the meeting shares learns who holds the floor.
            if (floor_->gateway_holds()) notify_floor_status();
            return;
        }
        case BFCP_FLOOR_REQUEST:
            on_floor_request(msg, tcp);
            return;
        case BFCP_FLOOR_RELEASE:
            on_floor_release(msg, tcp);
            return;
        case BFCP_FLOOR_QUERY:
            on_floor_query(msg, tcp);
            return;
        case BFCP_FLOOR_REQUEST_QUERY: {
            const struct bfcp_attr* a = bfcp_msg_attr(&msg, BFCP_FLOOR_REQUEST_ID);
            if (a == nullptr || !floor_->holder() || *floor_->holder() != a->v.floorreqid) {
                send_error(msg, tcp, FloorError::FloorRequestIdDoesNotExist, "no such request");
                return;
            }
            uint16_t rid = a->v.floorreqid;
            uint16_t fid = floor_->floor_id();
            struct bfcp_reqstatus rs {
                BFCP_GRANTED, 0
            };
            (void)reply(msg, tcp, BFCP_FLOOR_REQUEST_STATUS, 1u, BFCP_FLOOR_REQ_INFO, 2u, &rid,
                        BFCP_OVERALL_REQ_STATUS, 1u, &rid, BFCP_REQUEST_STATUS, 0u, &rs,
                        BFCP_FLOOR_REQ_STATUS, 0u, &fid);
            return;
        }
        case BFCP_GOODBYE: {
            (void)reply(msg, tcp, BFCP_GOODBYE_ACK, 0u);
            spdlog::info("bfcp: sess={} goodbye from the room", log_id_);
            room_gone("goodbye");
            return;
        }
        default:
            send_error(msg, tcp, FloorError::UnknownPrimitive, "primitive not supported");
            return;
    }
}

void FloorServer::on_floor_request(const struct bfcp_msg& msg, bool tcp) {
    std::vector<uint16_t> floors;
    (void)bfcp_msg_attr_apply(&msg, &collect_floor_id, &floors);
    const Holders before = holders();
    const FloorAnswer a = floor_->request(floors);
    if (a.error) {
        send_error(msg, tcp, *a.error, floors.empty() ? "no floor id" : "unknown floor id");
        return;
    }
    uint16_t rid = a.request_id;
    uint16_t fid = floor_->floor_id();
    struct bfcp_reqstatus rs {
        static_cast<enum bfcp_reqstat>(a.states.front()), 0
    };
    (void)reply(msg, tcp, BFCP_FLOOR_REQUEST_STATUS, 1u, BFCP_FLOOR_REQ_INFO, 2u, &rid,
                BFCP_OVERALL_REQ_STATUS, 1u, &rid, BFCP_REQUEST_STATUS, 0u, &rs,
                BFCP_FLOOR_REQ_STATUS, 0u, &fid);
    spdlog::info("bfcp: sess={} floor={} request={} state={}", log_id_, fid, rid,
                 floor_request_state_name(a.states.front()));
    notify_states(a, 1);
    report_floor(before);
}

void FloorServer::on_floor_release(const struct bfcp_msg& msg, bool tcp) {
    const struct bfcp_attr* attr = bfcp_msg_attr(&msg, BFCP_FLOOR_REQUEST_ID);
    if (attr == nullptr) {
        send_error(msg, tcp, FloorError::FloorRequestIdDoesNotExist, "no floor request id");
        return;
    }
    const Holders before = holders();
    const FloorAnswer a = floor_->release(attr->v.floorreqid);
    if (a.error) {
        send_error(msg, tcp, *a.error, "no such floor request");
        return;
    }
    uint16_t rid = a.request_id;
    uint16_t fid = floor_->floor_id();
    struct bfcp_reqstatus rs {
        static_cast<enum bfcp_reqstat>(a.states.front()), 0
    };
    (void)reply(msg, tcp, BFCP_FLOOR_REQUEST_STATUS, 1u, BFCP_FLOOR_REQ_INFO, 2u, &rid,
                BFCP_OVERALL_REQ_STATUS, 1u, &rid, BFCP_REQUEST_STATUS, 0u, &rs,
                BFCP_FLOOR_REQ_STATUS, 0u, &fid);
    spdlog::info("bfcp: sess={} floor={} request={} state=released", log_id_, fid, rid);
    report_floor(before);
}

void FloorServer::on_floor_query(const struct bfcp_msg& msg, bool tcp) {
    uint16_t fid = floor_->floor_id();
    floor_queried_ = true;
    if (auto own = floor_->gateway_request()) {
        uint16_t rid = *own;
        uint16_t uid = gateway_user_id();
        struct bfcp_reqstatus rs {
            BFCP_GRANTED, 0
        };
        (void)reply(msg, tcp, BFCP_FLOOR_STATUS, 2u, BFCP_FLOOR_ID, 0u, &fid, BFCP_FLOOR_REQ_INFO,
                    3u, &rid, BFCP_BENEFICIARY_INFO, 0u, &uid, BFCP_OVERALL_REQ_STATUS, 1u, &rid,
                    BFCP_REQUEST_STATUS, 0u, &rs, BFCP_FLOOR_REQ_STATUS, 0u, &fid);
        return;
    }
    if (auto holder = floor_->holder()) {
        uint16_t rid = *holder;
        struct bfcp_reqstatus rs {
            BFCP_GRANTED, 0
        };
        (void)reply(msg, tcp, BFCP_FLOOR_STATUS, 2u, BFCP_FLOOR_ID, 0u, &fid, BFCP_FLOOR_REQ_INFO,
                    2u, &rid, BFCP_OVERALL_REQ_STATUS, 1u, &rid, BFCP_REQUEST_STATUS, 0u, &rs,
                    BFCP_FLOOR_REQ_STATUS, 0u, &fid);
        return;
    }
    (void)reply(msg, tcp, BFCP_FLOOR_STATUS, 1u, BFCP_FLOOR_ID, 0u, &fid);
}

void FloorServer::notify_states(const FloorAnswer& answer, size_t from) {
    uint16_t rid = answer.request_id;
    uint16_t fid = floor_ ? floor_->floor_id() : 0;
    for (size_t i = from; i < answer.states.size(); ++i) {
        struct bfcp_reqstatus rs {
            static_cast<enum bfcp_reqstat>(answer.states[i]), 0
        };
        const int err = notify(BFCP_FLOOR_REQUEST_STATUS, 1u, BFCP_FLOOR_REQ_INFO, 2u, &rid,
                               BFCP_OVERALL_REQ_STATUS, 1u, &rid, BFCP_REQUEST_STATUS, 0u, &rs,
                               BFCP_FLOOR_REQ_STATUS, 0u, &fid);
        spdlog::info("bfcp: sess={} floor={} request={} state={}{}", log_id_, fid, rid,
                     floor_request_state_name(answer.states[i]),
                     err != 0 ? std::string(" (not sent: ") + std::strerror(err) + ")" : "");
    }
}

void FloorServer::notify_floor_status() {
    if (!floor_) return;
    uint16_t fid = floor_->floor_id();
    if (auto own = floor_->gateway_request()) {
        // The beneficiary is the gateway's user, not the room's: the room must not take the
        // grant for its own.
        uint16_t rid = *own;
        uint16_t uid = gateway_user_id();
        struct bfcp_reqstatus rs {
            BFCP_GRANTED, 0
        };
        (void)notify(BFCP_FLOOR_STATUS, 2u, BFCP_FLOOR_ID, 0u, &fid, BFCP_FLOOR_REQ_INFO, 3u, &rid,
                     BFCP_BENEFICIARY_INFO, 0u, &uid, BFCP_OVERALL_REQ_STATUS, 1u, &rid,
                     BFCP_REQUEST_STATUS, 0u, &rs, BFCP_FLOOR_REQ_STATUS, 0u, &fid);
        return;
    }
    if (auto holder = floor_->holder()) {
        uint16_t rid = *holder;
        struct bfcp_reqstatus rs {
            BFCP_GRANTED, 0
        };
        (void)notify(BFCP_FLOOR_STATUS, 2u, BFCP_FLOOR_ID, 0u, &fid, BFCP_FLOOR_REQ_INFO, 2u, &rid,
                     BFCP_OVERALL_REQ_STATUS, 1u, &rid, BFCP_REQUEST_STATUS, 0u, &rs,
                     BFCP_FLOOR_REQ_STATUS, 0u, &fid);
        return;
    }
    (void)notify(BFCP_FLOOR_STATUS, 1u, BFCP_FLOOR_ID, 0u, &fid);
}

}  // namespace sip
