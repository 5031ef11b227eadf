// What `sipmediagw demo` runs next to the gateway: a local Janus VideoRoom and its demo pages,
// reachable on a real interface (Janus will not do ICE on loopback, and a person's browser must
// reach the page). DESIGN §8.
#pragma once

#include "api/http_server.hpp"
#include "api/static_site.hpp"
#include "core/result.hpp"
#include "services/janus_local.hpp"

#include <memory>
#include <string>

namespace gateway {

struct DemoOptions {
    std::string address;  // IPv4 to serve on; empty: the first non-loopback interface
    uint16_t page_port = 8000;
    uint16_t janus_port = 8088;
    std::string demos_dir = "/usr/share/janus/demos";
    std::string libraries_dir = "/usr/share/javascript";  // served under /javascript/
};

struct HostInterface {
    std::string name;
    std::string address;
};

// The first interface that is up, not loopback, with an IPv4 address; or the one holding
// `address` when given.
core::Result<HostInterface> find_host_interface(const std::string& address);

class DemoEnvironment {
public:
    // Starts Janus, then serves the demo pages (on the control loop, which must exist).
    static core::Result<std::unique_ptr<DemoEnvironment>> start(const DemoOptions& options);

    [[nodiscard]] std::string page_url() const;  // the VideoRoom demo page, room 1234
    [[nodiscard]] std::string janus_url() const;
    [[nodiscard]] const HostInterface& interface() const { return iface_; }

    // The settings.js that points the demo pages at our Janus, with no STUN server.
    static std::string settings_js(const std::string& janus_url);

private:
    HostInterface iface_;
    DemoOptions options_;
    std::unique_ptr<services::JanusLocal> janus_;
    std::unique_ptr<api::StaticSite> site_;
    std::unique_ptr<api::StaticSite> libraries_;
    std::unique_ptr<api::HttpServer> server_;
};

}  // namespace gateway
