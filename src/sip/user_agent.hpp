// The SIP stack of the process: libre transports (UDP/TCP/TLS) from the config, OPTIONS answered
// for monitors and Kamailio pings, UPDATE routed to its call, and new INVITEs handed to the
// gateway. libre answers responses to the Via's rport (RFC 3581, symmetric response routing).
#pragma once

#include "core/config.hpp"
#include "core/re_handle.hpp"
#include "core/result.hpp"
#include "sip/tls_verifier.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

struct libre_sip;
struct sip_msg;
struct sip_lsnr;
struct sipsess_sock;
struct dnsc;
struct tls;

namespace sip {

class Call;

// What every 2xx to OPTIONS (and our INVITE answers) advertise.
inline constexpr const char* kAllow = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE";
inline constexpr const char* kSupported = "timer";

class UserAgent {
public:
    using InviteHandler = std::function<void(const struct sip_msg& invite)>;

    static core::Result<std::unique_ptr<UserAgent>> create(const core::SipConfig& config,
                                                           InviteHandler on_invite);
    ~UserAgent();
    UserAgent(const UserAgent&) = delete;
    UserAgent& operator=(const UserAgent&) = delete;

    [[nodiscard]] struct libre_sip* stack() const { return sip_.get(); }
    [[nodiscard]] struct sipsess_sock* sessions() const { return sessions_.get(); }
    [[nodiscard]] const core::SipConfig& config() const { return config_; }
    // Null when the resolver could not be made.
    [[nodiscard]] struct dnsc* dns() const { return dns_.get(); }
    [[nodiscard]] bool has_tls_listener() const;
    // "udp:127.0.0.1:5060", one per listener, as bound.
    [[nodiscard]] const std::vector<std::string>& listening() const { return listening_; }

    // Replies outside any session (rejections); `headers` end in CRLF each.
    void reply(const struct sip_msg& msg, uint16_t status, const std::string& reason,
               const std::string& headers = {}) const;

    // Calls register so that UPDATE requests reach them (libre 1.1.0 sipsess has no UPDATE).
    void add_call(Call* call);
    void remove_call(Call* call);

    // Stops taking requests, lets pending transactions (BYE, un-REGISTER) finish, then runs
    // `done`. force: drop everything at once.
    void close(bool force, std::function<void()> done);

    // Only create() makes one (the key keeps the constructor usable by make_unique alone).
    struct Key {
        explicit Key() = default;
    };
    UserAgent(Key, const core::SipConfig& config);

private:
    static bool on_request(const struct sip_msg* msg, void* arg);
    static void on_invite(const struct sip_msg* msg, void* arg);
    static void on_exit(void* arg);
    core::Status add_transport(const core::ListenAddress& la);

    core::SipConfig config_;
    InviteHandler invite_handler_;
    core::ReHandle<struct dnsc> dns_;
    core::ReHandle<struct tls> tls_;
    std::unique_ptr<TlsVerifier> tls_verifier_;  // before tls_ goes: it hooks tls_'s context
    core::ReHandle<struct libre_sip> sip_;
    core::ReHandle<struct sip_lsnr> listener_;
    core::ReHandle<struct sipsess_sock> sessions_;
    std::vector<std::string> listening_;
    std::vector<Call*> calls_;
    std::function<void()> on_closed_;
};

// Small helpers over libre's message view.
std::string header_value(const struct sip_msg& msg, const char* name,
                         const char* compact = nullptr);
std::string body_of(const struct sip_msg& msg);
std::string content_type_of(const struct sip_msg& msg);
bool has_option_tag(const struct sip_msg& msg, const char* tag);  // Supported or Require

}  // namespace sip
