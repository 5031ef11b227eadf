#include "gateway/demo_environment.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <spdlog/spdlog.h>

namespace gateway {

core::Result<HostInterface> find_host_interface(const std::string& address) {
    struct ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return core::fail("cannot list network interfaces");
    std::unique_ptr<struct ifaddrs, decltype(&freeifaddrs)> guard(list, &freeifaddrs);
    for (auto* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
        if ((i->ifa_flags & IFF_UP) == 0 || (i->ifa_flags & IFF_LOOPBACK) != 0) continue;
        char buf[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, buf,
                  sizeof(buf));
        if (address.empty() || address == buf) return HostInterface{i->ifa_name, buf};
    }
    if (!address.empty()) return core::fail("no interface holds the address " + address);
    return core::fail(
        "no network interface besides loopback: Janus does not use loopback for ICE, so the "
        "demo needs one (give --address)");
}

std::string DemoEnvironment::settings_js(const std::string& janus_url) {
    return "// Written by sipmediagw demo.\nvar server = \"" + janus_url +
           "\";\nvar iceServers = [];\n"
           // videoroomtest.js passes these to new Janus(); Debian's settings.js lacks them.
           "var token = null;\nvar apisecret = null;\n";
}

core::Result<std::unique_ptr<DemoEnvironment>> DemoEnvironment::start(const DemoOptions& options) {
    auto iface = find_host_interface(options.address);
    if (!iface) return iface.error();
    auto env = std::make_unique<DemoEnvironment>();
    env->iface_ = *iface;
    env->options_ = options;

    services::JanusLocalOptions jo;
    jo.http_ip = iface->address;
    jo.http_port = options.janus_port;
    jo.ice_enforce_list = iface->name;
    auto janus = services::JanusLocal::start(jo);
    if (!janus) return janus.error();
    env->janus_ = std::move(*janus);

    env->site_ = std::make_unique<api::StaticSite>(options.demos_dir);
    env->site_->override_file("/settings.js", settings_js(env->janus_->api_url()),
                              "application/javascript");
    // Every browser of the demo (the gateway's, its spares', a user's, a benchmark's observers)
    // comes from the one interface address, and each Chromium keeps up to 6 connections open:
    // the API's per-peer limit (16) refused the third browser's requests, whose page then never
    // loaded (meeting_bench's baseline browser: "timed out waiting for the demo page to load").
    api::HttpLimits limits;
    limits.max_connections = 256;
    limits.max_connections_per_peer = limits.max_connections;
    env->server_ = std::make_unique<api::HttpServer>(limits);
    const std::string listen = iface->address + ":" + std::to_string(options.page_port);
    // The demo pages load jQuery, bootbox, janus.js, ... from /javascript/, which Debian's web
    // server configuration aliases to /usr/share/javascript (libjs-* packages).
    env->libraries_ = std::make_unique<api::StaticSite>(options.libraries_dir);
    auto* site = env->site_.get();
    auto* libraries = env->libraries_.get();
    if (auto st = env->server_->listen(listen,
                                       [site, libraries](const api::HttpRequest& r) {
                                           static const std::string prefix = "/javascript/";
                                           if (r.path.rfind(prefix, 0) == 0) {
                                               api::HttpRequest inner = r;
                                               inner.path = r.path.substr(prefix.size() - 1);
                                               return libraries->handle(inner);
                                           }
                                           return site->handle(r);
                                       });
        !st)
        return core::fail("demo pages: " + st.error().message);
    spdlog::info("demo: pages served url={}", env->page_url());
    return env;
}

std::string DemoEnvironment::page_url() const {
    return "http://" + iface_.address + ":" + std::to_string(options_.page_port) +
           "/videoroomtest.html?room=1234";
}

std::string DemoEnvironment::janus_url() const {
    return janus_->api_url();
}

}  // namespace gateway
