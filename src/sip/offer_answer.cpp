#include "sip/offer_answer.hpp"

#include "core/text.hpp"
#include "sip/bfcp_sdp.hpp"
#include "sip/dtls_fingerprint.hpp"
#include "sip/sdes.hpp"
#include "sip/sdp.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <map>

namespace sip {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

std::optional<unsigned> to_uint(std::string_view s) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// One payload format of an m= line with everything the peer said about it.
struct Format {
    uint8_t pt = 0;
    std::string name;
    uint32_t clock = 0;
    uint8_t channels = 1;
    std::map<std::string, std::string> params;
    RtcpFeedback feedback;
};

std::map<std::string, std::string> parse_fmtp_params(std::string_view text) {
    std::map<std::string, std::string> out;
    size_t i = 0;
    while (i <= text.size()) {
        size_t j = text.find(';', i);
        if (j == std::string_view::npos) j = text.size();
        std::string_view item = text.substr(i, j - i);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            // telephone-event's "0-16" has no name; keep it under "events".
            if (!trim(item).empty()) out["events"] = trim(item);
        } else {
            std::string key = trim(item.substr(0, eq));
            std::transform(key.begin(), key.end(), key.begin(),
                           [](unsigned char c) { return std::tolower(c); });
            out[key] = trim(item.substr(eq + 1));
        }
        i = j + 1;
    }
    return out;
}

// RFC 3551 static payload types, for peers that send no rtpmap for them.
std::optional<Format> static_format(unsigned pt) {
    switch (pt) {
        case 0:
            return Format{0, "PCMU", 8000, 1, {}, {}};
        case 8:
            return Format{8, "PCMA", 8000, 1, {}, {}};
        case 9:
            return Format{9, "G722", 8000, 1, {}, {}};
        default:
            return std::nullopt;
    }
}

std::optional<uint8_t> payload_type(std::string_view s) {
    auto v = to_uint(s);
    if (!v || *v > 127) return std::nullopt;
    return static_cast<uint8_t>(*v);
}

void add_feedback(RtcpFeedback& fb, std::string_view what) {
    if (what == "nack") fb.nack = true;
    if (what == "nack pli") fb.pli = true;
    if (what == "ccm fir") fb.fir = true;
}

// The attributes of one m= line that describe formats, indexed by payload type in one pass so
// that collecting the formats costs O(formats + attributes), not their product: a hostile
// offer near the SdpLimits then stays a few microseconds of work (bench/sdp_offer_bench).
struct FormatIndex {
    struct Entry {
        const SdpAttribute* rtpmap = nullptr;  // the first one counts
        const SdpAttribute* fmtp = nullptr;    // the last one counts
        RtcpFeedback feedback;
    };
    std::array<Entry, 128> by_pt{};
    RtcpFeedback all;  // a=rtcp-fb:* applies to every format
};

FormatIndex index_formats(const SdpMedia& m, size_t& work) {
    FormatIndex idx;
    for (const auto& a : m.attributes) {
        ++work;
        const bool rtpmap = a.name == "rtpmap";
        const bool fmtp = a.name == "fmtp";
        const bool fb = a.name == "rtcp-fb";
        if (!rtpmap && !fmtp && !fb) continue;
        const auto sp = a.value.find(' ');
        if (sp == std::string::npos) continue;
        const std::string_view target = std::string_view(a.value).substr(0, sp);
        if (fb && target == "*") {
            add_feedback(idx.all, trim(std::string_view(a.value).substr(sp + 1)));
            continue;
        }
        const auto pt = payload_type(target);
        if (!pt) continue;
        auto& e = idx.by_pt[*pt];
        if (rtpmap && e.rtpmap == nullptr) e.rtpmap = &a;
        if (fmtp) e.fmtp = &a;
        if (fb) add_feedback(e.feedback, trim(std::string_view(a.value).substr(sp + 1)));
    }
    return idx;
}

// "<pt> <name>/<clock>[/<channels>]"; nothing for a clock of 0 or an impossible channel count,
// which no codec of ours has and which would otherwise be echoed back (telephone-event).
std::optional<Format> parse_rtpmap(uint8_t pt, const std::string& value) {
    const std::string enc = value.substr(value.find(' ') + 1);
    Format x;
    x.pt = pt;
    const auto s1 = enc.find('/');
    x.name = trim(enc.substr(0, s1));
    if (s1 != std::string::npos) {
        const auto s2 = enc.find('/', s1 + 1);
        x.clock =
            to_uint(enc.substr(s1 + 1, s2 == std::string::npos ? std::string::npos : s2 - s1 - 1))
                .value_or(0);
        if (s2 != std::string::npos) {
            const auto ch = to_uint(enc.substr(s2 + 1)).value_or(1);
            if (ch == 0 || ch > 8) return std::nullopt;
            x.channels = static_cast<uint8_t>(ch);
        }
    }
    if (x.clock == 0) return std::nullopt;
    return x;
}

std::vector<Format> collect_formats(const SdpMedia& m, size_t& work) {
    const FormatIndex idx = index_formats(m, work);
    std::vector<Format> out;
    std::array<bool, 128> seen{};
    for (const auto& f : m.formats) {
        ++work;
        auto pt = payload_type(f);
        if (!pt || seen[*pt]) continue;  // a repeated payload type adds nothing
        seen[*pt] = true;
        const auto& e = idx.by_pt[*pt];
        std::optional<Format> fmt =
            e.rtpmap != nullptr ? parse_rtpmap(*pt, e.rtpmap->value) : static_format(*pt);
        if (!fmt) continue;
        if (e.fmtp != nullptr) {
            const auto sp = e.fmtp->value.find(' ');
            fmt->params = parse_fmtp_params(trim(std::string_view(e.fmtp->value).substr(sp + 1)));
        }
        fmt->feedback = e.feedback;
        fmt->feedback.nack |= idx.all.nack;
        fmt->feedback.pli |= idx.all.pli;
        fmt->feedback.fir |= idx.all.fir;
        out.push_back(std::move(*fmt));
    }
    return out;
}

bool audio_matches(const std::string& pref, const Format& f) {
    if (!iequals(pref, f.name)) return false;
    if (iequals(pref, "opus")) return f.clock == 48000;
    return f.clock == 8000;
}

// profile-level-id: profile_idc, constraint flags, level_idc (RFC 6184 §8.1). Baseline (0x42),
// main (0x4d), and extended (0x58) only when constrained-baseline compatible (constraint_set1).
struct H264Profile {
    uint8_t profile_idc = 0x42;
    uint8_t iop = 0x00;
    uint8_t level_idc = 0x0a;
};

std::optional<H264Profile> parse_profile(const Format& f) {
    auto it = f.params.find("profile-level-id");
    if (it == f.params.end()) return H264Profile{};  // RFC 6184 default: 42000a
    if (it->second.size() != 6) return std::nullopt;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + 6, v, 16);
    if (ec != std::errc() || p != it->second.data() + 6) return std::nullopt;
    H264Profile prof{static_cast<uint8_t>(v >> 16), static_cast<uint8_t>((v >> 8) & 0xff),
                     static_cast<uint8_t>(v & 0xff)};
    const bool ok = prof.profile_idc == 0x42 || prof.profile_idc == 0x4d ||
                    (prof.profile_idc == 0x58 && (prof.iop & 0x40) != 0);
    if (!ok) return std::nullopt;
    return prof;
}

unsigned packetization_mode(const Format& f) {
    auto it = f.params.find("packetization-mode");
    if (it == f.params.end()) return 0;
    return to_uint(it->second).value_or(99);
}

bool video_matches(const std::string& pref, const Format& f) {
    if (!iequals(pref, f.name) || f.clock != 90000) return false;
    if (iequals(pref, "H264")) {
        // Mode 2 (interleaved) is a different format that we do not handle.
        return packetization_mode(f) <= 1 && parse_profile(f).has_value();
    }
    return true;
}

std::string hex_profile(const H264Profile& p) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02x%02x%02x", p.profile_idc, p.iop, p.level_idc);
    return buf;
}

std::string canonical_name(const std::string& name) {
    for (const char* n : {"opus", "G722", "PCMU", "PCMA", "H264", "VP8", "telephone-event"})
        if (iequals(name, n)) return n;
    return name;
}

// RFC 4733 wants events on the audio codec's clock, but many endpoints (baresip, several
// desk phones) offer telephone-event/8000 next to opus/48000 only. Digits matter more than the
// clock: the detector times nothing against it, so take another clock when that is all there is.
const Format* pick_telephone_event(const std::vector<Format>& formats, uint32_t clock) {
    const Format* fallback = nullptr;
    for (const auto& f : formats) {
        if (!iequals(f.name, "telephone-event")) continue;
        if (f.clock == clock) return &f;
        if (fallback == nullptr) fallback = &f;
    }
    return fallback;
}

// Our fmtp for a format we accept from the peer (answer) or that the peer accepted (offer).
std::string local_fmtp(const Format& f, const CodecPreferences& prefs) {
    const std::string name = canonical_name(f.name);
    if (name == "opus") return "minptime=10;useinbandfec=1";
    if (name == "telephone-event") {
        // Answer the events the peer offered (RFC 4733 §2.4.1); the detector ignores the rest.
        auto it = f.params.find("events");
        return it != f.params.end() && !it->second.empty() ? it->second : "0-16";
    }
    if (name == "H264") {
        H264Profile p = parse_profile(f).value_or(H264Profile{});
        // Answer the offered profile, but never promise to receive more than we handle.
        // Level 1b (11 with constraint_set3) is below anything we cap to, so it stays as is.
        p.level_idc = std::min(p.level_idc, prefs.h264_max_level());
        std::string s = "profile-level-id=" + hex_profile(p) +
                        ";packetization-mode=" + std::to_string(packetization_mode(f));
        if (f.params.contains("level-asymmetry-allowed"))
            s += ";level-asymmetry-allowed=" + f.params.at("level-asymmetry-allowed");
        return s;
    }
    return {};
}

Codec to_codec(const Format& f, const CodecPreferences& prefs) {
    Codec c;
    c.name = canonical_name(f.name);
    c.payload_type = f.pt;
    c.clock_rate = f.clock;
    c.channels = f.channels;
    c.remote_params = f.params;
    c.local_fmtp = local_fmtp(f, prefs);
    return c;
}

std::optional<Format> choose(const std::vector<Format>& formats,
                             const std::vector<std::string>& prefs, MediaKind kind,
                             bool remote_order) {
    auto matches = [&](const std::string& pref, const Format& f) {
        return kind == MediaKind::Audio ? audio_matches(pref, f) : video_matches(pref, f);
    };
    if (remote_order) {
        // An answer lists what the peer will use first.
        for (const auto& f : formats)
            for (const auto& p : prefs)
                if (matches(p, f)) return f;
        return std::nullopt;
    }
    for (const auto& p : prefs) {
        // Of the H.264 formats offered, mode 1 first, whatever the offerer's order (room
        // systems list mode 0 first): the page can forward the meeting's video to the caller
        // only in mode 1 (FU-A lets any NAL unit through), and no slice is held to one packet.
        if (kind == MediaKind::Video && iequals(p, "H264"))
            for (const auto& f : formats)
                if (matches(p, f) && packetization_mode(f) == 1) return f;
        for (const auto& f : formats)
            if (matches(p, f)) return f;
    }
    return std::nullopt;
}

Direction offered_direction(const SdpMedia& m, const SdpDescription& s) {
    for (const auto* attrs : {&m.attributes, &s.attributes})
        for (const auto& a : *attrs) {
            if (a.name == "sendrecv") return Direction::SendRecv;
            if (a.name == "sendonly") return Direction::SendOnly;
            if (a.name == "recvonly") return Direction::RecvOnly;
            if (a.name == "inactive") return Direction::Inactive;
        }
    return Direction::SendRecv;
}

// Our direction is the mirror of theirs (RFC 3264 §6.1).
Direction mirror(Direction d) {
    switch (d) {
        case Direction::SendOnly:
            return Direction::RecvOnly;
        case Direction::RecvOnly:
            return Direction::SendOnly;
        default:
            return d;
    }
}

const char* direction_name(Direction d) {
    switch (d) {
        case Direction::SendOnly:
            return "sendonly";
        case Direction::RecvOnly:
            return "recvonly";
        case Direction::Inactive:
            return "inactive";
        default:
            return "sendrecv";
    }
}

uint32_t bandwidth_kbps(const std::vector<std::string>& lines) {
    uint32_t as = 0;
    uint32_t tias = 0;
    for (const auto& b : lines) {
        const auto colon = b.find(':');
        const auto v = to_uint(std::string_view(b).substr(colon + 1)).value_or(0);
        if (b.compare(0, colon, "AS") == 0) as = v;
        if (b.compare(0, colon, "TIAS") == 0) tias = v / 1000;
    }
    return tias != 0 ? tias : as;
}

enum class Profile { Clear, Srtp, DtlsSrtp, Other };

Profile profile_of(const std::string& proto) {
    if (proto == "RTP/AVP" || proto == "RTP/AVPF") return Profile::Clear;
    if (proto == "RTP/SAVP" || proto == "RTP/SAVPF") return Profile::Srtp;
    if (proto == "UDP/TLS/RTP/SAVP" || proto == "UDP/TLS/RTP/SAVPF") return Profile::DtlsSrtp;
    return Profile::Other;
}

// The first a=crypto line of the m= line we can use, in the offerer's order (RFC 4568 §7.1.1:
// the answerer picks one). Lines we cannot use are skipped; `why` keeps the first reason.
std::optional<CryptoAttribute> choose_crypto(const SdpMedia& m, std::string& why) {
    for (const auto& a : m.attributes) {
        if (a.name != "crypto") continue;
        auto c = parse_crypto(a.value);
        if (c) return std::move(*c);
        if (why.empty()) why = c.error().message;
    }
    if (why.empty()) why = "no a=crypto line";
    return std::nullopt;
}

// What a DTLS-SRTP m= line (RFC 5763) settles: the peer's fingerprint and our role.
struct DtlsChoice {
    DtlsParams params;
    DtlsSetup our_setup = DtlsSetup::Active;
};

// a=fingerprint and a=setup may sit at media or session level (RFC 8122 §5, RFC 4145 §4); the
// media level wins. Of several fingerprints the strongest hash we check is kept (RFC 8122
// §5.1 lets an endpoint list one per hash of the same certificate).
std::optional<DtlsFingerprint> best_fingerprint(const SdpMedia& m, const SdpDescription& s,
                                                std::string& why) {
    std::optional<DtlsFingerprint> best;
    for (const auto* attrs : {&m.attributes, &s.attributes}) {
        for (const auto& a : *attrs) {
            if (a.name != "fingerprint") continue;
            auto f = parse_fingerprint(a.value);
            if (!f) {
                if (why.empty()) why = f.error().message;
                continue;
            }
            if (!best || f->hash > best->hash) best = std::move(*f);
        }
        if (best) break;
    }
    if (!best && why.empty()) why = "no a=fingerprint line";
    return best;
}

// The m= line's a=setup (else the session's); RFC 4145 §4: an absent a=setup means active.
std::optional<DtlsSetup> peer_setup(const SdpMedia& m, const SdpDescription& s, std::string& why) {
    std::optional<std::string> text = m.attribute("setup");
    if (!text)
        for (const auto& a : s.attributes)
            if (a.name == "setup") {
                text = a.value;
                break;
            }
    if (!text) return DtlsSetup::Active;
    auto setup = parse_setup(*text);
    if (!setup) why = "a=setup:" + text->substr(0, 16) + " is not valid";
    return setup;
}

// The peer offered DTLS-SRTP: its fingerprint, and the role we answer with.
std::optional<DtlsChoice> choose_dtls(const SdpMedia& m, const SdpDescription& s,
                                      std::string& why) {
    auto best = best_fingerprint(m, s, why);
    if (!best) return std::nullopt;
    const auto offered = peer_setup(m, s, why);
    if (!offered) return std::nullopt;
    const auto ours = answer_setup(*offered);
    if (!ours) {
        why = "a=setup:holdconn asks for no DTLS connection";
        return std::nullopt;
    }
    DtlsChoice c;
    c.params.client = *ours == DtlsSetup::Active;
    c.params.remote_fingerprint = std::move(*best);
    c.our_setup = *ours;
    return c;
}

// The peer answered our DTLS-SRTP offer: its fingerprint, and our role as its a=setup leaves
// it (an answer of actpass or holdconn is refused: neither side would know who starts).
std::optional<DtlsParams> dtls_from_answer(const SdpMedia& m, const SdpDescription& s,
                                           std::string& why) {
    auto best = best_fingerprint(m, s, why);
    if (!best) return std::nullopt;
    const auto answered = peer_setup(m, s, why);
    if (!answered) return std::nullopt;
    const auto ours = role_from_answer(*answered);
    if (!ours) {
        why = "a=setup:" + std::string(setup_name(*answered)) + " is no answer to our offer";
        return std::nullopt;
    }
    return DtlsParams{*ours == DtlsSetup::Active, std::move(*best)};
}

SrtpParams srtp_params(const CryptoAttribute& remote, std::span<const uint8_t> local) {
    SrtpParams p;
    p.suite = std::string(srtp_suite_name(remote.suite));
    p.local_key.assign(local.begin(), local.end());
    p.remote_key = remote.key;
    p.remote_mki = remote.mki;
    p.remote_mki_length = remote.mki_length;
    p.remote_lifetime = remote.lifetime;
    return p;
}

// Fills the transport half of a stream from the peer's m= line.
NegotiatedStream remote_stream(const SdpMedia& m, const SdpDescription& s, MediaKind kind,
                               uint16_t local_rtp, uint16_t local_rtcp) {
    NegotiatedStream st;
    st.kind = kind;
    st.remote_address = m.connection_address.empty() ? s.connection_address : m.connection_address;
    st.remote_rtp_port = m.port;
    st.rtcp_mux = m.has_attribute("rtcp-mux");
    st.avpf = m.proto.ends_with("AVPF");
    st.remote_rtcp_port = st.rtcp_mux ? m.port : static_cast<uint16_t>(m.port + 1);
    if (auto rtcp = m.attribute("rtcp"); rtcp && !st.rtcp_mux) {
        if (auto p = to_uint(rtcp->substr(0, rtcp->find(' '))); p && *p > 0 && *p < 65536)
            st.remote_rtcp_port = static_cast<uint16_t>(*p);
    }
    st.local_rtp_port = local_rtp;
    st.local_rtcp_port = st.rtcp_mux ? local_rtp : local_rtcp;
    Direction peer = offered_direction(m, s);
    // RFC 2543 hold: c=0.0.0.0 means "do not send to me", whatever the direction says.
    if (st.remote_address == "0.0.0.0" || st.remote_address == "::") {
        if (peer == Direction::SendRecv) peer = Direction::SendOnly;
        if (peer == Direction::RecvOnly) peer = Direction::Inactive;
    }
    st.direction = mirror(peer);
    st.bandwidth_kbps = bandwidth_kbps(m.bandwidths.empty() ? s.bandwidths : m.bandwidths);
    return st;
}

void add_format_attributes(SdpMedia& out, const Codec& c, const RtcpFeedback* fb) {
    const std::string pt = std::to_string(c.payload_type);
    std::string map = c.name + "/" + std::to_string(c.clock_rate);
    if (c.channels > 1) map += "/" + std::to_string(c.channels);
    out.formats.push_back(pt);
    out.attributes.push_back({"rtpmap", pt + " " + map});
    if (!c.local_fmtp.empty()) out.attributes.push_back({"fmtp", pt + " " + c.local_fmtp});
    if (fb != nullptr) {
        if (fb->nack) out.attributes.push_back({"rtcp-fb", pt + " nack"});
        if (fb->pli) out.attributes.push_back({"rtcp-fb", pt + " nack pli"});
        if (fb->fir) out.attributes.push_back({"rtcp-fb", pt + " ccm fir"});
    }
}

SdpMedia rejected(const SdpMedia& offered) {
    SdpMedia m;
    m.media = offered.media;
    m.port = 0;
    m.proto = offered.proto;
    // RFC 3264 §6: a rejected stream still lists at least one format.
    m.formats = offered.formats.empty() ? std::vector<std::string>{"0"}
                                        : std::vector<std::string>{offered.formats.front()};
    return m;
}

SdpDescription base_description(const LocalMediaPorts& ports, const SdpOrigin& origin) {
    SdpDescription d;
    d.origin_username = "sipmediagw";
    d.session_id = std::to_string(origin.session_id);
    d.session_version = std::to_string(origin.version);
    d.origin_address = ports.address;
    d.session_name = "sipmediagw";
    d.connection_address = ports.address;
    return d;
}

// The detail quotes the peer's SDP (a proto, a line) and goes to logs as is.
Negotiation failure(uint16_t status, std::string reason, std::string_view detail) {
    Negotiation n;
    n.failure = SdpFailure{status, std::move(reason), core::log_field(detail, 512)};
    return n;
}

Negotiation parse_failure(const core::Error& e) {
    switch (e.code) {
        case kSdpTooComplex:
            return failure(488, "SDP Exceeds Limits", e.message);
        case kSdpHostName:
            return failure(488, "SDP Address Must Be An IP", e.message);
        default:
            return failure(400, "Malformed SDP", e.message);
    }
}

}  // namespace

CodecPreferences CodecPreferences::from_config(const core::MediaConfig& media) {
    CodecPreferences p;
    p.audio = media.audio_codecs;
    p.video = media.video_codecs;
    p.video_width = media.video_width;
    p.video_height = media.video_height;
    p.video_fps = media.video_fps;
    p.video_bitrate_kbps = media.video_bitrate_kbps;
    p.srtp = media.srtp == "mandatory" ? SrtpPolicy::Mandatory
             : media.srtp == "off"     ? SrtpPolicy::Off
                                       : SrtpPolicy::Optional;
    p.srtp_offer = media.srtp_offer == "dtls" ? SrtpOffer::Dtls : SrtpOffer::Sdes;
    return p;
}

uint8_t CodecPreferences::h264_max_level() const {
    // H.264 Table A-1: (level_idc, max frame size in macroblocks, max macroblocks per second).
    struct Level {
        uint8_t idc;
        uint32_t max_fs;
        uint32_t max_mbps;
    };
    static constexpr std::array<Level, 11> levels{{{10, 99, 1485},
                                                   {20, 396, 11880},
                                                   {21, 792, 19800},
                                                   {22, 1620, 20250},
                                                   {30, 1620, 40500},
                                                   {31, 3600, 108000},
                                                   {32, 5120, 216000},
                                                   {40, 8192, 245760},
                                                   {42, 8704, 522240},
                                                   {50, 22080, 589824},
                                                   {51, 36864, 983040}}};
    const uint32_t fs = ((video_width + 15) / 16) * ((video_height + 15) / 16);
    const uint32_t mbps = fs * video_fps;
    for (const auto& l : levels)
        if (fs <= l.max_fs && mbps <= l.max_mbps) return l.idc;
    return 51;
}

Negotiation answer_offer(std::string_view offer_text, const CodecPreferences& prefs,
                         const LocalMediaPorts& ports, const SdpOrigin& origin) {
    auto parsed = parse_sdp(offer_text);
    if (!parsed) return parse_failure(parsed.error());
    const SdpDescription& offer = *parsed;

    Negotiation result;
    SdpDescription answer = base_description(ports, origin);
    answer.media.resize(offer.media.size());
    std::string why_rejected;
    std::string content_label;
    std::vector<size_t> bfcp_lines;  // answered once the content line is known
    for (size_t i = 0; i < offer.media.size(); ++i) {
        const auto& m = offer.media[i];
        if (m.media == "application" && is_bfcp_proto(m.proto)) {
            bfcp_lines.push_back(i);
            continue;
        }
        const bool audio = m.media == "audio";
        const bool video = m.media == "video";
        // RFC 4796: the slides line is the content channel; any other video line is the main
        // picture (a=content:main, or none).
        const bool content = video && m.attribute("content") == "slides";
        const MediaKind kind = audio ? MediaKind::Audio : MediaKind::Video;
        auto& slot = audio     ? result.media.audio
                     : content ? result.media.content
                               : result.media.video;
        const uint16_t local_rtp = audio     ? ports.audio_rtp
                                   : content ? ports.content_rtp
                                             : ports.video_rtp;
        const uint16_t local_rtcp = audio     ? ports.audio_rtcp
                                    : content ? ports.content_rtcp
                                              : ports.video_rtcp;
        const unsigned srtp_stream = audio ? 0 : content ? 2 : 1;
        const std::string what = content ? "content" : m.media;
        if ((!audio && !video) || m.port == 0 || slot.has_value() || local_rtp == 0) {
            answer.media[i] = rejected(m);
            continue;
        }
        const Profile profile = profile_of(m.proto);
        if (profile == Profile::Other ||
            (profile != Profile::Clear && prefs.srtp == SrtpPolicy::Off)) {
            why_rejected += " " + what + ": profile " + m.proto + " not supported;";
            answer.media[i] = rejected(m);
            continue;
        }
        // The m= line's profile decides between the key exchanges: UDP/TLS/RTP/SAVP(F) is
        // DTLS-SRTP (any a=crypto beside it is ignored), RTP/SAVP(F) and RTP/AVP are SDES (any
        // a=fingerprint beside them is ignored). docs/media.md, "DTLS-SRTP".
        std::optional<DtlsChoice> dtls;
        if (profile == Profile::DtlsSrtp) {
            std::string why_no_dtls;
            if (ports.dtls_fingerprint.empty())
                why_no_dtls = "no local DTLS certificate";
            else
                dtls = choose_dtls(m, offer, why_no_dtls);
            if (!dtls) {
                why_rejected += " " + what + ": DTLS-SRTP not usable (" + why_no_dtls + ");";
                answer.media[i] = rejected(m);
                continue;
            }
        }
        // "Best effort" SRTP (a=crypto inside RTP/AVP, as Cisco endpoints offer) is taken too.
        std::optional<CryptoAttribute> crypto;
        std::string why_no_crypto;
        if (prefs.srtp != SrtpPolicy::Off && !dtls) {
            crypto = choose_crypto(m, why_no_crypto);
            if (crypto && ports.srtp_keys.empty()) {
                crypto.reset();
                why_no_crypto = "no local SRTP keys";
            }
        }
        if (!crypto && !dtls && (profile == Profile::Srtp || prefs.srtp == SrtpPolicy::Mandatory)) {
            why_rejected +=
                " " + what + ": no usable a=crypto (" + why_no_crypto + ")" +
                (prefs.srtp == SrtpPolicy::Mandatory ? " and [media] srtp = mandatory" : "") + ";";
            answer.media[i] = rejected(m);
            continue;
        }
        const auto formats = collect_formats(m, result.work);
        auto chosen = choose(formats, audio ? prefs.audio : prefs.video, kind, false);
        if (!chosen) {
            why_rejected += " " + what + ": no common codec;";
            answer.media[i] = rejected(m);
            continue;
        }
        NegotiatedStream st = remote_stream(m, offer, kind, local_rtp, local_rtcp);
        st.codec = to_codec(*chosen, prefs);
        if (video) st.feedback = chosen->feedback;
        SdpMedia out;
        out.media = m.media;
        out.port = local_rtp;
        out.proto = m.proto;
        add_format_attributes(out, st.codec, video ? &st.feedback : nullptr);
        if (audio) {
            if (const Format* te = pick_telephone_event(formats, chosen->clock)) {
                st.telephone_event = to_codec(*te, prefs);
                add_format_attributes(out, *st.telephone_event, nullptr);
            }
        } else {
            out.bandwidths.push_back("AS:" + std::to_string(prefs.video_bitrate_kbps));
            out.bandwidths.push_back("TIAS:" + std::to_string(prefs.video_bitrate_kbps * 1000));
        }
        out.attributes.push_back({"rtcp", std::to_string(st.local_rtcp_port)});
        if (st.rtcp_mux) out.attributes.push_back({"rtcp-mux", ""});
        out.attributes.push_back({direction_name(st.direction), ""});
        if (content) {
            // The offerer's label keeps both sides' floorid ... mstrm pointing at the same
            // line, whichever SDP an endpoint reads it from.
            content_label = m.attribute("label").value_or("");
            if (content_label.empty()) content_label = "2";
            out.attributes.push_back({"content", "slides"});
            out.attributes.push_back({"label", content_label});
        }
        if (crypto) {
            const auto local = ports.srtp_keys.key(srtp_stream, crypto->suite);
            st.protection = Protection::SdesSrtp;
            st.srtp = srtp_params(*crypto, local);
            out.attributes.push_back({"crypto", format_crypto(crypto->tag, crypto->suite, local)});
        }
        if (dtls) {
            st.protection = Protection::DtlsSrtp;
            st.dtls = dtls->params;
            out.attributes.push_back({"setup", std::string(setup_name(dtls->our_setup))});
            out.attributes.push_back({"fingerprint", ports.dtls_fingerprint});
        }
        answer.media[i] = std::move(out);
        slot = std::move(st);
    }
    for (size_t i : bfcp_lines) {
        const auto& m = offer.media[i];
        if (result.media.bfcp) {
            answer.media[i] = rejected(m);
            continue;
        }
        auto b = answer_bfcp(m, offer.connection_address, ports, content_label, offer.attributes);
        if (!b.refused.empty()) result.bfcp_refused = b.refused;
        answer.media[i] = std::move(b.line);
        result.media.bfcp = std::move(b.bfcp);
    }
    if (!result.media.audio && !result.media.video) {
        if (offer.media.empty()) return failure(488, "Not Acceptable Here", "offer has no m= line");
        auto refused = failure(488, "Not Acceptable Here",
                               why_rejected.empty() ? "no acceptable stream" : trim(why_rejected));
        refused.work = result.work;
        return refused;
    }
    result.sdp = format_sdp(answer);
    return result;
}

std::string build_offer(const CodecPreferences& prefs, const LocalMediaPorts& ports,
                        const SdpOrigin& origin, const NegotiatedMedia* current) {
    SdpDescription offer = base_description(ports, origin);
    auto codec = [&](const char* name, uint8_t pt, uint32_t clock, uint8_t ch,
                     std::map<std::string, std::string> params) {
        Format f{pt, name, clock, ch, std::move(params), {}};
        return to_codec(f, prefs);
    };
    // DTLS-SRTP (srtp_offer = "dtls", or a stream that runs DTLS now): UDP/TLS/RTP/SAVPF with
    // our fingerprint, in either policy, since DTLS has no "best effort" form that peers know.
    // SDES: mandatory offers RTP/SAVP; optional RTP/AVP with a=crypto ("best effort", which a
    // peer without SDES ignores and answers in the clear). One crypto line per suite, tags 1-5.
    const bool can_dtls = prefs.srtp != SrtpPolicy::Off && !ports.dtls_fingerprint.empty();
    auto running_dtls = [&](unsigned stream) -> const DtlsParams* {
        if (current == nullptr) return nullptr;
        const auto& st = stream == 0 ? current->audio : current->video;
        return st && st->dtls ? &*st->dtls : nullptr;
    };
    const bool dtls = can_dtls && (prefs.srtp_offer == SrtpOffer::Dtls ||
                                   running_dtls(0) != nullptr || running_dtls(1) != nullptr);
    const bool crypto = !dtls && prefs.srtp != SrtpPolicy::Off && !ports.srtp_keys.empty();
    const char* proto = dtls                                            ? "UDP/TLS/RTP/SAVPF"
                        : crypto && prefs.srtp == SrtpPolicy::Mandatory ? "RTP/SAVP"
                                                                        : "RTP/AVP";
    auto add_crypto = [&](SdpMedia& m, unsigned stream) {
        if (dtls) {
            // actpass lets the answerer choose (RFC 5763 §5); a running association keeps its
            // roles, so the answer cannot flip them and force a new handshake.
            const DtlsParams* running = running_dtls(stream);
            const DtlsSetup setup = running == nullptr ? DtlsSetup::ActPass
                                    : running->client  ? DtlsSetup::Active
                                                       : DtlsSetup::Passive;
            m.attributes.push_back({"setup", std::string(setup_name(setup))});
            m.attributes.push_back({"fingerprint", ports.dtls_fingerprint});
            return;
        }
        if (!crypto) return;
        uint32_t tag = 1;
        for (SrtpSuite suite : kSrtpSuites)
            m.attributes.push_back(
                {"crypto", format_crypto(tag++, suite, ports.srtp_keys.key(stream, suite))});
    };
    if (ports.audio_rtp != 0) {
        SdpMedia m{"audio", ports.audio_rtp, proto, {}, {}, {}, {}};
        bool opus = false;
        for (const auto& name : prefs.audio) {
            if (name == "opus") {
                add_format_attributes(m, codec("opus", 111, 48000, 2, {}), nullptr);
                opus = true;
            }
            if (name == "G722") add_format_attributes(m, codec("G722", 9, 8000, 1, {}), nullptr);
            if (name == "PCMU") add_format_attributes(m, codec("PCMU", 0, 8000, 1, {}), nullptr);
            if (name == "PCMA") add_format_attributes(m, codec("PCMA", 8, 8000, 1, {}), nullptr);
        }
        add_format_attributes(m, codec("telephone-event", 101, 8000, 1, {}), nullptr);
        if (opus) add_format_attributes(m, codec("telephone-event", 110, 48000, 1, {}), nullptr);
        m.attributes.push_back({"rtcp", std::to_string(ports.audio_rtcp)});
        m.attributes.push_back({"sendrecv", ""});
        add_crypto(m, 0);
        offer.media.push_back(std::move(m));
    }
    if (ports.video_rtp != 0 && !prefs.video.empty()) {
        SdpMedia m{"video", ports.video_rtp, proto, {}, {}, {}, {}};
        const RtcpFeedback fb{true, true, true};
        char level[8];
        std::snprintf(level, sizeof level, "42e0%02x", prefs.h264_max_level());
        for (const auto& name : prefs.video) {
            if (name == "H264") {
                add_format_attributes(m,
                                      codec("H264", 96, 90000, 1,
                                            {{"profile-level-id", level},
                                             {"packetization-mode", "1"},
                                             {"level-asymmetry-allowed", "1"}}),
                                      &fb);
                add_format_attributes(m,
                                      codec("H264", 97, 90000, 1,
                                            {{"profile-level-id", level},
                                             {"packetization-mode", "0"},
                                             {"level-asymmetry-allowed", "1"}}),
                                      &fb);
            }
            if (name == "VP8") add_format_attributes(m, codec("VP8", 98, 90000, 1, {}), &fb);
        }
        m.bandwidths.push_back("AS:" + std::to_string(prefs.video_bitrate_kbps));
        m.attributes.push_back({"rtcp", std::to_string(ports.video_rtcp)});
        m.attributes.push_back({"sendrecv", ""});
        add_crypto(m, 1);
        offer.media.push_back(std::move(m));
    }
    return format_sdp(offer);
}

Negotiation apply_answer(std::string_view answer_text, const CodecPreferences& prefs,
                         const LocalMediaPorts& ports) {
    auto parsed = parse_sdp(answer_text);
    if (!parsed) return parse_failure(parsed.error());
    const SdpDescription& answer = *parsed;
    Negotiation result;
    std::string why_dropped;
    for (const auto& m : answer.media) {
        const bool audio = m.media == "audio";
        if ((!audio && m.media != "video") || m.port == 0) continue;
        auto& slot = audio ? result.media.audio : result.media.video;
        if (slot) continue;
        const MediaKind kind = audio ? MediaKind::Audio : MediaKind::Video;
        const auto formats = collect_formats(m, result.work);
        auto chosen = choose(formats, audio ? prefs.audio : prefs.video, kind, true);
        if (!chosen) {
            why_dropped += " " + m.media + ": no codec we offered;";
            continue;
        }
        const Profile profile = profile_of(m.proto);
        // A DTLS-SRTP answer: its fingerprint, and our role from its a=setup.
        std::optional<DtlsParams> dtls;
        if (profile == Profile::DtlsSrtp && prefs.srtp != SrtpPolicy::Off &&
            !ports.dtls_fingerprint.empty()) {
            std::string why;
            dtls = dtls_from_answer(m, answer, why);
            if (!dtls) {
                why_dropped += " " + m.media + ": DTLS-SRTP not usable (" + why + ");";
                continue;
            }
        }
        // The answer's a=crypto must name a tag of our offer with the suite we gave it.
        std::optional<CryptoAttribute> crypto;
        if (!dtls && prefs.srtp != SrtpPolicy::Off && !ports.srtp_keys.empty()) {
            std::string why;
            crypto = choose_crypto(m, why);
            if (crypto && (crypto->tag < 1 || crypto->tag > std::size(kSrtpSuites) ||
                           kSrtpSuites[crypto->tag - 1] != crypto->suite))
                crypto.reset();
        }
        if (!crypto && !dtls &&
            (profile != Profile::Clear || prefs.srtp == SrtpPolicy::Mandatory)) {
            why_dropped +=
                " " + m.media + ": " + m.proto + " without usable keys" +
                (prefs.srtp == SrtpPolicy::Mandatory ? " ([media] srtp = mandatory)" : "") + ";";
            continue;
        }
        NegotiatedStream st =
            remote_stream(m, answer, kind, audio ? ports.audio_rtp : ports.video_rtp,
                          audio ? ports.audio_rtcp : ports.video_rtcp);
        st.codec = to_codec(*chosen, prefs);
        if (!audio) st.feedback = chosen->feedback;
        if (crypto) {
            st.protection = Protection::SdesSrtp;
            st.srtp = srtp_params(*crypto, ports.srtp_keys.key(audio ? 0 : 1, crypto->suite));
        }
        if (dtls) {
            st.protection = Protection::DtlsSrtp;
            st.dtls = std::move(dtls);
        }
        if (audio) {
            if (const Format* te = pick_telephone_event(formats, chosen->clock))
                st.telephone_event = to_codec(*te, prefs);
        }
        slot = std::move(st);
    }
    if (!result.media.audio && !result.media.video) {
        auto refused =
            failure(488, "Not Acceptable Here",
                    why_dropped.empty() ? "answer accepts no stream we offered"
                                        : "answer accepts no stream we offered:" + why_dropped);
        refused.work = result.work;
        return refused;
    }
    return result;
}

}  // namespace sip
