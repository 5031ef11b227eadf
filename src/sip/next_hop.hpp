// Where a request to a TLS target named by a host name goes: the gateway resolves the name
// itself (RFC 3263, client side) instead of leaving it to libre.
//
// Why: libre 1.1.0 resolves a name asynchronously deep inside a request and then opens a
// connection that carries no name, so sip::TlsVerifier could neither check the certificate
// against the name nor send it as SNI. Given an address, libre opens the connection inside the
// call that sends the request, where a TlsVerifier::ExpectPeer scope names it. The request URI
// and To keep the name; the address travels as a pre-loaded Route (RFC 3261 section 8.1.2),
// which libre sends to and the first hop removes as its own.
#pragma once

#include "core/control_loop.hpp"
#include "core/result.hpp"
#include "sip/tls_target.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct dnsc;
struct dns_query;
struct dnshdr;
struct list;

namespace sip {

struct NextHop {
    std::string address;  // an IP literal, IPv6 without brackets
    uint16_t port = 5061;

    // "sip:192.0.2.7:5061;transport=tls" (libre adds ";lr" to a Route it sends).
    [[nodiscard]] std::string route() const;
    // "192.0.2.7:5061", "[2001:db8::7]:5061"
    [[nodiscard]] std::string text() const;
    bool operator==(const NextHop&) const = default;
};

// The next hops of a target that needs no DNS: an IP literal, or "localhost" and names under
// it, which are the loopback without asking anyone (RFC 6761 section 6.3). nullopt otherwise.
std::optional<std::vector<NextHop>> next_hops_without_dns(const TlsTarget& target);

// A NAPTR record as far as RFC 3263 needs it.
struct NaptrChoice {
    uint16_t order = 0;
    uint16_t preference = 0;
    std::string flags;
    std::string service;
    std::string replacement;
};
// The SRV name to query for SIP over TLS among `records`: the first "SIPS+D2T" record with the
// "s" flag by order then preference; empty when there is none.
std::string sips_srv_name(std::vector<NaptrChoice> records);

// One asynchronous RFC 3263 look-up for a TLS target: NAPTR ("sips:" without port nor
// transport), SRV _sips._tcp (no port), then A, or AAAA when there is no A record. Several
// answers keep the SRV order (priority, then the heavier weight first).
class NextHopLookup {
public:
    using Done = std::function<void(core::Result<std::vector<NextHop>>)>;

    // `done` runs once, later, on the control thread, and never after the lookup is destroyed;
    // it may destroy the lookup. `dns` null: fails ("no DNS server").
    static std::unique_ptr<NextHopLookup> start(struct dnsc* dns, TlsTarget target, Done done);
    ~NextHopLookup();
    NextHopLookup(const NextHopLookup&) = delete;
    NextHopLookup& operator=(const NextHopLookup&) = delete;

    struct Key {
        explicit Key() = default;
    };
    NextHopLookup(Key, struct dnsc* dns, TlsTarget target, Done done);

    static constexpr size_t kMaxTargets = 4;  // SRV targets resolved, at most
    static constexpr size_t kMaxHops = 8;

private:
    enum class Step { Naptr, Srv, A, Aaaa };
    struct Pending {
        std::string name;
        uint16_t port;
    };
    static void on_answer(int err, const struct dnshdr* hdr, struct list* ansl, struct list* authl,
                          struct list* addl, void* arg);
    void ask(Step step, const std::string& name);
    void next_address();
    void finish(core::Result<std::vector<NextHop>> result);

    struct dnsc* dns_;
    TlsTarget target_;
    Done done_;
    Step step_ = Step::A;
    // libre owns a query until it answers: it clears this pointer then and frees the query.
    struct dns_query* query_ = nullptr;
    std::vector<Pending> pending_;  // names still to resolve to addresses
    Pending current_;
    std::vector<NextHop> found_;
    std::string last_error_;
    core::Timer soon_;
};

}  // namespace sip
