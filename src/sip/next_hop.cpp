#include "sip/next_hop.hpp"

#include "core/libre.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace sip {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool is_localhost(std::string_view host) {
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    constexpr std::string_view kName = "localhost";
    if (iequals(host, kName)) return true;
    return host.size() > kName.size() + 1 &&
           iequals(host.substr(host.size() - kName.size() - 1), ".localhost");
}

std::string str(const char* s) {
    return s != nullptr ? std::string(s) : std::string();
}

template <class Fn>
void for_each_rr(struct list* rrl, uint16_t type, Fn fn) {
    if (rrl == nullptr) return;
    for (struct le* le = list_head(rrl); le != nullptr; le = le->next) {
        const auto* rr = static_cast<const struct dnsrr*>(le->data);
        if (rr != nullptr && rr->type == type) fn(*rr);
    }
}

const char* rcode_text(uint8_t rcode) {
    switch (rcode) {
        case DNS_RCODE_NAME_ERR:
            return "no such name";
        case DNS_RCODE_SRV_FAIL:
            return "server failure";
        case DNS_RCODE_REFUSED:
            return "refused";
        default:
            return "error";
    }
}

}  // namespace

std::string NextHop::route() const {
    return "sip:" + text() + ";transport=tls";
}

std::string NextHop::text() const {
    const bool v6 = address.find(':') != std::string::npos;
    return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

std::optional<std::vector<NextHop>> next_hops_without_dns(const TlsTarget& target) {
    const uint16_t port = target.port != 0 ? target.port : 5061;
    if (target.ip_literal) return std::vector<NextHop>{{target.host, port}};
    // Only an IPv4 loopback: the gateway's TLS listeners are usually IPv4 and libre needs one
    // of the destination's family.
    if (is_localhost(target.host)) return std::vector<NextHop>{{"127.0.0.1", port}};
    return std::nullopt;
}

std::string sips_srv_name(std::vector<NaptrChoice> records) {
    std::erase_if(records, [](const NaptrChoice& r) {
        return !iequals(r.service, "SIPS+D2T") || !iequals(r.flags, "s") || r.replacement.empty();
    });
    if (records.empty()) return {};
    std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
        return a.order != b.order ? a.order < b.order : a.preference < b.preference;
    });
    return records.front().replacement;
}

NextHopLookup::NextHopLookup(Key, struct dnsc* dns, TlsTarget target, Done done)
    : dns_(dns), target_(std::move(target)), done_(std::move(done)) {}

NextHopLookup::~NextHopLookup() {
    soon_.cancel();
    mem_deref(query_);  // cancels an unanswered query: its handler never runs
}

std::unique_ptr<NextHopLookup> NextHopLookup::start(struct dnsc* dns, TlsTarget target, Done done) {
    auto l = std::make_unique<NextHopLookup>(Key{}, dns, std::move(target), std::move(done));
    NextHopLookup* self = l.get();
    if (auto local = next_hops_without_dns(self->target_)) {
        self->soon_.start(0, [self, hops = std::move(*local)] { self->finish(hops); });
        return l;
    }
    if (dns == nullptr) {
        self->soon_.start(0, [self] {
            self->finish(core::fail("cannot resolve '" + self->target_.host +
                                    "': no DNS server (sip.dns_servers or /etc/resolv.conf)"));
        });
        return l;
    }
    if (self->target_.port != 0) {
        self->pending_.push_back({self->target_.host, self->target_.port});
        self->next_address();
    } else if (!self->target_.transport_given) {
        self->ask(Step::Naptr, self->target_.host);
    } else {
        self->ask(Step::Srv, "_sips._tcp." + self->target_.host);
    }
    return l;
}

void NextHopLookup::ask(Step step, const std::string& name) {
    step_ = step;
    const uint16_t type = step == Step::Naptr ? DNS_TYPE_NAPTR
                          : step == Step::Srv ? DNS_TYPE_SRV
                          : step == Step::A   ? DNS_TYPE_A
                                              : DNS_TYPE_AAAA;
    const int err = dnsc_query(&query_, dns_, name.c_str(), type, DNS_CLASS_IN, true,
                               &NextHopLookup::on_answer, this);
    if (err != 0) {
        // Not from inside start(): the owner does not hold the lookup yet.
        last_error_ = std::string("cannot query DNS: ") + std::strerror(err);
        soon_.start(0, [this] {
            finish(core::fail("cannot resolve '" + target_.host + "': " + last_error_));
        });
    }
}

void NextHopLookup::next_address() {
    if (found_.size() >= kMaxHops) pending_.clear();
    if (pending_.empty()) {
        if (!found_.empty()) {
            finish(found_);
        } else {
            finish(core::fail("cannot resolve '" + target_.host +
                              "': " + (last_error_.empty() ? "no address" : last_error_)));
        }
        return;
    }
    current_ = pending_.front();
    pending_.erase(pending_.begin());
    ask(Step::A, current_.name);
}

void NextHopLookup::on_answer(int err, const struct dnshdr* hdr, struct list* ansl,
                              struct list* /*authl*/, struct list* /*addl*/, void* arg) {
    auto* self = static_cast<NextHopLookup*>(arg);
    if (err != 0) {
        self->last_error_ = std::string("DNS: ") + std::strerror(err);
    } else if (hdr != nullptr && hdr->rcode != DNS_RCODE_OK) {
        self->last_error_ = std::string("DNS: ") + rcode_text(hdr->rcode);
    }
    switch (self->step_) {
        case Step::Naptr: {
            std::vector<NaptrChoice> records;
            for_each_rr(ansl, DNS_TYPE_NAPTR, [&](const struct dnsrr& rr) {
                records.push_back({rr.rdata.naptr.order, rr.rdata.naptr.pref,
                                   str(rr.rdata.naptr.flags), str(rr.rdata.naptr.services),
                                   str(rr.rdata.naptr.replace)});
            });
            const std::string srv = sips_srv_name(std::move(records));
            // RFC 3263 4.1: without a usable NAPTR record, SRV for the transport we want.
            self->ask(Step::Srv, srv.empty() ? "_sips._tcp." + self->target_.host : srv);
            return;
        }
        case Step::Srv: {
            struct Srv {
                uint16_t priority, weight, port;
                std::string target;
            };
            std::vector<Srv> records;
            for_each_rr(ansl, DNS_TYPE_SRV, [&](const struct dnsrr& rr) {
                records.push_back({rr.rdata.srv.pri, rr.rdata.srv.weight, rr.rdata.srv.port,
                                   str(rr.rdata.srv.target)});
            });
            std::stable_sort(records.begin(), records.end(), [](const Srv& a, const Srv& b) {
                return a.priority != b.priority ? a.priority < b.priority : a.weight > b.weight;
            });
            for (const auto& r : records) {
                // "." says the service is not offered there (RFC 2782).
                if (r.target.empty() || r.target == ".") continue;
                if (self->pending_.size() < kMaxTargets)
                    self->pending_.push_back({r.target, r.port});
            }
            // RFC 3263 4.2: no SRV records, the name itself on the default port.
            if (records.empty()) self->pending_.push_back({self->target_.host, 5061});
            self->next_address();
            return;
        }
        case Step::A: {
            const size_t before = self->found_.size();
            for_each_rr(ansl, DNS_TYPE_A, [&](const struct dnsrr& rr) {
                char buf[INET_ADDRSTRLEN] = "";
                const uint32_t net = htonl(rr.rdata.a.addr);
                if (inet_ntop(AF_INET, &net, buf, sizeof buf) != nullptr &&
                    self->found_.size() < kMaxHops)
                    self->found_.push_back({buf, self->current_.port});
            });
            if (self->found_.size() == before) {
                self->ask(Step::Aaaa, self->current_.name);
                return;
            }
            self->next_address();
            return;
        }
        case Step::Aaaa: {
            for_each_rr(ansl, DNS_TYPE_AAAA, [&](const struct dnsrr& rr) {
                char buf[INET6_ADDRSTRLEN] = "";
                if (inet_ntop(AF_INET6, rr.rdata.aaaa.addr, buf, sizeof buf) != nullptr &&
                    self->found_.size() < kMaxHops)
                    self->found_.push_back({buf, self->current_.port});
            });
            self->next_address();
            return;
        }
    }
}

void NextHopLookup::finish(core::Result<std::vector<NextHop>> result) {
    // `done` may destroy this lookup: nothing of it is touched after the call.
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(result));
}

}  // namespace sip
