#include "private_network.hpp"

#include <sched.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>

namespace e2e {

namespace {

bool run(const std::string& command) {
    const int rc = std::system(command.c_str());
    return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

}  // namespace

std::string enter_private_network() {
    if (unshare(CLONE_NEWNET) != 0)
        return std::string("unshare(CLONE_NEWNET) failed (needs root): ") + std::strerror(errno);
    if (!run("ip link set lo up")) return "cannot bring loopback up";
    if (!run("ip link add va type veth peer name vb")) return "cannot create the veth pair";
    if (!run("ip addr add 10.200.0.1/24 dev va && ip addr add 10.200.0.2/24 dev vb"))
        return "cannot address the veth pair";
    if (!run("ip link set va up && ip link set vb up")) return "cannot bring the veth pair up";
    return {};
}

}  // namespace e2e
