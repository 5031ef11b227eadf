#include "support/bfcp_client.hpp"

namespace testsupport {

namespace {

struct Found {
    uint16_t request_id = 0;
    int state = 0;
    uint16_t beneficiary = 0;
};

bool find_status(const struct bfcp_attr* attr, void* arg) {
    auto* f = static_cast<Found*>(arg);
    if (attr->type != BFCP_FLOOR_REQ_INFO) return false;
    f->request_id = attr->v.floorreqid;
    if (const struct bfcp_attr* o = bfcp_attr_subattr(attr, BFCP_OVERALL_REQ_STATUS)) {
        if (const struct bfcp_attr* s = bfcp_attr_subattr(o, BFCP_REQUEST_STATUS))
            f->state = s->v.reqstatus.status;
    }
    if (const struct bfcp_attr* b = bfcp_attr_subattr(attr, BFCP_BENEFICIARY_INFO))
        f->beneficiary = b->v.beneficiaryid;
    return true;
}

}  // namespace

BfcpClient::BfcpClient(Transport transport, const std::string& host, uint16_t port,
                       uint32_t conference_id, uint16_t user_id, uint8_t version,
                       const std::string& tls_pem)
    : transport_(transport), conference_id_(conference_id), user_id_(user_id), version_(version) {
    if (sa_set_str(&server_, host.c_str(), port) != 0) return;
    if (transport_ == Transport::Udp) {
        struct sa local;
        (void)sa_set_str(&local, host.c_str(), 0);
        struct bfcp_conn* conn = nullptr;
        if (bfcp_listen(&conn, BFCP_UDP, &local, nullptr, &BfcpClient::on_udp, this) != 0) return;
        udp_.reset(conn);
        struct udp_helper* uh = nullptr;
        if (udp_register_helper(&uh, static_cast<struct udp_sock*>(bfcp_sock(conn)), 0, nullptr,
                                &BfcpClient::on_udp_datagram, this) != 0)
            return;
        udp_helper_.reset(uh);
        connected_ = true;
    } else {
        if (transport_ == Transport::Tls) {
            struct tls* t = nullptr;
            if (tls_alloc(&t, TLS_METHOD_SSLV23, nullptr, nullptr) != 0) return;
            tls_.reset(t);
            // Self-signed, as room systems' are: the server judges it by its fingerprint.
            // (libre 1.1.0's tls_set_selfsigned fails with this OpenSSL: the test gives one.)
            if (tls_pem.empty() || tls_set_certificate(t, tls_pem.data(), tls_pem.size()) != 0)
                return;
        }
        struct tcp_conn* tc = nullptr;
        if (tcp_connect(&tc, &server_, &BfcpClient::on_tcp_estab, &BfcpClient::on_tcp_recv,
                        &BfcpClient::on_tcp_close, this) != 0)
            return;
        tcp_.reset(tc);
        if (tls_) {
            struct tls_conn* sc = nullptr;
            if (tls_start_tcp(&sc, tls_.get(), tc, 0) != 0) return;
            tls_conn_.reset(sc);
        }
    }
    ok_ = true;
}

BfcpClient::~BfcpClient() {
    tls_conn_.reset();
    tcp_.reset();
    // The helper first: a socket frees the helpers still registered on it.
    udp_helper_.reset();
    udp_.reset();
}

template <class... Attrs>
void BfcpClient::request(int prim, unsigned attrc, Attrs... attrs) {
    if (transport_ == Transport::Udp) {
        (void)bfcp_request(udp_.get(), &server_, version_, static_cast<enum bfcp_prim>(prim),
                           conference_id_, user_id_, &BfcpClient::on_response, this, attrc,
                           attrs...);
        return;
    }
    if (!tcp_) return;
    core::ReHandle<struct mbuf> mb(mbuf_alloc(128));
    if (++tcp_tid_ == 0) tcp_tid_ = 1;
    if (bfcp_msg_encode(mb.get(), version_, false, static_cast<enum bfcp_prim>(prim),
                        conference_id_, tcp_tid_, user_id_, attrc, attrs...) != 0)
        return;
    mb->pos = 0;
    (void)tcp_send(tcp_.get(), mb.get());
}

void BfcpClient::hello() {
    request(BFCP_HELLO, 0u);
}

void BfcpClient::request_floor(uint16_t floor_id) {
    request(BFCP_FLOOR_REQUEST, 1u, BFCP_FLOOR_ID, 0u, &floor_id);
}

void BfcpClient::release_floor(uint16_t request_id) {
    request(BFCP_FLOOR_RELEASE, 1u, BFCP_FLOOR_REQUEST_ID, 0u, &request_id);
}

void BfcpClient::query_floor(uint16_t floor_id) {
    request(BFCP_FLOOR_QUERY, 1u, BFCP_FLOOR_ID, 0u, &floor_id);
}

void BfcpClient::goodbye() {
    request(BFCP_GOODBYE, 0u);
}

void BfcpClient::send_raw(const std::vector<uint8_t>& bytes) {
    core::ReHandle<struct mbuf> mb(mbuf_alloc(bytes.size() + 1));
    (void)mbuf_write_mem(mb.get(), bytes.data(), bytes.size());
    mb->pos = 0;
    if (transport_ == Transport::Udp)
        (void)udp_send(static_cast<struct udp_sock*>(bfcp_sock(udp_.get())), &server_, mb.get());
    else if (tcp_)
        (void)tcp_send(tcp_.get(), mb.get());
}

void BfcpClient::request_with_tid(int prim, uint16_t tid, uint16_t value) {
    core::ReHandle<struct mbuf> mb(mbuf_alloc(64));
    const enum bfcp_attrib attr =
        prim == BFCP_FLOOR_RELEASE ? BFCP_FLOOR_REQUEST_ID : BFCP_FLOOR_ID;
    if (bfcp_msg_encode(mb.get(), version_, false, static_cast<enum bfcp_prim>(prim),
                        conference_id_, tid, user_id_, 1u, attr, 0u, &value) != 0)
        return;
    send_raw({mb->buf, mb->buf + mb->end});
}

std::optional<int> BfcpClient::state_of(uint16_t request_id) const {
    std::optional<int> state;
    for (const auto& s : seen_)
        if (s.request_id == request_id && s.state != 0) state = s.state;
    return state;
}

std::vector<uint8_t> BfcpClient::certificate_sha256() const {
    std::vector<uint8_t> md(32);
    if (!tls_ || tls_fingerprint(tls_.get(), TLS_FINGERPRINT_SHA256, md.data(), md.size()) != 0)
        return {};
    return md;
}

std::vector<uint8_t> BfcpClient::server_certificate_sha256() const {
    std::vector<uint8_t> md(32);
    if (!tls_conn_ ||
        tls_peer_fingerprint(tls_conn_.get(), TLS_FINGERPRINT_SHA256, md.data(), md.size()) != 0)
        return {};
    return md;
}

uint16_t BfcpClient::local_port() const {
    if (!udp_) return 0;
    struct sa local {};
    if (udp_local_get(static_cast<const struct udp_sock*>(bfcp_sock(udp_.get())), &local) != 0)
        return 0;
    return sa_port(&local);
}

std::optional<BfcpClient::Seen> BfcpClient::last_floor_status() const {
    for (auto it = seen_.rbegin(); it != seen_.rend(); ++it)
        if (it->prim == BFCP_FLOOR_STATUS) return *it;
    return std::nullopt;
}

size_t BfcpClient::count(int prim, bool response) const {
    size_t n = 0;
    for (const auto& s : seen_)
        if (s.prim == prim && s.response == response) ++n;
    return n;
}

void BfcpClient::record(const struct bfcp_msg& msg, bool response) {
    Seen s;
    s.prim = msg.prim;
    s.response = response;
    Found f;
    (void)bfcp_msg_attr_apply(&msg, &find_status, &f);
    s.request_id = f.request_id;
    s.state = f.state;
    s.beneficiary = f.beneficiary;
    s.tid = msg.tid;
    if (const struct bfcp_attr* e = bfcp_msg_attr(&msg, BFCP_ERROR_CODE))
        s.error = e->v.errcode.code;
    if (const struct bfcp_attr* fl = bfcp_msg_attr(&msg, BFCP_FLOOR_ID)) s.floor_id = fl->v.floorid;
    seen_.push_back(s);
}

void BfcpClient::on_response(int err, const struct bfcp_msg* msg, void* arg) {
    auto* self = static_cast<BfcpClient*>(arg);
    if (err != 0 || msg == nullptr) return;
    self->record(*msg, true);
}

// A server-initiated message (FloorRequestStatus, FloorStatus), or over TCP also a response.
void BfcpClient::received(const struct bfcp_msg& msg) {
    const bool response = transport_ != Transport::Udp && msg.r;
    record(msg, response);
    if (response || !acknowledge_) return;
    const enum bfcp_prim ack =
        msg.prim == BFCP_FLOOR_STATUS ? BFCP_FLOOR_STATUS_ACK : BFCP_FLOOR_REQ_STATUS_ACK;
    if (msg.prim != BFCP_FLOOR_STATUS && msg.prim != BFCP_FLOOR_REQUEST_STATUS) return;
    core::ReHandle<struct mbuf> mb(mbuf_alloc(32));
    if (bfcp_msg_encode(mb.get(), msg.ver, true, ack, msg.confid, msg.tid, msg.userid, 0u) != 0)
        return;
    mb->pos = 0;
    if (transport_ == Transport::Udp) {
        (void)udp_send(static_cast<struct udp_sock*>(bfcp_sock(udp_.get())), &msg.src, mb.get());
        return;
    }
    (void)tcp_send(tcp_.get(), mb.get());
}

bool BfcpClient::on_udp_datagram(struct sa* src, struct mbuf* mb, void* arg) {
    const size_t start = mb->pos;
    struct bfcp_msg* decoded = nullptr;
    const int err = bfcp_msg_decode(&decoded, mb);
    mb->pos = start;
    if (err != 0) return false;
    core::ReHandle<struct bfcp_msg> msg(decoded);
    if (msg->r) return false;  // a response to our request: libre's transaction
    msg->src = *src;
    static_cast<BfcpClient*>(arg)->received(*msg);
    return true;
}

void BfcpClient::on_udp(const struct bfcp_msg* msg, void* arg) {
    static_cast<BfcpClient*>(arg)->received(*msg);
}

void BfcpClient::on_tcp_estab(void* arg) {
    static_cast<BfcpClient*>(arg)->connected_ = true;
}

void BfcpClient::on_tcp_close(int, void* arg) {
    auto* self = static_cast<BfcpClient*>(arg);
    self->tcp_closed_ = true;
    self->connected_ = false;
    self->tls_conn_.reset();
    self->tcp_.reset();
}

void BfcpClient::on_tcp_recv(struct mbuf* mb, void* arg) {
    auto* self = static_cast<BfcpClient*>(arg);
    self->tcp_buffer_.insert(self->tcp_buffer_.end(), mbuf_buf(mb),
                             mbuf_buf(mb) + mbuf_get_left(mb));
    while (self->tcp_buffer_.size() >= 12) {
        const size_t len = 12 + 4 * ((size_t{self->tcp_buffer_[2]} << 8) | self->tcp_buffer_[3]);
        if (self->tcp_buffer_.size() < len) return;
        core::ReHandle<struct mbuf> one(mbuf_alloc(len));
        (void)mbuf_write_mem(one.get(), self->tcp_buffer_.data(), len);
        one->pos = 0;
        self->tcp_buffer_.erase(self->tcp_buffer_.begin(),
                                self->tcp_buffer_.begin() + static_cast<std::ptrdiff_t>(len));
        struct bfcp_msg* raw = nullptr;
        if (bfcp_msg_decode(&raw, one.get()) != 0) continue;
        core::ReHandle<struct bfcp_msg> msg(raw);
        self->received(*msg);
    }
}

}  // namespace testsupport
