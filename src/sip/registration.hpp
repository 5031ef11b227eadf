// One registration slot: the AOR "[<prefix>.]<ua_name>.<slot>" registered at the configured
// registrar, with digest credentials from the shared secret (ephemeral) or a static password.
// libre refreshes before expiry; on failure we start over every few seconds so a restarted
// registrar gets the binding back promptly. Destroying the slot unregisters (Expires: 0).
// A TLS registrar named by a host name is resolved by us (sip/next_hop.hpp) at every start and
// again every kResolveSeconds; the slot starts over when its address is no longer listed.
#pragma once

#include "core/config.hpp"
#include "core/control_loop.hpp"
#include "core/re_handle.hpp"
#include "core/result.hpp"
#include "sip/next_hop.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

struct sipreg;
struct sip_msg;

namespace sip {

class UserAgent;
struct RegistrationLink;

// "[<prefix>.]<ua_name>.<index>"
std::string slot_user(const core::RegistrarConfig& cfg, uint32_t index);
// The registrar server URI's host ("sip:10.0.0.1:5070;transport=tcp" → "10.0.0.1").
std::string registrar_host(const std::string& server_uri);

enum class RegistrationState { Registering, Registered, Failed };

class RegistrationSlot {
public:
    RegistrationSlot(UserAgent& ua, const core::RegistrarConfig& cfg, std::string user);
    ~RegistrationSlot();
    RegistrationSlot(const RegistrationSlot&) = delete;
    RegistrationSlot& operator=(const RegistrationSlot&) = delete;

    void start();
    [[nodiscard]] const std::string& user() const { return user_; }
    [[nodiscard]] RegistrationState state() const { return state_; }
    void set_busy(bool busy) { busy_ = busy; }
    [[nodiscard]] bool busy() const { return busy_; }

    static constexpr uint32_t kRetrySeconds = 3;
    static constexpr uint32_t kRefreshSeconds = 10;
    static constexpr uint32_t kResolveSeconds = 60;

private:
    friend struct RegistrationLink;
    static void on_response(int err, const struct sip_msg* msg, void* arg);
    void set_state(RegistrationState s, const std::string& detail);
    // The registrar's host when it is reached over TLS, else empty.
    [[nodiscard]] std::string registrar_tls_host() const;
    void on_resolved(core::Result<std::vector<NextHop>> hops);
    void on_rechecked(core::Result<std::vector<NextHop>> hops);
    // Sends the REGISTER, through `via` when the registrar's name was resolved by us.
    void register_via(const std::optional<NextHop>& via);
    void fail_and_retry(const std::string& detail);

    UserAgent& ua_;
    core::RegistrarConfig cfg_;
    std::string user_;
    std::string aor_;
    // Shared with libre, which keeps a sipreg (and calls its handlers) until the un-REGISTER
    // is done, after this slot is gone; the link forgets the slot in our destructor.
    core::ReHandle<struct RegistrationLink> link_;
    core::ReHandle<struct sipreg> reg_;
    RegistrationState state_ = RegistrationState::Registering;
    bool busy_ = false;
    bool first_ = true;
    core::Timer retry_;
    std::optional<TlsTarget> tls_;  // the registrar, when reached over TLS
    std::optional<NextHop> via_;    // where the current registration goes (names only)
    std::unique_ptr<NextHopLookup> lookup_;
    core::Timer recheck_;
};

}  // namespace sip
