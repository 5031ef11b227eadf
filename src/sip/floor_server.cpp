#include "sip/floor_server.hpp"

#include "core/log.hpp"
#include "core/text.hpp"

#include <array>
#include <cstring>

namespace sip {

namespace {

// A message bigger than this is not one a client of ours sends (a FloorRequest with every
// optional attribute is under 200 bytes); over TCP it would make us buffer without bound.
constexpr size_t kMaxTcpMessage = 4096;
constexpr size_t kHeaderSize = 12;  // RFC 8855 §5.1 common header

std::string peer_text(const struct sa& a) {
    char buf[64];
    (void)re_snprintf(buf, sizeof buf, "%J", &a);
    return buf;
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
    tcp_.reset();
    tcp_listener_.reset();
    udp_.reset();
}

void FloorServer::describe(LocalMediaPorts& ports) const {
    ports.bfcp_udp = udp_port_;
    ports.bfcp_tcp = tcp_port_;
    ports.bfcp_conference_id = conference_id_;
    ports.bfcp_user_id = user_id_;
}

void FloorServer::apply(const std::optional<NegotiatedBfcp>& negotiated) {
    const bool before = room_holds_floor();
    if (!negotiated) {
        if (negotiated_)
            spdlog::info("bfcp: sess={} floor control off (no BFCP line in the offer)", log_id_);
        close();
        return;
    }
    if (negotiated_ && negotiated_->transport != negotiated->transport) close();
    if (!floor_) floor_.emplace(negotiated->floor_id);
    if (auto ended = floor_->set_floor_id(negotiated->floor_id)) notify_states(*ended, 0);
    if (!negotiated_ || !(*negotiated_ == *negotiated))
        spdlog::info(
            "bfcp: sess={} floor control on {} port={} floor={} confid={} userid={} label={}",
            log_id_, bfcp_transport_name(negotiated->transport), negotiated->local_port,
            negotiated->floor_id, negotiated->conference_id, negotiated->user_id,
            core::log_field(negotiated->content_label));
    negotiated_ = negotiated;
    if (negotiated_->transport == BfcpTransport::Tcp) version_ = 1;
    report_floor(before);
}

void FloorServer::close() {
    const bool before = room_holds_floor();
    if (floor_) {
        if (auto ended = floor_->revoke()) notify_states(*ended, 0);
    }
    floor_.reset();
    negotiated_.reset();
    tcp_.reset();
    tcp_buffer_.clear();
    udp_peer_.reset();
    floor_queried_ = false;
    report_floor(before);
}

void FloorServer::report_floor(bool before) {
    const bool now = room_holds_floor();
    if (now != before && events_.on_floor) events_.on_floor(now);
}

template <class... Attrs>
int FloorServer::reply(const struct bfcp_msg& req, bool tcp, int prim, unsigned attrc,
                       Attrs... attrs) {
    if (!tcp)
        return bfcp_reply(udp_.get(), &req, static_cast<enum bfcp_prim>(prim), attrc, attrs...);
    if (!tcp_) return ENOTCONN;
    core::ReHandle<struct mbuf> mb(mbuf_alloc(128));
    if (!mb) return ENOMEM;
    int err = bfcp_msg_encode(mb.get(), req.ver, true, static_cast<enum bfcp_prim>(prim),
                              req.confid, req.tid, req.userid, attrc, attrs...);
    if (err != 0) return err;
    mb->pos = 0;
    return tcp_send(tcp_.get(), mb.get());
}

template <class... Attrs>
int FloorServer::notify(int prim, unsigned attrc, Attrs... attrs) {
    if (!negotiated_) return ENOTCONN;
    if (negotiated_->transport == BfcpTransport::Udp) {
        if (!udp_peer_) return ENOTCONN;  // the client has not spoken yet
        // libre retransmits until the client's acknowledgement (T1 = 500 ms, doubling).
        return bfcp_notify(udp_.get(), &*udp_peer_, version_, static_cast<enum bfcp_prim>(prim),
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

void FloorServer::on_udp(const struct bfcp_msg* msg, void* arg) {
    auto* self = static_cast<FloorServer*>(arg);
    if (!self->negotiated_ || self->negotiated_->transport != BfcpTransport::Udp) return;
    self->handle(*msg, false);
}

void FloorServer::on_tcp_connect(const struct sa* peer, void* arg) {
    auto* self = static_cast<FloorServer*>(arg);
    if (!self->negotiated_ || self->negotiated_->transport != BfcpTransport::Tcp) {
        tcp_reject(self->tcp_listener_.get());
        return;
    }
    // a=connection:new: a client that connects again replaces its old connection.
    self->tcp_.reset();
    self->tcp_buffer_.clear();
    struct tcp_conn* tc = nullptr;
    if (tcp_accept(&tc, self->tcp_listener_.get(), nullptr, &FloorServer::on_tcp_recv,
                   &FloorServer::on_tcp_close, self) != 0) {
        tcp_reject(self->tcp_listener_.get());
        return;
    }
    self->tcp_.reset(tc);
    spdlog::info("bfcp: sess={} TCP client connected from {}", self->log_id_, peer_text(*peer));
}

void FloorServer::on_tcp_close(int err, void* arg) {
    auto* self = static_cast<FloorServer*>(arg);
    spdlog::info("bfcp: sess={} TCP client gone ({})", self->log_id_,
                 err != 0 ? std::strerror(err) : "closed");
    self->tcp_.reset();
    self->tcp_buffer_.clear();
}

void FloorServer::on_tcp_recv(struct mbuf* mb, void* arg) {
    auto* self = static_cast<FloorServer*>(arg);
    self->tcp_buffer_.insert(self->tcp_buffer_.end(), mbuf_buf(mb),
                             mbuf_buf(mb) + mbuf_get_left(mb));
    // RFC 8855 §5.1: the header's Payload Length counts 4-octet words after the 12 octets.
    while (self->tcp_buffer_.size() >= kHeaderSize && self->tcp_) {
        const size_t len =
            kHeaderSize + 4 * ((size_t{self->tcp_buffer_[2]} << 8) | self->tcp_buffer_[3]);
        const unsigned ver = self->tcp_buffer_[0] >> 5;
        if (len > kMaxTcpMessage || (ver != 1 && ver != 2)) {
            spdlog::warn(
                "bfcp: sess={} TCP message refused (version {}, {} bytes): connection closed",
                self->log_id_, ver, len);
            self->tcp_.reset();
            self->tcp_buffer_.clear();
            return;
        }
        if (self->tcp_buffer_.size() < len) return;
        core::ReHandle<struct mbuf> one(mbuf_alloc(len));
        if (!one) return;
        (void)mbuf_write_mem(one.get(), self->tcp_buffer_.data(), len);
        one->pos = 0;
        self->tcp_buffer_.erase(self->tcp_buffer_.begin(),
                                self->tcp_buffer_.begin() + static_cast<std::ptrdiff_t>(len));
        struct bfcp_msg* raw = nullptr;
        if (bfcp_msg_decode(&raw, one.get()) != 0) {
            spdlog::warn("bfcp: sess={} malformed TCP message ({} bytes) ignored", self->log_id_,
                         len);
            continue;
        }
        core::ReHandle<struct bfcp_msg> msg(raw);
        self->handle(*msg, true);
    }
}

void FloorServer::send_error(const struct bfcp_msg& msg, bool tcp, FloorError code,
                             const char* why) {
    spdlog::warn("bfcp: sess={} {} refused: {}", log_id_, bfcp_prim_name(msg.prim), why);
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
        spdlog::warn("bfcp: sess={} {} refused: unknown mandatory attribute", log_id_,
                     bfcp_prim_name(msg.prim));
        (void)reply(msg, tcp, BFCP_ERROR, 1u, BFCP_ERROR_CODE, 0u, &ec);
        return;
    }
    version_ = msg.ver;
    if (!tcp) udp_peer_ = msg.src;
    switch (msg.prim) {
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
            const bool before = room_holds_floor();
            if (auto ended = floor_->revoke())
                spdlog::info("bfcp: sess={} floor={} request={} state=revoked", log_id_,
                             floor_->floor_id(), ended->request_id);
            floor_queried_ = false;
            report_floor(before);
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
    const bool before = room_holds_floor();
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
    const bool before = room_holds_floor();
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
    if (floor_queried_) notify_floor_status();
    report_floor(before);
}

void FloorServer::on_floor_query(const struct bfcp_msg& msg, bool tcp) {
    uint16_t fid = floor_->floor_id();
    floor_queried_ = true;
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
    if (floor_queried_) notify_floor_status();
}

void FloorServer::notify_floor_status() {
    if (!floor_) return;
    uint16_t fid = floor_->floor_id();
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
