#include "private_network.hpp"

#include <sched.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

namespace e2e {

namespace {

bool run(const std::string& command) {
    const int rc = std::system(command.c_str());
    return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

bool write_sysctl(const std::string& path, const std::string& value) {
    std::ofstream f(path);
    f << value;
    return static_cast<bool>(f.flush());
}

// True once every interface has carrier and no address is still tentative (DAD running).
bool settled() {
    return run("ip -o link show va | grep -q LOWER_UP") &&
           run("ip -o link show vb | grep -q LOWER_UP") && !run("ip -o addr | grep -q tentative");
}

}  // namespace

std::string enter_private_network() {
    if (unshare(CLONE_NEWNET) != 0)
        return std::string("unshare(CLONE_NEWNET) failed (needs root): ") + std::strerror(errno);
    if (!run("ip link set lo up")) return "cannot bring loopback up";
    // No IPv6 on the veth pair. Otherwise its link-local addresses finish duplicate address
    // detection 1-2 s after the link comes up, and Chromium takes that address change for a
    // network change: it aborts every request in flight (net::ERR_NETWORK_CHANGED) and closes
    // its idle connections. A demo page loading at that moment lost janus.js & co. and never
    // became ready (the intermittent "timed out waiting for the demo page to load"). The
    // tests use IPv4 only; interfaces created from now on inherit "default".
    if (!write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1"))
        return "cannot disable IPv6 for new interfaces in the namespace";
    if (!run("ip link add va type veth peer name vb")) return "cannot create the veth pair";
    if (!run("ip addr add 10.200.0.1/24 dev va && ip addr add 10.200.0.2/24 dev vb"))
        return "cannot address the veth pair";
    if (!run("ip link set va up && ip link set vb up")) return "cannot bring the veth pair up";
    // Nothing may start while the interfaces still change (carrier, addresses): every change
    // is a "network change" to the browsers the tests start.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!settled()) {
        if (std::chrono::steady_clock::now() > deadline)
            return "the veth pair did not settle (carrier, tentative addresses) within 30 s";
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {};
}

}  // namespace e2e
