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
    std::string public_address;   // advertised in Contact/SDP instead of the listen address
    std::string user_agent = "sipmediagw";
    uint32_t session_expires = 1800;  // RFC 4028; 0 disables session timers
    uint16_t busy_status = 486;       // 486 Busy Here or 503 Service Unavailable
    uint32_t retry_after = 30;        // seconds, sent with 503
    uint32_t ring_ms = 0;  // >0: send 180 Ringing and wait this long before 200 OK
};

struct RegistrarConfig {
    std::string server;  // e.g. "sip:127.0.0.1:5070;transport=udp"; empty: no registration
    std::string domain;  // AOR domain; default: the server's host
    std::string secret;  // shared secret: ephemeral (TURN-REST style) credentials
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
};

struct TurnConfig {
    std::string server;  // "turn:host:port" (UDP); empty: no relay
    std::string username;
    std::string password;
    std::string secret;  // coturn use-auth-secret (REST) instead of username/password
    uint32_t ttl = 86400;
    [[nodiscard]] bool enabled() const { return !server.empty(); }
};

struct Config {
    std::string log_level = "info";
    SipConfig sip;
    RegistrarConfig registrar;
    CapacityConfig capacity;
    MediaConfig media;
    TurnConfig turn;

    // Number of call slots on this host.
    [[nodiscard]] uint32_t call_slots(unsigned cpu_cores) const;
};

// Parses and validates; errors read "<file>:<line>: <what>".
Result<Config> load_config_file(const std::string& path);
Result<Config> load_config_string(std::string_view text, const std::string& source_name);

// "udp:127.0.0.1:5060" → ListenAddress
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace core
