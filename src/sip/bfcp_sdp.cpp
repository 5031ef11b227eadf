#include "sip/bfcp_sdp.hpp"

#include "sip/dtls_fingerprint.hpp"

#include <charconv>
#include <string_view>
#include <vector>

namespace sip {

namespace {

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::optional<uint16_t> to_u16(std::string_view s) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > 65535) return std::nullopt;
    return static_cast<uint16_t>(v);
}

SdpMedia refused_line(const SdpMedia& offered) {
    SdpMedia m;
    m.media = offered.media;
    m.proto = offered.proto;
    m.formats = {"*"};
    return m;
}

BfcpAnswer refuse(const SdpMedia& offered, std::string why) {
    return BfcpAnswer{refused_line(offered), std::nullopt, std::move(why)};
}

// RFC 8856 §5: without a=floorctrl the offerer is the client and we the server, which is
// what we are; an offerer that can only be the server leaves us nothing to be.
bool offerer_can_be_client(const SdpMedia& m) {
    const auto ctrl = m.attribute("floorctrl");
    if (!ctrl) return true;
    for (auto w : words(*ctrl))
        if (w == "c-only" || w == "c-s") return true;
    return false;
}

// The floor of our content line: the a=floorid whose stream list ("a=floorid:2 mstrm:3 4", or
// RFC 4583's "m-stream:3") names the content line's label, else the first floor id offered
// (an offer may list floors for streams we refused, or name none), else 1, which several
// endpoints use when they omit a=floorid.
uint16_t offered_floor_id(const SdpMedia& m, const std::string& content_label) {
    std::optional<uint16_t> first;
    for (const auto& a : m.attributes) {
        if (a.name != "floorid") continue;
        const auto w = words(a.value);
        if (w.empty()) continue;
        const auto id = to_u16(w.front());
        if (!id) continue;
        if (!first) first = id;
        bool streams = false;
        for (size_t i = 1; i < w.size(); ++i) {
            std::string_view s = w[i];
            for (std::string_view prefix : {"mstrm:", "m-stream:"}) {
                if (s.starts_with(prefix)) {
                    s.remove_prefix(prefix.size());
                    streams = true;
                }
            }
            // After the prefix, labels follow as words of their own ("mstrm:3 4").
            if (streams && s == content_label) return *id;
        }
    }
    return first.value_or(1);
}

// The room's certificate fingerprint for TCP/TLS/BFCP: media level first, then session level
// (RFC 8122 §5). libre hashes a TLS peer's certificate with sha-256 or sha-1 only, so those
// are the ones we can check; sha-256 is preferred when both are offered.
std::optional<DtlsFingerprint> offered_tls_fingerprint(
    const SdpMedia& m, const std::vector<SdpAttribute>& session_attributes, std::string& why) {
    for (const auto* attrs : {&m.attributes, &session_attributes}) {
        std::optional<DtlsFingerprint> best;
        bool any = false;
        for (const auto& a : *attrs) {
            if (a.name != "fingerprint") continue;
            any = true;
            auto f = parse_fingerprint(a.value);
            if (!f) {
                why = f.error().message;
                continue;
            }
            if (f->hash != FingerprintHash::Sha256 && f->hash != FingerprintHash::Sha1) {
                why = "a=fingerprint:" + std::string(fingerprint_hash_name(f->hash)) +
                      " (we check sha-256 or sha-1)";
                continue;
            }
            if (!best || f->hash == FingerprintHash::Sha256) best = std::move(*f);
        }
        if (best) return best;
        if (any) return std::nullopt;  // the media level's bad lines are not overridden
    }
    why = "no a=fingerprint line";
    return std::nullopt;
}

}  // namespace

bool is_bfcp_proto(const std::string& proto) {
    return proto == "UDP/BFCP" || proto == "TCP/BFCP" || proto == "TCP/TLS/BFCP" ||
           proto == "UDP/TLS/BFCP";
}

BfcpAnswer answer_bfcp(const SdpMedia& offered, const std::string& session_address,
                       const LocalMediaPorts& ports, const std::string& content_label,
                       const std::vector<SdpAttribute>& session_attributes) {
    if (offered.port == 0) return refuse(offered, "bfcp: port 0 in the offer");
    const bool udp = offered.proto == "UDP/BFCP";
    const bool tls = offered.proto == "TCP/TLS/BFCP";
    // TLS runs over the same TCP framing; "tcp" below covers both.
    const bool tcp = offered.proto == "TCP/BFCP" || tls;
    // UDP/TLS/BFCP (DTLS) is not answered: no endpoint family we know offers it, and libre's
    // DTLS would need its own socket per call.
    if (!udp && !tcp) return refuse(offered, "bfcp: " + offered.proto + " not supported");
    if (tls && (!ports.bfcp_tls || ports.dtls_fingerprint.empty()))
        return refuse(offered, "bfcp: TCP/TLS/BFCP without a local certificate");
    std::optional<DtlsFingerprint> remote_fingerprint;
    if (tls) {
        std::string why;
        remote_fingerprint = offered_tls_fingerprint(offered, session_attributes, why);
        if (!remote_fingerprint) return refuse(offered, "bfcp: TCP/TLS/BFCP with " + why);
    }
    const uint16_t local_port = udp ? ports.bfcp_udp : ports.bfcp_tcp;
    if (local_port == 0) return refuse(offered, "bfcp: no local " + offered.proto + " port");
    if (content_label.empty()) return refuse(offered, "bfcp: no content line to control");
    if (!offerer_can_be_client(offered))
        return refuse(offered, "bfcp: the offer wants to be floor control server (s-only)");

    // Over UDP only version 2 exists (RFC 8855 §5.1); over TCP we speak the highest offered.
    std::optional<unsigned> version;
    if (auto v = offered.attribute("bfcpver")) {
        for (auto w : words(*v)) {
            auto n = to_u16(w);
            if (n && (*n == 2 || (*n == 1 && tcp)) && (!version || *n > *version)) version = *n;
        }
        if (!version) return refuse(offered, "bfcp: no common version in a=bfcpver:" + *v);
    }
    std::string setup;
    if (tcp) {
        // RFC 4145: an offer without a=setup is active; we listen and it connects.
        setup = offered.attribute("setup").value_or("active");
        if (setup != "active" && setup != "actpass")
            return refuse(offered, "bfcp: a=setup:" + setup + " (we only accept connections)");
    }

    NegotiatedBfcp b;
    b.transport = udp ? BfcpTransport::Udp : (tls ? BfcpTransport::Tls : BfcpTransport::Tcp);
    b.remote_fingerprint = std::move(remote_fingerprint);
    b.remote_address =
        offered.connection_address.empty() ? session_address : offered.connection_address;
    b.remote_port = offered.port;
    b.local_port = local_port;
    b.conference_id = ports.bfcp_conference_id;
    b.user_id = ports.bfcp_user_id;
    b.floor_id = offered_floor_id(offered, content_label);
    b.content_label = content_label;

    SdpMedia out;
    out.media = offered.media;
    out.port = local_port;
    out.proto = offered.proto;
    out.formats = {"*"};
    out.attributes.push_back({"floorctrl", "s-only"});
    out.attributes.push_back({"confid", std::to_string(b.conference_id)});
    out.attributes.push_back({"userid", std::to_string(b.user_id)});
    out.attributes.push_back({"floorid", std::to_string(b.floor_id) + " mstrm:" + content_label});
    if (version) out.attributes.push_back({"bfcpver", std::to_string(*version)});
    if (tcp) {
        out.attributes.push_back({"setup", "passive"});
        out.attributes.push_back({"connection", "new"});
    }
    if (tls) out.attributes.push_back({"fingerprint", ports.dtls_fingerprint});
    return BfcpAnswer{std::move(out), std::move(b), {}};
}

void keep_content_and_floor(const SdpDescription& answer, const NegotiatedMedia& before,
                            NegotiatedMedia& after) {
    for (const auto& m : answer.media) {
        if (m.port == 0) continue;
        const std::string& address =
            m.connection_address.empty() ? answer.connection_address : m.connection_address;
        if (before.content && !after.content && m.media == "video" &&
            m.attribute("content") == "slides") {
            after.content = before.content;
            auto& c = *after.content;
            if (c.remote_rtp_port != m.port) {
                const bool mux = c.remote_rtcp_port == c.remote_rtp_port;
                c.remote_rtcp_port = mux ? m.port : static_cast<uint16_t>(m.port + 1);
                c.remote_rtp_port = m.port;
            }
            if (!address.empty()) after.content->remote_address = address;
        } else if (before.bfcp && !after.bfcp && is_bfcp_proto(m.proto) &&
                   m.proto == bfcp_transport_name(before.bfcp->transport)) {
            after.bfcp = before.bfcp;
            after.bfcp->remote_port = m.port;
            if (!address.empty()) after.bfcp->remote_address = address;
        }
    }
    // A floor without its content line is none (as in answer_bfcp).
    if (!after.content) after.bfcp.reset();
}

namespace {

bool is_content_or_floor(const SdpMedia& m) {
    return (m.media == "video" && m.attribute("content") == "slides") ||
           (m.media == "application" && is_bfcp_proto(m.proto));
}

}  // namespace

bool offers_content_or_floor(const SdpDescription& offer) {
    for (const auto& m : offer.media)
        if (m.port != 0 && is_content_or_floor(m)) return true;
    return false;
}

std::optional<SdpDescription> with_content_restored(const SdpDescription& latest,
                                                    const SdpDescription& earlier) {
    SdpDescription out = latest;
    for (size_t i = 0; i < out.media.size() && i < earlier.media.size(); ++i) {
        auto& now = out.media[i];
        const auto& then = earlier.media[i];
        // A refused line may come back bare ("m=video 0 RTP/AVP 96"): its place and media type
        // say which line it was.
        if (now.port != 0 || then.port == 0 || now.media != then.media ||
            !is_content_or_floor(then))
            continue;
        now = then;
        // Its address may have been the earlier offer's session-level c=.
        if (now.connection_address.empty() && earlier.connection_address != out.connection_address)
            now.connection_address = earlier.connection_address;
    }
    if (!offers_content_or_floor(out)) return std::nullopt;
    return out;
}

}  // namespace sip
