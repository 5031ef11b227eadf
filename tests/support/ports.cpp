#include "support/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <random>
#include <set>
#include <stdexcept>

namespace testsupport {
namespace {

bool can_bind(int type, uint16_t port) {
    const int fd = ::socket(AF_INET, type, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

bool port_free(uint16_t port) {
    return can_bind(SOCK_DGRAM, port) && can_bind(SOCK_STREAM, port);
}

}  // namespace

uint16_t free_port_block(int count) {
    // Random probing in a range away from the kernel's ephemeral ports (32768+) and from the
    // gateway's default RTP range (20000+), so a port we hand out is not taken a moment later by
    // some outgoing connection. A port probed free stays free until its program binds it, so
    // without memory a test that asks for several ports before starting their programs could
    // get one twice (about 1 % per test at ten ports; CI met it: baresip's ctrl_tcp port and
    // sipp's media port found taken): a port is handed out once per process.
    static std::mutex mutex;
    static std::set<int> handed_out;
    static std::mt19937 rng{std::random_device{}()};
    std::uniform_int_distribution<int> dist(11000, 19990);
    std::lock_guard lock(mutex);
    for (int attempt = 0; attempt < 500; ++attempt) {
        const int base = dist(rng) & ~1;
        bool ok = true;
        for (int i = 0; i < count && ok; ++i)
            ok = !handed_out.contains(base + i) && port_free(static_cast<uint16_t>(base + i));
        if (!ok) continue;
        for (int i = 0; i < count; ++i) handed_out.insert(base + i);
        return static_cast<uint16_t>(base);
    }
    throw std::runtime_error("no free port block on 127.0.0.1");
}

uint16_t free_port() {
    return free_port_block(1);
}

}  // namespace testsupport
