// What SDP offer/answer settled for one call: the contract between sip/ (which negotiates) and
// media/ (which moves the bytes). Plain data, no libre or GStreamer types.
#pragma once

#include "sip/dtls_fingerprint.hpp"
#include "sip/sdes.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sip {

enum class MediaKind { Audio, Video };

// Our direction, as written in our SDP (a=sendrecv/sendonly/recvonly/inactive).
enum class Direction { SendRecv, SendOnly, RecvOnly, Inactive };

struct Codec {
    std::string name;  // "opus", "G722", "PCMU", "PCMA", "H264", "VP8", "telephone-event"
    uint8_t payload_type = 0;
    uint32_t clock_rate = 0;  // RTP clock (G.722: 8000 as RFC 3551 says, though it samples 16k)
    uint8_t channels = 1;
    // The peer's fmtp, parsed (packetization-mode, profile-level-id, max-fs, max-mbps, ...).
    std::map<std::string, std::string> remote_params;
    // The fmtp line we put in our own SDP for this codec (without "a=fmtp:<pt> ").
    std::string local_fmtp;
};

// RTCP feedback the peer accepts (RFC 4585/5104 a=rtcp-fb).
struct RtcpFeedback {
    bool nack = false;
    bool pli = false;  // "nack pli"
    bool fir = false;  // "ccm fir"
};

// How a stream's packets are protected on the SIP leg (logs, /metrics and the API say which).
enum class Protection { None, SdesSrtp, DtlsSrtp };

inline const char* protection_name(Protection p) {
    switch (p) {
        case Protection::SdesSrtp:
            return "sdes-srtp";
        case Protection::DtlsSrtp:
            return "dtls-srtp";
        default:
            return "none";
    }
}

// SRTP keys settled by SDES (RFC 4568): one master key (and salt) per direction.
struct SrtpParams {
    std::string suite;                // RFC 4568 name, e.g. "AES_CM_128_HMAC_SHA1_80"
    std::vector<uint8_t> local_key;   // what we encrypt with (our a=crypto)
    std::vector<uint8_t> remote_key;  // what the peer encrypts with (its a=crypto)
    uint32_t remote_mki = 0;          // the MKI in the peer's packets, when mki_length > 0
    uint8_t remote_mki_length = 0;
    // The peer's key lifetime in SRTP packets (its a=crypto); 0: none given. Past it without a
    // re-key the call ends (media_stream_srtp.cpp).
    uint64_t remote_lifetime = 0;
    bool operator==(const SrtpParams&) const = default;
};

// DTLS-SRTP (RFC 5763/5764): who starts the handshake and what the peer's certificate must hash
// to. Equal params across a re-INVITE keep the DTLS session; a change re-handshakes.
struct DtlsParams {
    bool client = true;  // our a=setup is active: we send the ClientHello
    DtlsFingerprint remote_fingerprint;
    bool operator==(const DtlsParams&) const = default;
};

struct NegotiatedStream {
    MediaKind kind = MediaKind::Audio;
    std::string remote_address;  // c= of the media (or session) level
    uint16_t remote_rtp_port = 0;
    uint16_t remote_rtcp_port = 0;  // a=rtcp, else rtp+1; equals rtp when rtcp_mux
    bool rtcp_mux = false;
    bool avpf = false;  // RTP/AVPF profile: feedback may be sent at once
    uint16_t local_rtp_port = 0;
    uint16_t local_rtcp_port = 0;
    Codec codec;                           // the one codec we send and expect to receive
    std::optional<Codec> telephone_event;  // audio: RFC 4733 events
    RtcpFeedback feedback;
    Direction direction = Direction::SendRecv;
    uint32_t bandwidth_kbps = 0;  // b=AS (or TIAS/1000) of the peer; 0 when absent
    Protection protection = Protection::None;
    std::optional<SrtpParams> srtp;  // set when protection is SdesSrtp
    std::optional<DtlsParams> dtls;  // set when protection is DtlsSrtp
};

// BFCP (RFC 8855) over which transport: libre's bfcp_conn for UDP, our framing for TCP, the
// same framing inside libre's TLS for TCP/TLS/BFCP (RFC 8856 §4).
enum class BfcpTransport { Udp, Tcp, Tls };

inline const char* bfcp_transport_name(BfcpTransport t) {
    switch (t) {
        case BfcpTransport::Tcp:
            return "TCP/BFCP";
        case BfcpTransport::Tls:
            return "TCP/TLS/BFCP";
        case BfcpTransport::Udp:
            break;
    }
    return "UDP/BFCP";
}

// The BFCP m= line settled (RFC 8856). The gateway is always the floor control server: the
// conference and user ids are ours, the floor id the offerer's (1 when it named none).
struct NegotiatedBfcp {
    BfcpTransport transport = BfcpTransport::Udp;
    std::string remote_address;
    uint16_t remote_port = 0;  // TCP: where the client connects from (we are passive)
    uint16_t local_port = 0;
    uint32_t conference_id = 0;
    uint16_t user_id = 0;
    uint16_t floor_id = 1;
    std::string content_label;  // a=label of our content line, named by floorid ... mstrm
    // TCP/TLS/BFCP: the room's certificate must have this a=fingerprint (RFC 8122); sha-256
    // or sha-1, the hashes libre can take of a TLS peer's certificate.
    std::optional<DtlsFingerprint> remote_fingerprint;
    bool operator==(const NegotiatedBfcp&) const = default;
};

struct NegotiatedMedia {
    std::optional<NegotiatedStream> audio;
    std::optional<NegotiatedStream> video;
    // The second video line with a=content:slides (RFC 4796): the room's (or the meeting's)
    // shared screen. Without BFCP it is plain video.
    std::optional<NegotiatedStream> content;
    std::optional<NegotiatedBfcp> bfcp;
};

// Local RTP endpoints for an answer, chosen by media/ before the SDP answer is written.
struct LocalMediaPorts {
    std::string address;
    uint16_t audio_rtp = 0;
    uint16_t audio_rtcp = 0;
    uint16_t video_rtp = 0;
    uint16_t video_rtcp = 0;
    // This call's own SRTP keys (sip/sdes.hpp); empty: we cannot offer or answer SRTP.
    LocalSrtpKeys srtp_keys{};
    // The content line's RTP endpoints; 0: no content line (answered with port 0).
    uint16_t content_rtp = 0;
    uint16_t content_rtcp = 0;
    // Our floor control server's ports (0: that transport is refused with port 0) and the ids
    // it answers with; fixed for the call so that every re-INVITE answers the same.
    uint16_t bfcp_udp = 0;
    uint16_t bfcp_tcp = 0;
    uint32_t bfcp_conference_id = 0;
    uint16_t bfcp_user_id = 0;
    // The floor control server can speak TLS (TCP/TLS/BFCP) with the certificate whose
    // fingerprint is dtls_fingerprint.
    bool bfcp_tls = false;
    // Our DTLS certificate's a=fingerprint value ("sha-256 AB:..."); empty: no DTLS-SRTP.
    std::string dtls_fingerprint{};
};

}  // namespace sip
