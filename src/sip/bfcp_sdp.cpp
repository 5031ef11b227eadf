#include "sip/bfcp_sdp.hpp"

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

// The first floor id offered ("a=floorid:2 mstrm:3", or RFC 4583's "m-stream:3"); 1 when the
// offer names none, which several endpoints omit and then use floor 1.
uint16_t offered_floor_id(const SdpMedia& m) {
    for (const auto& a : m.attributes) {
        if (a.name != "floorid") continue;
        const auto w = words(a.value);
        if (w.empty()) continue;
        if (auto id = to_u16(w.front())) return *id;
    }
    return 1;
}

}  // namespace

bool is_bfcp_proto(const std::string& proto) {
    return proto == "UDP/BFCP" || proto == "TCP/BFCP" || proto == "TCP/TLS/BFCP" ||
           proto == "UDP/TLS/BFCP";
}

BfcpAnswer answer_bfcp(const SdpMedia& offered, const std::string& session_address,
                       const LocalMediaPorts& ports, const std::string& content_label) {
    if (offered.port == 0) return refuse(offered, "bfcp: port 0 in the offer");
    const bool udp = offered.proto == "UDP/BFCP";
    const bool tcp = offered.proto == "TCP/BFCP";
    if (!udp && !tcp) return refuse(offered, "bfcp: " + offered.proto + " not supported");
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
    b.transport = udp ? BfcpTransport::Udp : BfcpTransport::Tcp;
    b.remote_address =
        offered.connection_address.empty() ? session_address : offered.connection_address;
    b.remote_port = offered.port;
    b.local_port = local_port;
    b.conference_id = ports.bfcp_conference_id;
    b.user_id = ports.bfcp_user_id;
    b.floor_id = offered_floor_id(offered);
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
    return BfcpAnswer{std::move(out), std::move(b), {}};
}

}  // namespace sip
