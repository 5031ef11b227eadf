// The daemon's configuration (TOML). Every key is documented in docs/configuration.md; keys the
// docs do not list are rejected, naming the key and its line.
#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace core {

struct ListenAddress {
    std::string transport;  // "udp", "tcp" or "tls"
    std::string host;
    uint16_t port = 5060;
};

struct SipConfig {
    std::vector<ListenAddress> listen{{"udp", "127.0.0.1", 5060}, {"tcp", "127.0.0.1", 5060}};
    std::string tls_certificate;  // PEM with certificate and key; needed by "tls:" listeners
    std::string tls_ca_file;      // CAs that outgoing TLS peers must chain to; empty: system store
    bool tls_verify = true;       // false: outgoing TLS peers are not verified (warned at start)
    // "ip:port" of the DNS servers for SIP TLS targets' names; empty: /etc/resolv.conf
    std::vector<ListenAddress> dns_servers;
    std::string public_address;  // advertised in Contact/SDP instead of the listen address
    std::string user_agent = "sipmediagw";
    uint32_t session_expires = 1800;  // RFC 4028; 0 disables session timers
    uint16_t busy_status = 486;       // 486 Busy Here or 503 Service Unavailable
    uint32_t retry_after = 30;        // seconds, sent with 503
    uint32_t ring_ms = 0;             // >0: send 180 Ringing and wait this long before 200 OK
};

struct RegistrarConfig {
    std::string server;    // e.g. "sip:127.0.0.1:5070;transport=udp"; empty: no registration
    std::string domain;    // AOR domain; default: the server's host
    std::string realm;     // digest realm we answer; default: domain (sip/digest_source.hpp)
    std::string secret;    // shared secret: ephemeral (TURN-REST style) credentials
    std::string password;  // static digest password (instead of secret)
    std::string ua_name = "sipmediagw";
    std::string prefix;
    uint32_t expires = 600;
    uint32_t slots = 0;  // 0: one per call slot (capacity)
    [[nodiscard]] bool enabled() const { return !server.empty(); }
};

struct CapacityConfig {
    uint32_t max_calls = 0;           // 0: derive from cpu_cores_per_call
    double cpu_cores_per_call = 1.0;  // slots = floor(cores / this)
};

struct MediaConfig {
    std::string address;  // RTP bind address; default: the first SIP listen host
    uint16_t rtp_port_min = 20000;
    uint16_t rtp_port_max = 29999;
    std::vector<std::string> audio_codecs{"opus", "G722", "PCMU", "PCMA"};
    std::vector<std::string> video_codecs{"H264", "VP8"};
    uint32_t video_width = 1280;
    uint32_t video_height = 720;
    uint32_t video_fps = 30;
    uint32_t video_bitrate_kbps = 2000;
    uint32_t media_timeout_s = 30;  // 0 disables
    // Forward the caller's video to the meeting page (and the page's back) without decoding
    // when both sides agree on the codec (media/passthrough.hpp); false: always transcode.
    bool video_passthrough = true;
    // The room's content line (docs/content.md) goes to the meeting page as the room sent it
    // (H.264 CB/Baseline/Main or VP8), without decoding or encoding in the gateway; false, or
    // another codec: decoded and encoded in VP8 for the page.
    bool content_passthrough = true;
    // Meeting calls whose caller negotiated Opus forward its Opus packets to the page and the
    // page's back, without decoding or encoding (media/passthrough.hpp); false: transcode.
    bool audio_passthrough = true;
    // SRTP toward SIP endpoints (RFC 4568 SDES): "optional" answers encrypted offers with SRTP
    // and clear ones in the clear; "mandatory" refuses offers without usable crypto (488) and
    // offers RTP/SAVP(F) when dialling out; "off" answers and offers in the clear only.
    std::string srtp = "optional";
    // Which key exchange our own offers use for SRTP (dial-out, INVITEs without SDP): "sdes"
    // (a=crypto) or "dtls" (UDP/TLS/RTP/SAVPF, a=fingerprint, a=setup:actpass). Answers always
    // follow the offer's profile.
    std::string srtp_offer = "sdes";
};

struct TurnConfig {
    std::string server;  // "turn:host:port" (UDP); empty: no relay
    std::string username;
    std::string password;
    std::string secret;  // coturn use-auth-secret (REST) instead of username/password
    uint32_t ttl = 86400;
    [[nodiscard]] bool enabled() const { return !server.empty(); }
};

struct ServiceConfig {
    // The service's name in logs, the API and metrics. In [service] it is also the kind.
    std::string name = "janus";
    std::string kind;  // janus | jitsi | bigbluebutton; empty: `name` is the kind ([service])
    // janus: URL of the VideoRoom demo page; jitsi: https://<domain>; bigbluebutton: the API
    // URL (https://host/bigbluebutton/api) or a Greenlight room URL (.../rooms/<id>)
    std::string base_url = "http://127.0.0.1:8000/videoroomtest.html";
    std::string display_name = "{user} (SIP)";  // {user}, {from}, {room}
    std::string secret;                         // bigbluebutton: API shared secret (checksum)
    std::string checksum = "sha256";            // bigbluebutton: sha1 | sha256 | sha384 | sha512
    std::string jwt;                            // jitsi: token for secured deployments
    // jitsi: GET this URL ({room} replaced) for a per-room token before each join; wins over jwt
    std::string token_url;
    std::string password;  // room password / lobby password when the service asks
    uint32_t join_timeout_s = 30;
    uint32_t wait_timeout_s = 300;  // held by the service (lobby, no moderator yet, password)
    uint32_t alone_timeout_s = 0;   // hang up after this long alone in the meeting; 0: never
    // How a call chooses this service ([[services]] only; docs/services.md "Several services").
    std::string prefix;                // "bbb": sip:bbb.1234@gw joins room 1234 here
    std::vector<std::string> domains;  // dialled domains (request-URI or To host), lower case
    std::string ivr_digit;             // the key of this service in the IVR menu; empty: none
    std::string label;                 // its line in the IVR menu; empty: the name
    bool is_default = false;           // takes calls that choose no service

    [[nodiscard]] const std::string& adapter_kind() const { return kind.empty() ? name : kind; }
};

struct IvrConfig {
    std::string language = "en";  // en | fr: spoken prompts and screen text
    uint32_t digits = 10;         // room number length (submitted without '#')
    uint32_t tries = 3;
    uint32_t inactivity_timeout_s = 20;
    // Conference mapper: GET this URL ({number} replaced), JSON answer; empty: the number is
    // the room name.
    std::string mapper_url;
    std::string mapper_field = "room";  // member of the mapper's JSON answer holding the room
    std::string text_en = "Enter the conference number, then #";
    std::string text_fr = "Composez le numéro de la conférence, puis #";
};

// In-call keys (one character each: 0-9, *, #; empty disables the action).
struct DtmfConfig {
    std::string mute = "1";
    std::string camera = "2";
    std::string hand = "4";
    std::string tile = "6";
    std::string layout = "5";  // the compositor's layout, speaker ↔ grid
    std::string menu = "#";
    std::string leave = "0";
};

struct ApiConfig {
    std::string listen = "127.0.0.1:8080";  // empty: no HTTP API
    std::string token;                      // Bearer token; empty: no authentication
    uint32_t reservation_timeout_s = 60;    // a slot reserved by the launcher call waits this long
    // Host header names accepted besides IP literals and localhost (a reverse proxy's name).
    std::vector<std::string> allowed_hosts;
};

struct BrowserConfig {
    // The binary itself, not the /usr/bin/chromium wrapper (which adds extensions and keys).
    std::string executable = "/usr/lib/chromium/chromium";
    std::vector<std::string> extra_flags;  // appended to the built-in flags (docs/browser.md)
    std::string profile_dir;               // parent of per-browser profiles; empty: $TMPDIR or /tmp
    std::string log_file;                  // Chromium's stdout/stderr; empty: discarded
    uint32_t spares = 1;                   // warm spares kept ready (contexts, or browsers)
    // Calls one Chromium serves, each in its own browser context (docs/browser.md, "Process
    // model"); 1: a browser per call. 2 by default: two calls in one browser cost about 80 MiB
    // less each, for the same CPU and join time, and a browser crash costs two calls a rejoin.
    uint32_t calls_per_browser = 2;
    // A spare a call took is replaced once that call's picture reached the meeting, or this
    // long after; 0: at once (docs/browser.md, "Refill after the join").
    uint32_t spare_refill_hold_ms = 5000;
    uint32_t window_width = 1280;
    uint32_t window_height = 920;  // 920 gives a 1280x720 viewport (tab capture size)
    uint32_t start_timeout_ms = 20000;
    uint32_t heartbeat_interval_ms = 5000;  // 0: no heartbeat
    uint32_t heartbeat_timeout_ms = 5000;
    // The meeting's video toward the caller: "compositor" (the page's remote <video> elements
    // drawn in a grid; assets/bridge/compositor.js) or "tab" (capture of the whole page). The
    // compositor measured cheaper (bench/meeting, docs/browser.md).
    std::string meeting_video = "compositor";
    // How the compositor lays the meeting out for the caller: "speaker" (the active speaker
    // large, the others in a strip) or "grid" (equal tiles); the [dtmf] layout key switches.
    std::string meeting_layout = "speaker";
    // The caller's video into the meeting as the encoded frames received on the link, when the
    // meeting's sender negotiated the same codec (assets/bridge/forwarder.js); else the page
    // decodes and re-encodes it. On by default: the meeting then gets the caller's own size and
    // rate for one 720p decode and encode less per call (docs/browser.md, "Encoded forwarding").
    bool forward_encoded_video = true;
    // The meeting's video toward the caller as the encoded frames the page receives, when the
    // compositor would show one remote video alone and its codec, payload type and size suit
    // the caller (assets/bridge/meeting_forwarder.js); else the compositor draws and encodes it.
    bool forward_encoded_meeting_video = true;
    // Spares open the default service's page before any call (docs/browser.md, "Pre-loaded
    // spares"), so a call only joins.
    bool preload = true;
};

struct PathsConfig {
    // Page scripts and prompts (docs/deploy.md); empty: next to the binary, else the build tree.
    std::string data_dir;
};

struct Config {
    std::string log_level = "info";
    SipConfig sip;
    RegistrarConfig registrar;
    CapacityConfig capacity;
    MediaConfig media;
    TurnConfig turn;
    ApiConfig api;
    // The default service: [service], or the default entry of [[services]].
    ServiceConfig service;
    std::vector<ServiceConfig> services;  // [[services]] as written; empty with [service]
    IvrConfig ivr;
    DtmfConfig dtmf;
    BrowserConfig browser;
    PathsConfig paths;

    // Every service calls can join: [[services]], or the one [service].
    [[nodiscard]] std::vector<ServiceConfig> all_services() const {
        return services.empty() ? std::vector<ServiceConfig>{service} : services;
    }

    // Number of call slots on this host.
    [[nodiscard]] uint32_t call_slots(unsigned cpu_cores) const;
};

// Parses and validates; errors read "<file>:<line>: <what>".
Result<Config> load_config_file(const std::string& path);
Result<Config> load_config_string(std::string_view text, const std::string& source_name);

// Every key the loader accepts, as "section.key", sorted (docs/configuration.md lists each).
std::vector<std::string> config_keys();

// "udp:127.0.0.1:5060" → ListenAddress
Result<ListenAddress> parse_listen_address(std::string_view text);

// "turn:192.0.2.10:3478", "turn:[2001:db8::1]", "turn:192.0.2.10?transport=udp". The host
// must be an IP literal: a name would be resolved with blocking DNS for every call.
struct TurnServer {
    std::string host;
    uint16_t port = 3478;  // RFC 5766 §14
};
Result<TurnServer> parse_turn_server(std::string_view url);

// A numeric IPv4 or IPv6 address (no brackets); never resolves anything.
bool is_ip_address(std::string_view host);

}  // namespace core
