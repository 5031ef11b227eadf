// The adapter contract: what a meeting service tells the gateway. One C++ file (join URL and
// capabilities) plus one script, assets/services/<name>.js, that runs in the meeting page and
// exposes window.sipmediagwAdapter (join, leave, actions, participant count, events);
// docs/services.md describes both halves. Adding a service touches no session code.
#pragma once

#include "core/config.hpp"
#include "core/http_fetch.hpp"
#include "core/result.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace services {

// In-call actions a caller can trigger with DTMF or the API.
enum class Action { Mute, Camera, Hand, TileView, Leave };

std::string_view action_name(Action a);
std::optional<Action> action_from_name(std::string_view name);

struct JoinRequest {
    std::string room;
    std::string display_name;
    // Filled by Adapter::prepare(): what a server said about this join (a per-room token, the
    // meeting's internal id), read back by join_url() and join_options().
    std::map<std::string, std::string> prepared = {};
};

using PrepareDone = std::function<void(core::Result<JoinRequest>)>;

class Adapter {
public:
    virtual ~Adapter() = default;
    [[nodiscard]] virtual std::string_view name() const = 0;
    // Asks what only a server can tell before the page opens (a token service, whether the
    // meeting exists), on the control loop through `http` (owned by the call's meeting link:
    // destroying it abandons the request and `done` is never called). An error ends the join
    // with its message as the cause. Default: nothing to ask.
    virtual void prepare(JoinRequest request, core::HttpFetch& http, PrepareDone done) const {
        (void)http;
        // `done` is taken by value for the overrides, which keep it until an HTTP answer.
        const PrepareDone finish = std::move(done);
        finish(std::move(request));
    }
    // The page the browser opens for this room.
    [[nodiscard]] virtual core::Result<std::string> join_url(const JoinRequest& request) const = 0;
    // The page a warm spare opens before any call ([browser] preload, docs/browser.md
    // "Pre-loaded spares"): the service's scripts fetched and compiled, and, where the script's
    // sipmediagwAdapter.prejoin() brings it to its pre-join step, the page the call joins in
    // without navigating. "": nothing to pre-load (the default).
    [[nodiscard]] virtual std::string preload_url() const { return {}; }
    // Origin(s) that must be granted camera/microphone/capture permission before navigation.
    [[nodiscard]] virtual std::string permission_origin() const = 0;
    [[nodiscard]] virtual std::set<Action> actions() const = 0;
    // Options handed to window.sipmediagwAdapter.join() (JSON text).
    [[nodiscard]] virtual std::string join_options(const JoinRequest& request) const = 0;
    // assets/services/<name>.js
    [[nodiscard]] std::string script_path() const;
};

// The adapter for config.adapter_kind(), or an error naming the known services.
core::Result<std::unique_ptr<Adapter>> make_adapter(const core::ServiceConfig& config);

// One adapter per configured service, by the service's name ([[services]] name).
using AdapterRegistry = std::map<std::string, std::unique_ptr<Adapter>, std::less<>>;
core::Result<AdapterRegistry> make_adapters(const std::vector<core::ServiceConfig>& configs);

}  // namespace services
